"""Exceptions to ``exception.values``: chains, groups and mechanisms.

A plain chain is listed oldest first: the exception that was captured comes last and
carries the given mechanism; the ones it was raised from (``__cause__``) or while
handling (``__context__``, unless suppressed) come before it with mechanism type
``chained``.

When an exception group takes part, every exception gets ``mechanism.exception_id``
(a pre-order numbering from the captured one, 0) and, except the captured one,
``parent_id`` and ``source`` (``exceptions[i]``, ``__cause__`` or ``__context__``); groups
have ``is_exception_group``. The list is the reverse of that numbering, so the captured
exception is still last.

Both walks are cycle-safe and stop after ``MAX_EXCEPTIONS`` exceptions.
"""

from __future__ import annotations

import builtins
import sys

from sentry_lite._event.databag import merge_meta, truncate
from sentry_lite._event.frames import FrameBuilder, stack_pairs, traceback_pairs
from sentry_lite._event.saferepr import opaque
from sentry_lite.consts import DEFAULT_MAX_VALUE_LENGTH

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite._event.frames import Visible
    from sentry_lite._options import Options
    from sentry_lite.types import Event, ExcInfo, Hint, Mechanism

MAX_EXCEPTIONS = 50
_BaseExceptionGroup: Any = getattr(builtins, "BaseExceptionGroup", None)  # Python 3.11+


def exc_info_from_error(error: Any = None) -> ExcInfo | None:
    """An ``exc_info`` triple from an exception, a triple, a class, or the one being handled."""
    if error is None:
        info = sys.exc_info()
        return info if info[1] is not None else None
    if isinstance(error, BaseException):
        return type(error), error, error.__traceback__
    if isinstance(error, type) and issubclass(error, BaseException):
        try:
            instance = error()
        except Exception:
            return None
        return error, instance, None
    if isinstance(error, tuple) and len(error) == 3:
        cls, value, tb = error
        if value is None:
            if isinstance(cls, type) and issubclass(cls, BaseException):
                try:
                    value = cls()
                except Exception:
                    return None
            else:
                return None
        if not isinstance(value, BaseException):
            return None
        return type(value), value, tb
    return None


def _group_children(exc: BaseException) -> list[BaseException] | None:
    """The members of an exception group, or None if ``exc`` is not a group."""
    if _BaseExceptionGroup is None or not isinstance(exc, _BaseExceptionGroup):
        return None
    members = getattr(exc, "exceptions", None)
    if not isinstance(members, (tuple, list)):
        return []
    return [m for m in members if isinstance(m, BaseException)]


def _link(exc: BaseException) -> tuple[BaseException | None, str]:
    """The exception ``exc`` was raised from or during, and how."""
    try:
        cause = exc.__cause__
        if isinstance(cause, BaseException):
            return cause, "__cause__"
        context = exc.__context__
        if not exc.__suppress_context__ and isinstance(context, BaseException):
            return context, "__context__"
    except Exception:  # a subclass may turn these into raising properties
        pass
    return None, ""


def _has_group(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if _group_children(current) is not None:
            return True
        seen.add(id(current))
        current = _link(current)[0]
    return False


def _text(exc: BaseException, limit: int) -> tuple[str, Any]:
    """``str(exc)`` followed by its notes, bounded."""
    try:
        message = getattr(exc, "message", None) if _group_children(exc) is not None else None
        text = message if isinstance(message, str) else str(exc)
    except Exception:
        text = opaque(exc, " (str failed)")
    if not isinstance(text, str):
        text = opaque(exc)
    try:
        notes = getattr(exc, "__notes__", None)
    except Exception:
        notes = None
    if isinstance(notes, list):
        lines = [n for n in notes[:20] if isinstance(n, str)]
        if lines:
            text = "\n".join([text, *lines]) if text else "\n".join(lines)
    return truncate(text, limit)


def _type_fields(exc: BaseException) -> dict[str, Any]:
    cls = type(exc)
    out: dict[str, Any] = {"type": getattr(cls, "__qualname__", None) or cls.__name__}
    module = getattr(cls, "__module__", None)
    if isinstance(module, str) and module not in ("builtins", "__builtins__"):
        out["module"] = module
    return out


def _errno(exc: BaseException) -> int | None:
    if not isinstance(exc, OSError):
        return None
    try:
        number = exc.errno
    except Exception:
        return None
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def _below(outer: list[Visible], pairs: list[Visible]) -> list[Visible]:
    """The traceback ``pairs`` under the stack ``outer`` that led to them: a frame in both
    (the one that caught the exception) is listed once, at the line it raised from."""
    inside = {id(frame) for frame, _, _ in pairs}
    return [pair for pair in outer if id(pair[0]) not in inside] + pairs


class _Collector:
    """Builds the values of one event: frames through one builder, meta in one tree."""

    __slots__ = ("builder", "limit", "metas", "outer", "values")

    def __init__(self, options: Options) -> None:
        self.builder = FrameBuilder(options)
        self.limit = options.max_value_length or DEFAULT_MAX_VALUE_LENGTH
        self.values: list[dict[str, Any]] = []
        self.metas: list[Any] = []
        # add_full_stack: the capturing code's stack (the SDK's frames left out), put before
        # the frames of each exception's traceback
        self.outer = stack_pairs(sys._getframe(), self.builder) if options.add_full_stack else None

    def add(self, exc: BaseException, mechanism: Mechanism, tb: Any = None) -> None:
        value = _type_fields(exc)
        text, text_meta = _text(exc, self.limit)
        value["value"] = text
        number = _errno(exc)
        if number is not None:
            mechanism["meta"] = {"errno": {"number": number}}
        value["mechanism"] = mechanism
        meta: dict[str, Any] = {}
        if text_meta is not None:
            meta["value"] = text_meta
        pairs = traceback_pairs(tb or exc.__traceback__, self.builder)
        if pairs and self.outer:
            pairs = _below(self.outer, pairs)
        if pairs:
            value["stacktrace"], frames_meta = self.builder.stacktrace(pairs)
            if frames_meta is not None:
                meta["stacktrace"] = frames_meta
        self.values.append(value)
        self.metas.append(meta or None)

    def chain(self, exc: BaseException, top: Mechanism) -> None:
        handled = top.get("handled", True)
        seen: set[int] = set()
        current: BaseException | None = exc
        mechanism: Mechanism = top
        while current is not None and id(current) not in seen:
            if len(self.values) >= MAX_EXCEPTIONS:
                break
            seen.add(id(current))
            self.add(current, mechanism)
            current = _link(current)[0]
            mechanism = {"type": "chained", "handled": handled}

    def tree(self, exc: BaseException, top: Mechanism) -> None:
        handled = top.get("handled", True)
        seen: set[int] = set()
        # (exception, parent id, source); a stack for a pre-order walk without recursion
        pending: list[tuple[BaseException, int | None, str]] = [(exc, None, "")]
        while pending and len(self.values) < MAX_EXCEPTIONS:
            current, parent, source = pending.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            exception_id = len(self.values)
            mechanism: Mechanism = (
                top if parent is None else {"type": "chained", "handled": handled}
            )
            mechanism["exception_id"] = exception_id
            if parent is not None:
                mechanism["source"] = source
                mechanism["parent_id"] = parent
            children = _group_children(current)
            if children is not None:
                mechanism["is_exception_group"] = True
            self.add(current, mechanism)
            nested: list[tuple[BaseException, int | None, str]] = []
            linked, how = _link(current)
            if linked is not None:
                nested.append((linked, exception_id, how))
            for index, child in enumerate(children or ()):
                nested.append((child, exception_id, f"exceptions[{index}]"))
            pending.extend(reversed(nested))


def event_from_exception(
    exc_info: ExcInfo, options: Options, mechanism: Mechanism | None = None
) -> tuple[Event, Hint]:
    """The event and hint for ``exc_info``; the chain is listed oldest first."""
    exc = exc_info[1]
    event: Event = {"level": "error"}
    if exc is None:
        return event, {"exc_info": exc_info}
    top: Mechanism = dict(mechanism) if mechanism else {"type": "generic", "handled": True}  # type: ignore[assignment]
    top.setdefault("type", "generic")
    top.setdefault("handled", True)
    collector = _Collector(options)
    if _has_group(exc):
        collector.tree(exc, top)
    else:
        collector.chain(exc, top)
    collector.values.reverse()
    collector.metas.reverse()
    event["exception"] = {"values": collector.values}
    for index, meta in enumerate(collector.metas):
        if meta is not None:
            merge_meta(event.setdefault("_meta", {}), ("exception", "values", str(index)), meta)
    return event, {"exc_info": exc_info}


__all__ = ["event_from_exception", "exc_info_from_error"]
