"""Stack frames: file, function, line, source context and local variables.

Frames are listed oldest first. Frames of the SDK itself and frames that hide themselves
(``__tracebackhide__``, as pytest does) are left out. A stack longer than
``max_stack_frames`` keeps its oldest and newest halves; the omitted range is given in
``frames_omitted`` and the full length in ``_meta``.

Work per frame is kept small: what depends only on the code object comes from
:mod:`~sentry_lite._event.paths`; the source lines around a line number are cached per
file and line; only the locals are converted afresh (bounded, see
:mod:`~sentry_lite._event.databag`).
"""

from __future__ import annotations

import sys

from sentry_lite._event.databag import Walker, merge_meta
from sentry_lite._event.paths import paths_for
from sentry_lite._event.scrubber import policy_of, scrubber_for
from sentry_lite.consts import DEFAULT_MAX_VALUE_LENGTH

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType, TracebackType
    from typing import Any

    from sentry_lite._event.paths import CodeInfo, Paths
    from sentry_lite._options import Options
    from sentry_lite.types import Event

    Context = tuple[list[str], str, list[str]]
    Visible = tuple[FrameType, "int | None", CodeInfo]

CONTEXT_LINES = 5
_MAX_CONTEXTS = 8192
# (filename, lineno, limit) -> (the linecache list it was read from, pre, line, post)
_contexts: dict[tuple[str, int, int], tuple[list[str], list[str], str, list[str]]] = {}


def _context(filename: str, lineno: int, f_globals: Any, limit: int) -> Context | None:
    """Five lines before, the line, five lines after (cached per file and line)."""
    import linecache  # with tokenize and re: loaded by the first stack trace, not init()

    entry = linecache.cache.get(filename)
    if entry is not None and len(entry) == 4:
        lines = entry[2]  # what getlines() would answer, without the call
    else:
        lines = linecache.getlines(filename, f_globals)
    if not lines or not 0 < lineno <= len(lines):
        return None
    key = (filename, lineno, limit)
    cached = _contexts.get(key)
    if cached is not None and cached[0] is lines:
        return cached[1], cached[2], cached[3]
    start = max(lineno - 1 - CONTEXT_LINES, 0)
    pre = [_line(text, limit) for text in lines[start : lineno - 1]]
    line = _line(lines[lineno - 1], limit)
    post = [_line(text, limit) for text in lines[lineno : lineno + CONTEXT_LINES]]
    if len(_contexts) >= _MAX_CONTEXTS:
        _contexts.clear()
    _contexts[key] = (lines, pre, line, post)
    return pre, line, post


def _line(text: str, limit: int) -> str:
    text = text.rstrip("\r\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


class FrameBuilder:
    """Turns ``(frame, lineno)`` pairs into Sentry frames under one set of options."""

    __slots__ = ("codes", "max_frames", "max_len", "paths", "source", "walker")

    def __init__(self, options: Options) -> None:
        self.paths: Paths = paths_for(options)
        self.codes = self.paths.codes
        self.source = options.include_source_context
        self.max_frames = options.max_stack_frames
        self.max_len = options.max_value_length or DEFAULT_MAX_VALUE_LENGTH
        self.walker: Walker | None = None
        if options.include_local_variables:
            self.walker = Walker(
                self.max_len,
                reprs=True,
                policy=policy_of(scrubber_for(options)),
                custom_repr=options.custom_repr,
            )

    def visible(self, frame: FrameType) -> CodeInfo | None:
        """What is known of the frame's code; None for the SDK's own frames and frames
        that hide themselves."""
        f_globals = frame.f_globals
        code = frame.f_code
        entry = self.codes.get(id(code))
        if entry is not None and entry[0] is code:
            info = entry[1]
        else:
            info = self.paths.info(code, f_globals)
        if info[4]:
            return None
        if info[5] and frame.f_locals.get("__tracebackhide__"):
            return None
        if f_globals.get("__tracebackhide__"):
            return None
        return info

    def stacktrace(self, pairs: list[Visible]) -> tuple[dict[str, Any], Any]:
        """The stacktrace of ``pairs`` (oldest first) and the meta of its frames (or None)."""
        total = len(pairs)
        stacktrace: dict[str, Any] = {}
        maximum = self.max_frames
        omitted: tuple[int, int] | None = None
        if maximum is not None and total > maximum:
            head = (maximum + 1) // 2
            tail = maximum - head
            omitted = (head, total - tail)
            pairs = pairs[:head] + (pairs[total - tail :] if tail else [])
        frames: list[dict[str, Any]] = []
        frames_meta: dict[str, Any] | None = None
        for index, (frame, lineno, info) in enumerate(pairs):
            built, vars_meta = self.frame(frame, lineno, info)
            frames.append(built)
            if vars_meta is not None:
                if frames_meta is None:
                    frames_meta = {}
                frames_meta[str(index)] = {"vars": vars_meta}
        stacktrace["frames"] = frames
        if omitted is not None:
            stacktrace["frames_omitted"] = list(omitted)
            if frames_meta is None:
                frames_meta = {}
            frames_meta[""] = {"len": total}
        return stacktrace, ({"frames": frames_meta} if frames_meta else None)

    def frame(
        self, frame: FrameType, lineno: int | None, info: CodeInfo
    ) -> tuple[dict[str, Any], Any]:
        code = frame.f_code
        out: dict[str, Any] = {
            "filename": info[0],
            "abs_path": info[1],
            "function": code.co_name or "<unknown>",
            "module": info[2],
            "lineno": lineno,
        }
        if self.source and lineno:
            context = _context(code.co_filename, lineno, frame.f_globals, self.max_len)
            if context is not None:
                out["pre_context"] = context[0].copy()
                out["context_line"] = context[1]
                out["post_context"] = context[2].copy()
        meta = None
        if self.walker is not None:
            out["vars"], meta = self.walker.bag(frame.f_locals)
        out["in_app"] = info[3]
        return out, meta


def traceback_pairs(tb: TracebackType | None, builder: FrameBuilder) -> list[Visible]:
    """The visible frames of a traceback, oldest first, with line and code info."""
    pairs: list[Visible] = []
    visible = builder.visible
    while tb is not None:
        frame = tb.tb_frame
        info = visible(frame)
        if info is not None:
            pairs.append((frame, tb.tb_lineno, info))
        tb = tb.tb_next
    return pairs


def stack_pairs(frame: FrameType | None, builder: FrameBuilder) -> list[Visible]:
    """The visible frames from ``frame`` down to the oldest, oldest first."""
    pairs: list[Visible] = []
    visible = builder.visible
    while frame is not None:
        info = visible(frame)
        if info is not None:
            pairs.append((frame, frame.f_lineno, info))
        frame = frame.f_back
    pairs.reverse()
    return pairs


def stacktrace_from_traceback(
    tb: TracebackType | None, options: Options
) -> tuple[dict[str, Any] | None, Any]:
    """The stacktrace of ``tb`` (None if no frame is visible) and its meta."""
    builder = FrameBuilder(options)
    pairs = traceback_pairs(tb, builder)
    if not pairs:
        return None, None
    return builder.stacktrace(pairs)


def current_stacktrace(options: Options) -> dict[str, Any]:
    """The caller's stack, oldest first, the SDK's frames left out."""
    return current_stacktrace_with_meta(options)[0]


def current_stacktrace_with_meta(options: Options) -> tuple[dict[str, Any], Any]:
    builder = FrameBuilder(options)
    pairs = stack_pairs(sys._getframe(1), builder)
    return builder.stacktrace(pairs)


def attach_current_stacktrace(event: Event, options: Options) -> None:
    """Give a message event the current thread's stack (``attach_stacktrace=True``)."""
    if "exception" in event or "threads" in event or "stacktrace" in event:
        return
    builder = FrameBuilder(options)
    pairs = stack_pairs(sys._getframe(1), builder)
    if not pairs:
        return
    stacktrace, meta = builder.stacktrace(pairs)
    event["threads"] = {"values": [{"stacktrace": stacktrace, "crashed": False, "current": True}]}
    if meta is not None:
        merge_meta(event.setdefault("_meta", {}), ("threads", "values", "0", "stacktrace"), meta)


__all__ = [
    "FrameBuilder",
    "attach_current_stacktrace",
    "current_stacktrace",
    "stacktrace_from_traceback",
]
