"""The stack helpers of ``sentry_sdk.profiler.utils``, as code calling them sees them."""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest

from sentry_lite.profiler import utils


class Cache:
    """The official helpers' cache shape: ``get`` and ``set``."""

    def __init__(self) -> None:
        self.data: dict[Any, Any] = {}

    def get(self, key: Any) -> Any:
        return self.data.get(key)

    def set(self, key: Any, value: Any) -> None:
        self.data[key] = value


class Shape:
    def method(self) -> Any:
        return sys._getframe()


def test_the_stack_helpers_give_what_the_official_ones_give() -> None:
    official = pytest.importorskip("sentry_sdk.profiler.utils")
    frame = Shape().method()
    cwd = os.getcwd()
    # one statement, so the test's own frame is at the same line for both
    ours, theirs = [module.extract_stack(frame, Cache(), cwd) for module in (utils, official)]
    assert ours[1] == theirs[1]  # frame ids: (abs path, line, qualified name), innermost first
    assert ours[2] == theirs[2]
    assert ours[0] == theirs[0]
    assert utils.get_frame_name(frame) == official.get_frame_name(frame) == "Shape.method"
    assert utils.frame_id(frame) == official.frame_id(frame)


def test_a_plain_dict_serves_as_the_cache() -> None:
    cache: dict[Any, Any] = {}
    stack_id, ids, frames = utils.extract_stack(sys._getframe(), cache, os.getcwd(),
                                                max_stack_depth=3)
    assert len(ids) == len(frames) == 3 and stack_id[0] == 3
    assert set(cache) == set(ids)
    assert frames[0]["function"] == "test_a_plain_dict_serves_as_the_cache"
