"""Exceptions to ``exception.values``: chains, groups and mechanisms."""

from __future__ import annotations

import sys

from sentry_lite._event.frames import stacktrace_from_traceback

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite._options import Options
    from sentry_lite.types import Event, ExcInfo, Hint, Mechanism


def exc_info_from_error(error: Any = None) -> ExcInfo | None:
    """An ``exc_info`` triple from an exception, a triple, or the one being handled."""
    if error is None:
        info = sys.exc_info()
        return info if info[1] is not None else None
    if isinstance(error, BaseException):
        return type(error), error, error.__traceback__
    if isinstance(error, tuple) and len(error) == 3:
        if error[1] is None and isinstance(error[0], type):
            return error[0], error[0](), error[2]
        return error
    return None


def _single(exc: BaseException, options: Options, mechanism: Mechanism) -> dict[str, Any]:
    cls = type(exc)
    value: dict[str, Any] = {
        "type": cls.__qualname__,
        "value": str(exc),
        "module": cls.__module__,
        "mechanism": mechanism,
    }
    if exc.__traceback__ is not None:
        value["stacktrace"] = stacktrace_from_traceback(exc.__traceback__, options)
    return value


def event_from_exception(
    exc_info: ExcInfo, options: Options, mechanism: Mechanism | None = None
) -> tuple[Event, Hint]:
    """The event and hint for ``exc_info``; the chain is listed oldest first."""
    exc = exc_info[1]
    values: list[dict[str, Any]] = []
    seen: set[int] = set()
    top: Mechanism = mechanism or {"type": "generic", "handled": True}
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        mech: Mechanism = top if not values else {"type": "chained", "handled": True}
        values.append(_single(exc, options, mech))
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    values.reverse()
    event: Event = {"level": "error", "exception": {"values": values}}
    return event, {"exc_info": exc_info}
