"""Ids: well formed, unique, unaffected by the application's random.seed(), new after fork."""

from __future__ import annotations

import os
import random
import re

from sentry_lite._ids import new_event_id, new_span_id, new_trace_id
from tests.forking import run_in_child


def test_ids_are_lowercase_hex_of_the_protocol_lengths() -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", new_trace_id())
    assert re.fullmatch(r"[0-9a-f]{32}", new_event_id())
    assert re.fullmatch(r"[0-9a-f]{16}", new_span_id())


def test_ids_do_not_repeat() -> None:
    assert len({new_trace_id() for _ in range(10_000)}) == 10_000
    assert len({new_span_id() for _ in range(10_000)}) == 10_000


def test_the_applications_random_seed_does_not_make_ids_repeat() -> None:
    random.seed(42)
    first = new_trace_id()
    random.seed(42)
    assert new_trace_id() != first


def test_a_forked_child_draws_other_ids_than_its_parent() -> None:
    new_trace_id()  # the generator exists before the fork
    read, write = os.pipe()
    assert run_in_child(lambda: os.write(write, new_trace_id().encode()) == 32) == 0
    os.close(write)
    child = os.read(read, 64).decode()
    os.close(read)
    parent = new_trace_id()
    assert len(child) == 32 and child != parent
