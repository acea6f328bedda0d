"""Attributes of logs and metrics: values kept as given, typed on the wire.

An attribute value is a bool, int, float, str or a list of one of these; anything
else becomes its ``repr`` when it is set (so no live reference to an application
object is kept). On the wire each value is ``{"value": v, "type": t}``.
"""

from __future__ import annotations

from math import isfinite

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_SCALARS = (bool, int, float, str)
_WIRE_TYPES = {bool: "boolean", int: "integer", float: "double", str: "string"}


def _safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:
        return f"<{type(value).__name__} object (repr failed)>"
    return text if len(text) <= 1024 else text[:1021] + "..."


def format_attribute(val: Any) -> Any:
    """``val`` as an attribute value: a scalar, a homogeneous list, else its repr."""
    value = val
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return value
    if kind is float:
        return value if isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        if not value:
            return []
        first = type(value[0])
        if first in _WIRE_TYPES and all(type(v) is first for v in value):
            return list(value)
        return _safe_repr(value)
    if isinstance(value, _SCALARS):  # subclasses (an IntEnum...): the plain value
        return _plain(value)
    return _safe_repr(value)



def _plain(value: Any) -> Any:
    for base in (bool, int, float, str):
        if isinstance(value, base):
            return format_attribute(base(value))
    return _safe_repr(value)  # pragma: no cover - the caller checked isinstance


def serialize_attribute(val: Any) -> dict[str, Any]:
    """The wire form of an attribute value."""
    value = val
    kind = _WIRE_TYPES.get(type(value))
    if kind is not None:
        return {"value": value, "type": kind}
    if isinstance(value, list):
        if not value:
            return {"value": [], "type": "array"}
        first = type(value[0])
        if first in _WIRE_TYPES and all(type(v) is first for v in value):
            return {"value": value, "type": "array"}
    value = format_attribute(value)
    if isinstance(value, list):
        return {"value": value, "type": "array"}
    return {"value": value if isinstance(value, str) else _safe_repr(value), "type": "string"}


def serialize_attributes(attributes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(key): serialize_attribute(value) for key, value in attributes.items()}


__all__ = ["format_attribute", "serialize_attribute", "serialize_attributes"]
