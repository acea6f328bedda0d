"""Stack frames: file, function, line, source context and local variables."""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType, TracebackType
    from typing import Any

    from sentry_lite._options import Options


def _frame(frame: FrameType, lineno: int, options: Options) -> dict[str, Any]:
    code = frame.f_code
    module = frame.f_globals.get("__name__")
    out: dict[str, Any] = {
        "filename": code.co_filename,
        "abs_path": code.co_filename,
        "function": code.co_name,
        "module": module,
        "lineno": lineno,
    }
    if options.include_source_context:
        import linecache

        line = linecache.getline(code.co_filename, lineno, frame.f_globals)
        if line:
            out["context_line"] = line.rstrip("\n")
    if options.include_local_variables:
        from sentry_lite._event.serializer import safe_repr

        out["vars"] = {k: safe_repr(v) for k, v in list(frame.f_locals.items())[:50]}
    return out


def stacktrace_from_traceback(tb: TracebackType | None, options: Options) -> dict[str, Any]:
    frames = []
    while tb is not None:
        frames.append(_frame(tb.tb_frame, tb.tb_lineno, options))
        tb = tb.tb_next
    return {"frames": frames}


def current_stacktrace(options: Options, skip: int = 0) -> dict[str, Any]:
    """The caller's stack, oldest first (for ``attach_stacktrace``)."""
    frame: FrameType | None = sys._getframe(skip + 1)
    frames = []
    while frame is not None:
        frames.append(_frame(frame, frame.f_lineno, options))
        frame = frame.f_back
    frames.reverse()
    return {"frames": frames}
