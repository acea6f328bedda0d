"""Sentry envelopes: a header line, then items, each a header line and a payload.

Pure data: bytes in, bytes out. Nothing here opens a socket or a file or reads the
clock, so the format can be tested byte for byte.
"""

from __future__ import annotations

import builtins

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from typing import Any, BinaryIO

    from sentry_lite.types import Event

# The rate-limit / client-report category of each item type.
DATA_CATEGORIES = {
    "event": "error",
    "transaction": "transaction",
    "attachment": "attachment",
    "session": "session",
    "sessions": "session",
    "check_in": "monitor",
    "client_report": "internal",
    "log": "log_item",
    "trace_metric": "trace_metric",
    "profile": "profile",
    "profile_chunk": "profile_chunk",
    "span": "span",
    "statsd": "metric_bucket",
}


def _fallback(value: Any) -> Any:
    """Last resort for objects the serializer let through: never fail to encode."""
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    try:
        return repr(value)
    except Exception:
        return "<unrepresentable>"


def _loads(data: builtins.bytes | str) -> Any:
    import json

    return json.loads(data)


_encode: list[Callable[[Any], str]] = []  # one encoder, made by the first envelope sent


def json_dumps(data: Any) -> bytes:
    """Compact UTF-8 JSON; unknown objects become their repr, never an error."""
    # "replace": a lone surrogate (a file name decoded with surrogateescape...) must
    # not make the whole payload invalid UTF-8, which the server would reject.
    if not _encode:
        import json  # loaded by the first envelope sent, not by init()

        encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_fallback)
        _encode.append(encoder.encode)
    return _encode[0](data).encode("utf-8", "replace")


def parse_json(data: builtins.bytes | str) -> Any:
    """The value of a JSON text (bytes or str)."""
    return _loads(data)


class PayloadRef:
    """An item's payload, held as JSON or as bytes and converted on demand."""

    __slots__ = ("_bytes", "_json", "path")

    def __init__(
        self, bytes: bytes | None = None, path: str | None = None, json: Any = None
    ) -> None:
        self._bytes = bytes
        self._json = json
        self.path = path  # a file read when the bytes are first needed

    @property
    def bytes(self) -> builtins.bytes:
        if self._bytes is None:
            if self.path is not None and self._json is None:
                with open(self.path, "rb") as f:
                    self._bytes = f.read()
            else:
                self._bytes = json_dumps(self._json)
        return self._bytes

    @property
    def json(self) -> Any:
        if self._json is None and self._bytes is not None:
            try:
                self._json = _loads(self._bytes)
            except ValueError:
                return None
        return self._json

    def get_bytes(self) -> builtins.bytes:
        return self.bytes

    @property
    def inferred_content_type(self) -> str:
        return "application/json" if self._json is not None else "application/octet-stream"

    def __repr__(self) -> str:
        return f"<PayloadRef {self.inferred_content_type}>"


class Item:
    """One envelope item: a header dict and a payload."""

    __slots__ = ("headers", "payload")

    def __init__(
        self,
        payload: bytes | str | PayloadRef,
        headers: dict[str, Any] | None = None,
        type: str | None = None,
        content_type: str | None = None,
        filename: str | None = None,
    ) -> None:
        if isinstance(payload, str):
            payload = PayloadRef(bytes=payload.encode("utf-8"))
        elif isinstance(payload, (bytes, bytearray)):
            payload = PayloadRef(bytes=bytes(payload))
        self.payload: PayloadRef = payload
        self.headers: dict[str, Any] = dict(headers or {})
        if type is not None:
            self.headers["type"] = type
        if content_type is not None:
            self.headers["content_type"] = content_type
        elif "content_type" not in self.headers:
            self.headers["content_type"] = payload.inferred_content_type
        if filename is not None:
            self.headers["filename"] = filename

    @property
    def type(self) -> str | None:
        value = self.headers.get("type")
        return value if isinstance(value, str) else None

    @property
    def data_category(self) -> str:
        return DATA_CATEGORIES.get(self.type or "", "default")

    def get_bytes(self) -> bytes:
        return self.payload.bytes

    def get_event(self) -> Event | None:
        if self.type == "event":
            event: Event | None = self.payload.json
            return event
        return None

    def get_transaction_event(self) -> Event | None:
        if self.type == "transaction":
            event: Event | None = self.payload.json
            return event
        return None

    def serialize_into(self, f: BinaryIO) -> None:
        body = self.payload.bytes
        headers = dict(self.headers)
        headers["length"] = len(body)
        f.write(json_dumps(headers))
        f.write(b"\n")
        f.write(body)
        f.write(b"\n")

    def serialize(self) -> bytes:
        from io import BytesIO

        out = BytesIO()
        self.serialize_into(out)
        return out.getvalue()

    @classmethod
    def deserialize_from(cls, f: BinaryIO) -> Item | None:
        line = f.readline()
        while line and not line.strip():
            line = f.readline()
        if not line:
            return None
        headers = _loads(line)
        length = headers.get("length")
        if length is not None:
            body = f.read(length)
            f.readline()
        else:
            body = f.readline().rstrip(b"\n")
        is_json = headers.get("type") in ("event", "transaction", "client_report", "session",
                                          "sessions", "check_in", "log",
                                          "trace_metric")
        payload = PayloadRef(json=_loads(body)) if is_json and body else PayloadRef(bytes=body)
        if is_json:
            payload._bytes = body
        return cls(payload, headers=headers)

    @classmethod
    def deserialize(cls, bytes: builtins.bytes) -> Item | None:
        from io import BytesIO

        return cls.deserialize_from(BytesIO(bytes))

    def __repr__(self) -> str:
        return f"<Item type={self.type!r} headers={self.headers!r}>"


class Envelope:
    """A header dict and a list of items."""

    __slots__ = ("headers", "items")

    def __init__(self, headers: dict[str, Any] | None = None, items: list[Item] | None = None):
        self.headers: dict[str, Any] = dict(headers or {})
        self.items: list[Item] = list(items or [])

    @property
    def description(self) -> str:
        return f"envelope with {len(self.items)} items ({', '.join(self.item_types())})"

    def item_types(self) -> list[str]:
        return [item.type or "?" for item in self.items]

    def add_event(self, event: Event) -> None:
        self.add_item(Item(PayloadRef(json=event), type="event"))

    def add_transaction(self, transaction: Event) -> None:
        self.add_item(Item(PayloadRef(json=transaction), type="transaction"))

    def add_profile(self, profile: Any) -> None:
        self.add_item(Item(PayloadRef(json=profile), type="profile"))

    def add_profile_chunk(self, profile_chunk: Any) -> None:
        self.add_item(Item(PayloadRef(json=profile_chunk), type="profile_chunk"))

    def add_checkin(self, checkin: Any) -> None:
        self.add_item(Item(PayloadRef(json=checkin), type="check_in"))

    def add_session(self, session: Any) -> None:
        if hasattr(session, "to_json"):
            session = session.to_json()
        self.add_item(Item(PayloadRef(json=session), type="session"))

    def add_sessions(self, sessions: Any) -> None:
        self.add_item(Item(PayloadRef(json=sessions), type="sessions"))

    def add_client_report(self, report: Mapping[str, Any]) -> None:
        self.add_item(Item(PayloadRef(json=report), type="client_report"))

    def add_item(self, item: Item) -> None:
        self.items.append(item)

    def get_event(self) -> Event | None:
        for item in self.items:
            event = item.get_event()
            if event is not None:
                return event
        return None

    def get_transaction_event(self) -> Event | None:
        for item in self.items:
            event = item.get_transaction_event()
            if event is not None:
                return event
        return None

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def serialize_into(self, f: BinaryIO) -> None:
        f.write(json_dumps(self.headers))
        f.write(b"\n")
        for item in self.items:
            item.serialize_into(f)

    def serialize(self) -> bytes:
        from io import BytesIO

        out = BytesIO()
        self.serialize_into(out)
        return out.getvalue()

    @classmethod
    def deserialize_from(cls, f: BinaryIO) -> Envelope:
        headers = _loads(f.readline() or b"{}")
        items = []
        while True:
            item = Item.deserialize_from(f)
            if item is None:
                break
            items.append(item)
        return cls(headers=headers, items=items)

    @classmethod
    def deserialize(cls, bytes: builtins.bytes) -> Envelope:
        from io import BytesIO

        return cls.deserialize_from(BytesIO(bytes))

    def __repr__(self) -> str:
        return f"<Envelope headers={self.headers!r} items={self.items!r}>"


def __getattr__(name: str) -> Any:
    """Names the official module holds for its own use: see _reexport."""
    from sentry_lite._reexport import lookup

    return lookup(__name__, name, globals())


__all__ = ["DATA_CATEGORIES", "Envelope", "Item", "PayloadRef", "json_dumps", "parse_json"]
