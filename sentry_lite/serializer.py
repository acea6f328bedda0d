"""``sentry_sdk.serializer``: ``serialize()`` turns any dict into JSON-safe data under the databag
rules (depth, breadth, string length, ``repr`` for other objects), with a ``_meta`` tree saying
what was cut. The walk is :class:`sentry_lite._event.databag.Walker`, the one events go through.
"""

from __future__ import annotations

import sys
from array import array
from contextlib import contextmanager

from sentry_lite._errors import capture_internal_exception
from sentry_lite._event.databag import BREADTH as MAX_DATABAG_BREADTH
from sentry_lite._event.databag import CYCLE as CYCLE_MARKER
from sentry_lite._event.databag import MAX_DEPTH as MAX_DATABAG_DEPTH
from sentry_lite._event.databag import Walker
from sentry_lite._text import format_timestamp, safe_repr, strip_string
from sentry_lite._types import AnnotatedValue

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

MAX_EVENT_BYTES = 10**6
# Processors tried, in order, before safe_repr: each returns a text or NotImplemented.
global_repr_processors: list[Callable[[Any, dict[str, Any]], Any]] = []
sequence_types: list[type] = [tuple, list, set, frozenset, array]
serializable_str_types = (str, bytes, bytearray, memoryview)


def add_global_repr_processor(processor: Callable[[Any, dict[str, Any]], Any]) -> None:
    """Add a repr processor used by ``serialize()`` (the client's own events do not use it)."""
    global_repr_processors.append(processor)


def add_repr_sequence_type(ty: type) -> None:
    sequence_types.append(ty)


class Memo:
    """Remembers the objects being walked, to stop at cycles."""

    __slots__ = ("_ids", "_objs")

    def __init__(self) -> None:
        self._ids: dict[int, Any] = {}
        self._objs: list[Any] = []

    @contextmanager
    def memoize(self, obj: Any) -> Iterator[bool]:
        """True inside when ``obj`` is already being walked (a cycle)."""
        seen = id(obj) in self._ids
        if not seen:
            self._ids[id(obj)] = obj
            self._objs.append(obj)
        try:
            yield seen
        finally:
            if not seen:
                self._ids.pop(id(self._objs.pop()), None)


def _custom_repr(custom: Callable[..., Any] | None) -> Callable[[Any], Any] | None:
    if custom is None and not global_repr_processors:
        return None

    def represent(value: Any) -> Any:
        for processor in global_repr_processors:
            text = processor(value, {})
            if text is not NotImplemented:
                return text
        return custom(value) if custom is not None else None

    return represent


def serialize(event: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """``event`` as JSON-safe data; what was cut is described in ``_meta``.

    Keywords: ``max_value_length`` (None: strings are not cut), ``is_vars`` (every leaf becomes
    its ``repr``, as frame locals are shown; no ``_meta``), ``custom_repr``.
    """
    limit = kwargs.get("max_value_length") or sys.maxsize
    is_vars = bool(kwargs.get("is_vars", False))
    walker = Walker(limit, reprs=is_vars, custom_repr=_custom_repr(kwargs.get("custom_repr")))
    if not isinstance(event, dict):
        return walker.bag(event)[0]
    out: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for key, field in event.items():  # each field is a databag of its own, as in events
        out[str(key)], meta[str(key)] = walker.bag(field)
    meta = {k: v for k, v in meta.items() if v}
    if meta and not is_vars:
        out["_meta"] = meta
    return out


__all__ = [
    "CYCLE_MARKER",
    "MAX_DATABAG_BREADTH",
    "MAX_DATABAG_DEPTH",
    "MAX_EVENT_BYTES",
    "AnnotatedValue",
    "Memo",
    "add_global_repr_processor",
    "add_repr_sequence_type",
    "capture_internal_exception",
    "format_timestamp",
    "global_repr_processors",
    "safe_repr",
    "sequence_types",
    "serializable_str_types",
    "serialize",
    "strip_string",
]
