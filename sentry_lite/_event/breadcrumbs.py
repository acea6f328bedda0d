"""Breadcrumbs made final once, so that every event can reuse them as they are.

:func:`prepare_breadcrumb` runs once per breadcrumb, when the first event includes it
(see ``Scope.prepared_breadcrumbs``), and changes the dict in place:

- keys the protocol does not know (``add_breadcrumb(message=..., config_source="env")``)
  move into ``data``, where Sentry shows them, instead of being flagged as invalid;
- ``message``, ``category`` and ``type`` become strings, ``level`` a level Sentry knows;
- ``data`` becomes a bounded, JSON-safe, scrubbed copy.

Running it twice changes nothing more. What was cut is kept aside, keyed by the crumb,
and reaches the event's ``_meta`` when an event includes the crumb.
"""

from __future__ import annotations

from time import time

from sentry_lite._event.databag import Walker, merge_meta, truncate
from sentry_lite._event.saferepr import safe_repr
from sentry_lite._event.scrubber import policy_of, scrubber_for
from sentry_lite.consts import DEFAULT_MAX_VALUE_LENGTH

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime
    from typing import Any

    from sentry_lite._options import Options
    from sentry_lite.types import Breadcrumb

KNOWN_KEYS = frozenset(
    ("type", "category", "message", "level", "timestamp", "data", "event_id", "origin")
)
LEVELS = frozenset(("fatal", "critical", "error", "warning", "info", "debug"))
LEVEL_ALIASES = {"warn": "warning", "exception": "error", "log": "info", "trace": "debug"}
_MAX_REMEMBERED = 1024
_LATEST = 32503680000.0  # the year 3000: later "timestamps" are something else
# id(crumb) -> (crumb, its meta tree): the few crumbs that had something cut
_cut: dict[int, tuple[Breadcrumb, dict[str, Any]]] = {}


def normalize_level(level: Any, default: str) -> str:
    if isinstance(level, str):
        lowered = level.lower()
        if lowered in LEVELS:
            return lowered
        alias = LEVEL_ALIASES.get(lowered)
        if alias is not None:
            return alias
    return default


def epoch_seconds(value: Any) -> float:
    """``value`` as seconds since the epoch, if it is a time Sentry can read; else now."""
    cls = type(value)
    try:
        if cls is int or cls is float:
            if 0 <= value < _LATEST:
                return float(value)
        elif cls is str:
            return _parse_time(value)
        elif callable(getattr(value, "timestamp", None)):  # datetime and friends
            seconds = value.timestamp()
            if type(seconds) is float and 0 <= seconds < _LATEST:
                return seconds
    except Exception:
        pass
    return time()


def _parse_time(text: str) -> float:
    try:
        return epoch_seconds(float(text))
    except ValueError:
        pass
    from datetime import timezone

    parsed = from_iso8601(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return epoch_seconds(parsed)


def from_iso8601(text: str) -> datetime:
    """``datetime.fromisoformat`` as 3.11 reads ISO 8601, on 3.10 too: a ``Z`` suffix and any
    number of fraction digits. Raises ``ValueError`` for what is not a date-time."""
    import re
    from datetime import datetime

    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = re.sub(r"(T\d\d:\d\d:\d\d)\.(\d+)", lambda m: f"{m[1]}.{(m[2] + '000000')[:6]}", text,
                  count=1)
    return datetime.fromisoformat(text)


def _rfc3339(text: str) -> str | None:
    """An ISO-8601 date-time string as RFC 3339 in UTC with microseconds (None if not one).

    This is the form the official SDK sends for a string timestamp; a naive time is local
    time, as Python reads it. Numbers in a string are left to :func:`epoch_seconds`.
    """
    text = text.strip()
    if not text or text[0] not in "0123456789" or "-" not in text[:8]:
        return None
    from datetime import timezone

    try:
        parsed = from_iso8601(text).astimezone(timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else safe_repr(value, 1024)


def prepare_breadcrumb(
    crumb: Breadcrumb, options: Options | None, scrubber: Any = None
) -> Breadcrumb:
    """Make ``crumb`` (a dict the SDK owns) final: protocol-shaped, bounded, scrubbed."""
    record: Any = crumb
    if "type" not in record:
        record["type"] = "default"
    if not record.keys() <= KNOWN_KEYS:
        _move_unknown(record)
    for key in ("message", "category", "type"):
        value = record.get(key)
        if value is not None and type(value) is not str:
            record[key] = _text(value)
    level = record.get("level")
    if level is not None and (type(level) is not str or level not in LEVELS):
        record["level"] = normalize_level(level, "info")
    if "timestamp" in record:
        when = record["timestamp"]
        text = _rfc3339(when) if type(when) is str else None
        if text is not None:
            record["timestamp"] = text  # an ISO-8601 string goes out as the official SDK sends it
        else:
            if type(when) is not float or not 0 <= when < _LATEST:
                when = epoch_seconds(when)
            # microseconds, as Sentry keeps them; the float's last digit is noise to gzip
            record["timestamp"] = round(when, 6)
    limit = (options.max_value_length if options is not None else None) or DEFAULT_MAX_VALUE_LENGTH
    meta: dict[str, Any] = {}
    message = record.get("message")
    if message is not None and len(message) > limit:
        record["message"], meta["message"] = truncate(message, limit)
    data = record.get("data")
    if data is not None:
        if scrubber is None and options is not None:
            scrubber = scrubber_for(options)
        policy = policy_of(scrubber) if scrubber is not None else None
        custom_repr = options.custom_repr if options is not None else None
        walker = Walker(limit, policy=policy, custom_repr=custom_repr)
        converted, data_meta = walker.bag(data)
        if not isinstance(converted, dict):
            converted = {"value": converted}
            data_meta = {"value": data_meta} if data_meta else None
        record["data"] = converted
        if data_meta:
            meta["data"] = data_meta
    if meta:
        _remember(crumb, meta)
    return crumb


def _move_unknown(record: dict[str, Any]) -> None:
    extra = {key: record.pop(key) for key in list(record) if key not in KNOWN_KEYS}
    data = record.get("data")
    if data is None:
        record["data"] = extra
    elif isinstance(data, dict):
        record["data"] = {**extra, **data}
    else:
        record["data"] = {**extra, "data": data}


def _remember(crumb: Breadcrumb, meta: dict[str, Any]) -> None:
    key = id(crumb)
    known = _cut.get(key)
    if known is not None and known[0] is crumb:
        merge_meta(known[1], (), meta)
        return
    if len(_cut) >= _MAX_REMEMBERED:
        try:
            del _cut[next(iter(_cut))]
        except (KeyError, RuntimeError, StopIteration):
            pass
    _cut[key] = (crumb, meta)


def breadcrumbs_meta(crumbs: Iterable[Breadcrumb]) -> dict[str, Any] | None:
    """The meta tree of ``breadcrumbs.values`` for the crumbs of one event (or None)."""
    if not _cut:
        return None
    found: dict[str, Any] | None = None
    for index, crumb in enumerate(crumbs):
        known = _cut.get(id(crumb))
        if known is not None and known[0] is crumb:
            if found is None:
                found = {}
            found[str(index)] = known[1]
    return found


__all__ = ["breadcrumbs_meta", "normalize_level", "prepare_breadcrumb"]
