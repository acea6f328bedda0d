"""``sentry_lite._compat``: the private names third-party packages import from sentry_sdk."""

from __future__ import annotations

import sys

import pytest

from sentry_lite import _compat


def test_reraise_and_version_flags() -> None:
    try:
        raise KeyError("k")
    except KeyError:
        info = sys.exc_info()
    with pytest.raises(KeyError) as raised:
        _compat.reraise(*info)
    assert raised.value is info[1]
    assert _compat.PY310 and (sys.version_info >= (3, 11)) == _compat.PY311


def test_with_metaclass_builds_an_instance_of_the_metaclass() -> None:
    class Meta(type):
        pass

    class Base:
        pass

    class Made(_compat.with_metaclass(Meta, Base)):  # type: ignore[misc]
        pass

    assert type(Made) is Meta and issubclass(Made, Base)


def test_uwsgi_check_is_true_outside_uwsgi() -> None:
    assert _compat.check_uwsgi_thread_support() is True
