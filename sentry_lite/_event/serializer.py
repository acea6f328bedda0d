"""Bounded, JSON-safe conversion of what users hand us."""

from __future__ import annotations

import math

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite._options import Options
    from sentry_lite.types import Event

_MAX_REPR = 1024


def safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:
        return "<broken repr>"
    return text if len(text) <= _MAX_REPR else text[:_MAX_REPR] + "..."


def _safe(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth >= 5:
        return safe_repr(value)
    if isinstance(value, dict):
        return {str(k): _safe(v, depth + 1) for k, v in list(value.items())[:50]}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_safe(v, depth + 1) for v in list(value)[:50]]
    return safe_repr(value)


def serialize_databag(value: Any) -> Any:
    return _safe(value, 0)


def serialize_event(event: Event, options: Options) -> Event:
    """Make the user-supplied parts of ``event`` JSON-safe and bounded."""
    for key in ("extra", "contexts", "user", "request", "tags"):
        if key in event:
            event[key] = _safe(event[key], 0)
    return event
