"""The ``sentry-trace`` and ``baggage`` headers: read leniently, written exactly.

Pure functions on strings; no scope, no client, no clock.

- ``sentry-trace: {trace_id}-{span_id}[-{sampled}]`` (32 and 16 lowercase hex digits; the
  sampled flag is ``1``, ``0`` or absent, meaning "deferred").
- ``baggage``: W3C baggage, comma-separated ``key=value`` members (values percent-encoded,
  optional ``;properties``); Sentry's members carry the ``sentry-`` prefix and together form
  the dynamic sampling context (DSC).
"""

from __future__ import annotations

from functools import lru_cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

SENTRY_TRACE_HEADER = "sentry-trace"
BAGGAGE_HEADER = "baggage"
SENTRY_PREFIX = "sentry-"

# W3C baggage limits: we read at most this much and never write more.
MAX_BAGGAGE_BYTES = 8192
MAX_BAGGAGE_MEMBERS = 64

_HEX = frozenset("0123456789abcdef")
_SAMPLED = {"1": True, "0": False, "true": True, "false": False, "01": True, "00": False}

# Characters left as they are in baggage values; everything else is percent-encoded.
_SAFE = "/:@!$'()*+"


def _is_hex(value: str, length: int) -> bool:
    return len(value) == length and _HEX.issuperset(value) and value.strip("0") != ""


def parse_sentry_trace(value: object) -> tuple[str, str | None, bool | None] | None:
    """``(trace_id, parent_span_id, parent_sampled)`` from a ``sentry-trace`` value.

    Lenient: surrounding spaces, upper-case hex, ``true``/``false`` flags and a W3C
    ``traceparent`` (``00-{trace}-{span}-{flags}``) are accepted. ``None`` when no trace id
    can be read; never raises.
    """
    if isinstance(value, (list, tuple)) and value:
        value = value[0]
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    parts = value.strip().lower().split("-")
    if len(parts) == 4 and parts[0] == "00":
        parts = parts[1:]
    if not parts or len(parts) > 3 or not _is_hex(parts[0], 32):
        return None
    span_id: str | None = None
    if len(parts) >= 2:
        if not _is_hex(parts[1], 16):
            return None
        span_id = parts[1]
    sampled: bool | None = None
    if len(parts) == 3 and parts[2]:
        sampled = _SAMPLED.get(parts[2].strip())
        if sampled is None:
            return None
    return parts[0], span_id, sampled


def format_sentry_trace(trace_id: str, span_id: str, sampled: bool | None) -> str:
    """The exact ``sentry-trace`` value; no flag when the decision is deferred."""
    if sampled is None:
        return f"{trace_id}-{span_id}"
    return f"{trace_id}-{span_id}-{'1' if sampled else '0'}"


def _unquote(text: str) -> str:
    if "%" not in text:
        return text
    from urllib.parse import unquote

    return unquote(text)


def parse_baggage(value: object) -> tuple[dict[str, str], list[str]]:
    """``(sentry_items, other_members)`` of one or more ``baggage`` values.

    ``sentry_items`` maps names without the ``sentry-`` prefix to decoded values (the DSC);
    ``other_members`` are the other vendors' members, untouched. Malformed members are skipped.
    """
    if isinstance(value, (list, tuple)):
        value = ",".join(v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in value)
    elif isinstance(value, bytes):
        value = value.decode("latin-1")
    sentry: dict[str, str] = {}
    others: list[str] = []
    if not isinstance(value, str) or not value:
        return sentry, others
    for count, raw in enumerate(value[:MAX_BAGGAGE_BYTES].split(",")):
        if count >= MAX_BAGGAGE_MEMBERS:
            break
        member = raw.strip()
        key, sep, rest = member.partition("=")
        key = key.strip()
        if not sep or not key:
            continue
        if key.startswith(SENTRY_PREFIX):
            name = key[len(SENTRY_PREFIX) :]
            if name:
                sentry[name] = _unquote(rest.split(";", 1)[0].strip())
        else:
            others.append(member)
    return sentry, others


@lru_cache(maxsize=256)  # the same few values (trace id, key, release) on every request
def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe=_SAFE)


def format_baggage(dsc: Mapping[str, Any], others: Iterable[str] = ()) -> str:
    """The ``baggage`` value for ``dsc``, after the other vendors' ``others`` members.

    Members that would take the header past the W3C size limit are left out.
    """
    if others:
        return _format_baggage(dsc, others)
    try:  # every outgoing request of a trace sends the same value: formatted once
        key = tuple(dsc.items())
        value = _formatted.get(key)
    except TypeError:  # an unhashable value
        return _format_baggage(dsc, ())
    if value is None:
        value = _format_baggage(dsc, ())
        if len(_formatted) >= 64:
            _formatted.clear()
        _formatted[key] = value
    return value


_formatted: dict[tuple[tuple[str, Any], ...], str] = {}


def _format_baggage(dsc: Mapping[str, Any], others: Iterable[str]) -> str:
    members = [m for m in others if m and not m.lstrip().startswith(SENTRY_PREFIX)]
    size = sum(len(m) + 1 for m in members)
    for key, item in dsc.items():
        if item is None:
            continue
        member = f"{SENTRY_PREFIX}{key}={_quote(str(item))}"
        size += len(member) + 1
        if size > MAX_BAGGAGE_BYTES or len(members) >= MAX_BAGGAGE_MEMBERS:
            break
        members.append(member)
    return ",".join(members)


def merge_baggage(existing: object, dsc: Mapping[str, Any]) -> str:
    """An outgoing ``baggage`` value: ``existing`` members kept, Sentry's replaced by ``dsc``."""
    _, others = parse_baggage(existing)
    return format_baggage(dsc, others)


def header_value(carrier: Any, name: str) -> Any:
    """The value of header ``name`` in a headers mapping, a WSGI environ or a list of pairs.

    Names match case-insensitively; ``sentry-trace`` is found as ``HTTP_SENTRY_TRACE`` in a
    WSGI environ. ``None`` when absent.
    """
    if carrier is None:
        return None
    try:
        if hasattr(carrier, "get"):
            value = carrier.get(name)
            if value is None:
                value = carrier.get("HTTP_" + name.upper().replace("-", "_"))
            if value is not None:
                return value
            pairs: Iterable[Any] = carrier.items() if hasattr(carrier, "items") else ()
        else:
            pairs = carrier
        return _scan(pairs, name)
    except Exception:
        return None


def _scan(pairs: Iterable[Any], name: str) -> Any:
    wanted = name.lower()
    found: list[Any] = []
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            continue
        key = pair[0].decode("latin-1") if isinstance(pair[0], bytes) else pair[0]
        if isinstance(key, str) and key.lower() == wanted:
            found.append(pair[1])
    if not found:
        return None
    return found[0] if len(found) == 1 else found
