"""The last step before an event leaves the pipeline: JSON-safe, bounded, scrubbed.

Only the parts that users fill in are converted here (``extra``, ``user``, ``contexts``,
``request``, ``tags``, top-level strings...); frames' locals were converted when the
frames were built and breadcrumbs when they were first used. Everything that is cut or
filtered is described in the event's ``_meta``. User objects are never mutated: every
container is a new one.
"""

from __future__ import annotations

from sentry_lite._event.breadcrumbs import breadcrumbs_meta, epoch_seconds, normalize_level
from sentry_lite._event.databag import (
    FILTERED,
    Walker,
    filtered_meta,
    merge_meta,
    truncate,
)
from sentry_lite._event.saferepr import safe_repr
from sentry_lite._event.scrubber import (
    overrides_scrub_event,
    policy_of,
    scrubber_for,
    sends_pii,
)
from sentry_lite.consts import DEFAULT_MAX_VALUE_LENGTH

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite._event.scrubber import KeyPolicy
    from sentry_lite._options import Options
    from sentry_lite.types import Event

    Meta = dict[str, Any]

MAX_TAG_LENGTH = 200
_BIG_INT = 1 << 63
_EXACT = 1 << 53  # Relay wants tag numbers a JSON double holds exactly
_TEXT_FIELDS = ("message", "transaction", "logger")
_USER_TEXT = ("id", "email", "username", "name", "segment", "ip_address")
_REQUEST_BAGS = ("headers", "cookies", "env", "data")
_REQUEST_TEXT = ("url", "method", "fragment", "api_target", "inferred_content_type")


def event_level(level: Any) -> Any:
    """The level an event is sent with.

    The official SDK sends what it was given. Relay reads the five levels, "critical" and
    Python's logging numbers; it would turn "WARNING" or "warn" into "error", so known
    levels in another case or under an alias are normalized. Any other string goes out as
    given (Relay keeps it in the event's processing errors); a non-string becomes "error".
    """
    if type(level) is int:
        return level
    if isinstance(level, str):
        return normalize_level(level, "") or level
    return "error"


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float) or (isinstance(value, int) and -_BIG_INT < value < _BIG_INT):
        return str(value)  # bool included
    return safe_repr(value, MAX_TAG_LENGTH)


def _flat(pairs: Any) -> Any:
    """Header and cookie values are primitives for Relay: lists joined, the rest as text."""
    if isinstance(pairs, list):  # the list-of-pairs form, which allows repeated names
        return [
            [_text(pair[0]), _flat_value(pair[1])]
            for pair in pairs
            if isinstance(pair, list) and len(pair) == 2
        ]
    if not isinstance(pairs, dict):
        return {"value": _flat_value(pairs)}
    for key, value in pairs.items():
        if value is not None and not isinstance(value, str):
            pairs[key] = _flat_value(value)
    return pairs


def _flat_value(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return _text(value)


class _EventSerializer:
    __slots__ = ("limit", "meta", "pii", "policy", "walker")

    def __init__(self, options: Options, scrubber: Any) -> None:
        self.limit = options.max_value_length or DEFAULT_MAX_VALUE_LENGTH
        self.policy: KeyPolicy = policy_of(scrubber)
        self.pii = sends_pii(scrubber)
        self.walker = Walker(self.limit, policy=self.policy, custom_repr=options.custom_repr)
        self.meta: Meta = {}

    def note(self, path: tuple[str, ...], meta: Meta | None) -> None:
        if meta:
            merge_meta(self.meta, path, meta)

    def bag(self, value: Any, path: tuple[str, ...]) -> Any:
        converted, meta = self.walker.bag(value)
        if meta:
            merge_meta(self.meta, path, meta)
        return converted

    def text(self, value: Any, path: tuple[str, ...], limit: int | None = None) -> str:
        converted, meta = truncate(_text(value), limit or self.limit)
        if meta:
            merge_meta(self.meta, path, meta)
        return converted

    # -- parts ----------------------------------------------------------------------

    def tags(self, tags: Any) -> dict[str, Any]:
        """Tag values stay strings or numbers; Relay rejects empty ones and line breaks."""
        out: dict[str, Any] = {}
        if not isinstance(tags, dict):
            return out
        for key, value in list(tags.items())[:1000]:
            if value is None:
                continue
            name = key if type(key) is str else _text(key)
            if len(name) > MAX_TAG_LENGTH:
                name = self.text(name, ("tags",), MAX_TAG_LENGTH)
            cls = type(value)
            if cls is bool or ((cls is int or cls is float) and -_EXACT < value < _EXACT):
                if name:
                    out[name] = value
                continue
            text = value if cls is str else safe_repr(value, MAX_TAG_LENGTH)
            if "\n" in text or "\r" in text:
                text = " ".join(text.splitlines())
            if not name or not text.strip():  # Relay rejects empty keys and blank values
                continue
            if len(text) > MAX_TAG_LENGTH:
                text = self.text(text, ("tags", name), MAX_TAG_LENGTH)
            out[name] = text
        return out

    def user(self, user: Any) -> Any:
        if isinstance(user, dict) and not self.pii and "ip_address" in user:
            user = {k: v for k, v in user.items() if k != "ip_address"}
            self.note(("user", "ip_address"), {"": {"rem": [["!config", "x"]]}})
        converted = self.bag(user, ("user",))
        if not isinstance(converted, dict):
            return {"data": {"value": converted}}
        # the fields Relay gives a type: text ones, and objects
        for key in _USER_TEXT:
            value = converted.get(key)
            if value is not None and not isinstance(value, (str, int, float)):
                converted[key] = _text(value)
        for key in ("data", "geo"):
            value = converted.get(key)
            if value is not None and not isinstance(value, dict):
                converted[key] = {"value": value}
        return converted

    def contexts(self, contexts: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if not isinstance(contexts, dict):
            return out
        for key, value in list(contexts.items()):
            if value is None:
                continue
            name = key if type(key) is str else _text(key)
            if name == "flags" and _flag_values(value):  # bounded by its buffer (100 flags)
                out[name] = value
                continue
            converted = self.bag(value, ("contexts", name))
            out[name] = converted if isinstance(converted, dict) else {"value": converted}
        return out

    def request(self, request: Any) -> Any:
        if not isinstance(request, dict):
            return self.bag(request, ("request",))
        out: dict[str, Any] = {}
        for key, value in list(request.items()):
            if value is None:
                continue
            path = ("request", key)
            if key in _REQUEST_TEXT:
                out[key] = self.text(value, path)
            elif key == "query_string" and isinstance(value, str):
                out[key] = self.text(self.pairs(value, "&", path), path)
            elif key == "cookies" and isinstance(value, str):
                out[key] = self.text(self.pairs(value, ";", path), path)
            elif key in ("headers", "cookies"):
                out[key] = _flat(self.bag(value, path))
            else:
                out[key] = self.bag(value, path)
        return out

    def pairs(self, text: str, separator: str, path: tuple[str, ...]) -> str:
        """``a=1&token=x`` with the values of denied names filtered."""
        parts = text.split(separator)
        changed = False
        for index, part in enumerate(parts):
            name, equals, _ = part.partition("=")
            if equals and self.policy.denied(name.strip()):
                parts[index] = f"{name}={FILTERED}"
                changed = True
        if not changed:
            return text
        self.note(path, filtered_meta())
        return separator.join(parts)

    def logentry(self, entry: Any) -> Any:
        if not isinstance(entry, dict):
            return self.bag(entry, ("logentry",))
        out: dict[str, Any] = {}
        for key, value in entry.items():
            path = ("logentry", key)
            out[key] = self.text(value, path) if key != "params" else self.bag(value, path)
        return out

    # -- the event ------------------------------------------------------------------

    def event(self, event: Event) -> Event:
        record: Any = event
        for key in _TEXT_FIELDS:
            value = record.get(key)
            if value is not None and (type(value) is not str or len(value) > self.limit):
                record[key] = self.text(value, (key,))
        level = record.get("level")
        if level is not None and type(level) is not int:
            record["level"] = event_level(level)
        when = record.get("timestamp")
        if when is not None and not isinstance(when, (int, float, str)):
            record["timestamp"] = epoch_seconds(when)  # a datetime given to capture_event
        if record.get("tags"):
            record["tags"] = self.tags(record["tags"])
        fingerprint = record.get("fingerprint")
        if isinstance(fingerprint, (list, tuple)):
            record["fingerprint"] = [_text(part) for part in fingerprint]
        if record.get("extra") is not None:
            record["extra"] = self.bag(record["extra"], ("extra",))
        if record.get("user") is not None:
            record["user"] = self.user(record["user"])
        if record.get("contexts") is not None:
            record["contexts"] = self.contexts(record["contexts"])
        if record.get("request") is not None:
            record["request"] = self.request(record["request"])
        if record.get("logentry") is not None:
            record["logentry"] = self.logentry(record["logentry"])
        crumbs = record.get("breadcrumbs")
        values = crumbs.get("values") if isinstance(crumbs, dict) else None
        if values:
            self.note(("breadcrumbs", "values"), breadcrumbs_meta(values))
        if self.meta:
            existing = record.get("_meta")
            if isinstance(existing, dict):
                merge_meta(existing, (), self.meta)
            else:
                record["_meta"] = self.meta
        return event


def serialize_event(event: Event, options: Options, scrubber: Any = None) -> Event:
    """Make the user-supplied parts of ``event`` JSON-safe, bounded and scrubbed."""
    if scrubber is None:
        scrubber = scrubber_for(options)
    if overrides_scrub_event(scrubber):
        scrubber.scrub_event(event)
    return _EventSerializer(options, scrubber).event(event)


def _flag_values(value: Any) -> bool:
    """True for a ``flags`` context as the scopes build it (left untrimmed)."""
    if not isinstance(value, dict) or set(value) != {"values"}:
        return False
    values = value["values"]
    return isinstance(values, list) and all(
        type(v) is dict and type(v.get("flag")) is str and type(v.get("result")) is bool
        for v in values
    )


def serialize_databag(value: Any, options: Options | None = None) -> Any:
    """``value`` as a bounded, JSON-safe databag (trims are not reported)."""
    limit = (options.max_value_length if options is not None else None) or DEFAULT_MAX_VALUE_LENGTH
    return Walker(limit).bag(value)[0]


__all__ = ["serialize_databag", "serialize_event"]
