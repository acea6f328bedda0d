"""``sentry_sdk._compat``: the Python version flags, ``reraise`` and ``with_metaclass`` that
third-party packages import from this private path, and the uWSGI thread check."""

from __future__ import annotations

import sys

from sentry_lite._errors import reraise
from sentry_lite.consts import FALSE_VALUES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PY37 = sys.version_info >= (3, 7)
PY38 = sys.version_info >= (3, 8)
PY310 = sys.version_info >= (3, 10)
PY311 = sys.version_info >= (3, 11)


def with_metaclass(meta: Any, *bases: Any) -> Any:
    """A base class that makes the class deriving from it an instance of ``meta``."""

    class Temporary(type):
        def __new__(mcs, name: str, _bases: Any, namespace: dict[str, Any]) -> Any:
            return meta(name, bases, namespace)

    return type.__new__(Temporary, "temporary_class", (), {})


def _uwsgi_flag(opt: dict[str, Any], name: str) -> bool:
    value = opt.get(name, False)
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    if isinstance(value, bool):
        return value
    return bool(value) and str(value).lower() not in FALSE_VALUES


def check_uwsgi_thread_support() -> bool:
    """False, with a warning, under uWSGI without threads: the SDK sends from a thread."""
    try:
        from uwsgi import opt  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return True
    if "threads" in opt or _uwsgi_flag(opt, "enable-threads"):
        return True
    import warnings

    warnings.warn(
        Warning('sentry_lite: uWSGI runs without thread support; events may not be sent. '
                'Run uWSGI with "--enable-threads".'),
        stacklevel=2,
    )  # fmt: skip
    return False


__all__ = [
    "FALSE_VALUES",
    "PY37",
    "PY38",
    "PY310",
    "PY311",
    "check_uwsgi_thread_support",
    "reraise",
    "with_metaclass",
]
