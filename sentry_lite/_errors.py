"""The exception and stack helpers of ``sentry_sdk.utils`` (event_from_exception and friends),
built on :mod:`sentry_lite._event` with the official signatures: ``client_options`` may be the
client's options, an options dict, or None (the defaults).
"""

from __future__ import annotations

import sys

from sentry_lite import _log
from sentry_lite._event import exceptions as _exceptions
from sentry_lite._event.frames import FrameBuilder, _context, current_stacktrace_with_meta
from sentry_lite._event.paths import filename_for, paths_for
from sentry_lite._options import options_from

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import FrameType, TracebackType
    from typing import Any, NoReturn

    from sentry_lite._options import Options
    from sentry_lite.types import Event, ExcInfo


def exc_info_from_error(error: BaseException | ExcInfo) -> ExcInfo:
    """The ``(type, value, traceback)`` of an exception (or the triple itself)."""
    info = _exceptions.exc_info_from_error(error)
    if info is None:
        raise ValueError(f"Expected Exception object to report, got {type(error)}!")
    return info


def event_from_exception(
    exc_info: BaseException | ExcInfo,
    client_options: dict[str, Any] | Options | None = None,
    mechanism: dict[str, Any] | None = None,
) -> tuple[Event, dict[str, Any]]:
    """An error event (``level``, ``exception.values``) and its hint for an exception."""
    info = exc_info_from_error(exc_info)
    event, hint = _exceptions.event_from_exception(
        info, options_from(client_options), mechanism  # type: ignore[arg-type]
    )
    return event, dict(hint)


def exceptions_from_error_tuple(
    exc_info: ExcInfo,
    client_options: dict[str, Any] | Options | None = None,
    mechanism: dict[str, Any] | None = None,
    full_stack: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The ``exception.values`` of an exception and its chain, oldest first."""
    event, _ = event_from_exception(exc_info, client_options, mechanism)
    values: list[dict[str, Any]] = event.get("exception", {}).get("values", [])
    return values


def single_exception_from_error_tuple(
    exc_type: type | None,
    exc_value: BaseException | None,
    tb: TracebackType | None,
    client_options: dict[str, Any] | Options | None = None,
    mechanism: dict[str, Any] | None = None,
    exception_id: int | None = None,
    parent_id: int | None = None,
    source: str | None = None,
    full_stack: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One entry of ``exception.values``, for ``exc_value`` alone (its chain left out)."""
    if exc_value is None:
        exc_value = exc_type() if isinstance(exc_type, type) else Exception()
    given: dict[str, Any] = dict(mechanism or {"type": "generic", "handled": True})
    for key, value in (("exception_id", exception_id), ("parent_id", parent_id),
                       ("source", source)):  # fmt: skip
        if value is not None:
            given[key] = value
    collector = _exceptions._Collector(options_from(client_options))
    collector.add(exc_value, given, tb)  # type: ignore[arg-type]
    return collector.values[0]


def walk_exception_chain(exc_info: ExcInfo) -> Iterator[ExcInfo]:
    """``exc_info``, then what it was raised from or during, newest first, each once."""
    seen: set[int] = set()
    exc_type, exc_value, tb = exc_info
    while exc_type is not None and exc_value is not None and id(exc_value) not in seen:
        seen.add(id(exc_value))
        yield exc_type, exc_value, tb
        exc_value = _exceptions._link(exc_value)[0]
        if exc_value is not None:
            exc_type, tb = type(exc_value), exc_value.__traceback__


def should_hide_frame(frame: FrameType) -> bool:
    """True for a frame that asks to be left out of stack traces (``__traceback_hide__``)."""
    try:
        if frame.f_globals.get("__traceback_hide__"):
            return True
        return bool(frame.f_locals.get("__traceback_hide__"))
    except Exception:
        return False


def iter_stacks(tb: TracebackType | None) -> Iterator[TracebackType]:
    """The entries of a traceback, oldest first, hidden frames left out."""
    while tb is not None:
        if not should_hide_frame(tb.tb_frame):
            yield tb
        tb = tb.tb_next


def _stack_options(locals_: bool, source: bool, max_value_length: int | None) -> Options:
    return options_from({"include_local_variables": locals_, "include_source_context": source,
                         "max_value_length": max_value_length})  # fmt: skip


def current_stacktrace(
    include_local_variables: bool = True,
    include_source_context: bool = True,
    max_value_length: int | None = None,
) -> dict[str, Any]:
    """The caller's stack as a Sentry stacktrace (``{"frames": [...]}``), oldest first."""
    options = _stack_options(include_local_variables, include_source_context, max_value_length)
    return current_stacktrace_with_meta(options)[0]


def serialize_frame(
    frame: FrameType,
    tb_lineno: int | None = None,
    include_local_variables: bool = True,
    include_source_context: bool = True,
    max_value_length: int | None = None,
    custom_repr: Callable[..., str | None] | None = None,
) -> dict[str, Any]:
    """One Python frame as a Sentry frame."""
    options = _stack_options(include_local_variables, include_source_context, max_value_length)
    options.custom_repr = custom_repr
    builder = FrameBuilder(options)
    info = builder.paths.info(frame.f_code, frame.f_globals)
    lineno = tb_lineno if tb_lineno is not None else frame.f_lineno
    return builder.frame(frame, lineno, info)[0]


_NO_LINES: tuple[list[str], str | None, list[str]] = ([], None, [])


def get_lines_from_file(
    filename: str,
    lineno: int,
    max_length: int | None = None,
    loader: Any | None = None,
    module: str | None = None,
) -> tuple[list[str], str | None, list[str]]:
    """Five lines before line ``lineno`` (counted from 0), the line, five after."""
    from sentry_lite.consts import DEFAULT_MAX_VALUE_LENGTH

    f_globals = {"__loader__": loader, "__name__": module} if loader is not None else None
    limit = max_length or DEFAULT_MAX_VALUE_LENGTH
    found = _context(filename, lineno + 1, f_globals, limit)
    return (list(found[0]), found[1], list(found[2])) if found else _NO_LINES


def get_source_context(
    frame: FrameType, tb_lineno: int | None, max_value_length: int | None = None
) -> tuple[list[str], str | None, list[str]]:
    """The source lines around ``tb_lineno`` (counted from 1) in ``frame``'s file."""
    if tb_lineno is None:
        return _NO_LINES
    loader, module = frame.f_globals.get("__loader__"), frame.f_globals.get("__name__")
    return get_lines_from_file(frame.f_code.co_filename, tb_lineno - 1, max_value_length,
                               loader, module)  # fmt: skip


def event_hint_with_exc_info(exc_info: ExcInfo | None = None) -> dict[str, ExcInfo | None]:
    """A hint holding ``exc_info`` (default: the exception being handled)."""
    return {"exc_info": exc_info if exc_info is not None else sys.exc_info()}


def get_type_name(cls: type | None) -> str | None:
    return getattr(cls, "__qualname__", None) or getattr(cls, "__name__", None)


def get_type_module(cls: type | None) -> str | None:
    module = getattr(cls, "__module__", None)
    return None if module in (None, "builtins", "__builtins__") else module


def get_error_message(exc_value: BaseException | None) -> str:
    """``str(exc)`` with its notes, as Sentry shows it."""
    if exc_value is None:
        return ""
    return _exceptions._text(exc_value, sys.maxsize)[0]


def get_errno(exc_value: BaseException) -> Any | None:
    return getattr(exc_value, "errno", None)


def filename_for_module(module: str | None, abs_path: str | None) -> str | None:
    """The file's path relative to its top-level package (``pkg/mod.py``)."""
    return None if abs_path is None else filename_for(module, abs_path)


def should_be_treated_as_error(ty: Any, value: Any) -> bool:
    """False for a clean exit (``SystemExit(0)`` or ``SystemExit(None)``)."""
    return not (ty is SystemExit and hasattr(value, "code") and value.code in (0, None))


def iter_event_stacktraces(event: Event) -> Iterator[dict[str, Any]]:
    """Every stacktrace of an event (exceptions, threads, the top-level one)."""
    from sentry_lite._event.scrubber import _stacktraces

    yield from _stacktraces(event)


def iter_event_frames(event: Event) -> Iterator[dict[str, Any]]:
    for stacktrace in iter_event_stacktraces(event):
        frames = stacktrace.get("frames")
        yield from (f for f in frames or () if isinstance(f, dict))


def set_in_app_in_frames(
    frames: Any,
    in_app_exclude: list[str] | None,
    in_app_include: list[str] | None,
    project_root: str | None = None,
) -> Any | None:
    """Set ``in_app`` on frames that lack it, by the ``in_app_*`` rules."""
    if not frames:
        return None
    rules = {"in_app_include": in_app_include or [], "in_app_exclude": in_app_exclude or []}
    options = options_from({**rules, "project_root": project_root})
    paths = paths_for(options)
    for frame in frames:
        if frame.get("in_app") is None:
            frame["in_app"] = paths.in_app(frame.get("module"), frame.get("abs_path") or "")
    return frames


def handle_in_app(
    event: Event,
    in_app_exclude: list[str] | None = None,
    in_app_include: list[str] | None = None,
    project_root: str | None = None,
) -> Event:
    for stacktrace in iter_event_stacktraces(event):
        set_in_app_in_frames(stacktrace.get("frames"), in_app_exclude, in_app_include,
                             project_root)  # fmt: skip
    return event


class CaptureInternalException:
    """The context manager of ``capture_internal_exceptions()``: an error inside the SDK's own
    code is logged (with ``debug=True``) and never reaches the application."""

    __slots__ = ()

    def __enter__(self) -> CaptureInternalException:
        return self

    def __exit__(self, ty: Any, value: Any, tb: Any) -> bool:
        if ty is not None and value is not None:
            capture_internal_exception((ty, value, tb))
        return True


_CAPTURE = CaptureInternalException()


def capture_internal_exceptions() -> CaptureInternalException:
    return _CAPTURE


def capture_internal_exception(exc_info: ExcInfo) -> None:
    from sentry_lite.api import get_client

    if get_client().options.debug:
        _log.get_logger().error("Internal error in sentry_lite", exc_info=exc_info[1])


def reraise(tp: type[BaseException] | None, value: BaseException | None,
            tb: Any | None = None) -> NoReturn:  # fmt: skip
    """Raise ``value`` again with traceback ``tb``."""
    assert value is not None
    if value.__traceback__ is not tb:
        raise value.with_traceback(tb)
    raise value
