"""What ``LoopbackServer`` (``sentry_lite._loopback``) records and how it answers.

``RecordedRequest`` is one request as received; ``Reply`` one scripted answer;
``RequestLog`` the server's record of its requests, with the observations tests
read (``requests``, ``envelopes``, ``events``, ``client_reports``...) and the waits
on them. Observations are snapshots taken under the log's lock; ``envelopes``,
``events``, ``items_of`` and ``client_reports`` count only what was *accepted*
(answered with a 2xx), as a real Sentry would store it; ``requests`` holds
everything. Waiting is done on a condition variable: ``wait_for*`` return as soon
as the predicate holds, or False after ``timeout`` seconds.
"""

from __future__ import annotations

import threading
import zlib
from urllib.parse import urlsplit

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any, TypeVar

    from sentry_lite.envelope import Envelope, Item

    _Log = TypeVar("_Log", bound="RequestLog")


class Reply:
    """How the server answers one request.

    ``status``, ``headers`` and ``body`` (default ``{"id": <event_id>}``) are sent
    after ``delay`` seconds; with ``hang=True`` the request is read and recorded
    but never answered (the connection is closed when the server stops, goes
    down, or ``release()`` is called).
    """

    __slots__ = ("body", "delay", "hang", "headers", "status")

    def __init__(
        self,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        *,
        delay: float = 0.0,
        hang: bool = False,
    ) -> None:
        self.status = status
        self.headers = dict(headers or {})
        self.body = body
        self.delay = delay
        self.hang = hang

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.headers!r}, delay={self.delay}, hang={self.hang})"


class RecordedRequest:
    """One request as the server received it, and what it answered."""

    __slots__ = (
        "body", "data", "envelope", "error", "headers", "method", "path", "status", "target",
    )

    def __init__(self, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
        self.method = method
        self.target = target  # as on the request line: absolute when sent through a proxy
        self.path = target
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            self.path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.headers = headers  # as sent (case preserved); see header()
        self.body = body  # raw, possibly gzip-compressed
        self.data: bytes | None = None  # decompressed body
        self.envelope: Envelope | None = None
        self.error: str | None = None  # why the body could not be decoded
        self.status: int | None = None  # None: not answered (yet)

    def header(self, name: str, default: str | None = None) -> str | None:
        """A request header by case-insensitive name."""
        lowered = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lowered:
                return value
        return default

    @property
    def proxied(self) -> bool:
        """True when the request line held an absolute URL (a forward-proxy request)."""
        return self.target.startswith(("http://", "https://"))

    @property
    def accepted(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def __repr__(self) -> str:
        return f"<RecordedRequest {self.method} {self.path} -> {self.status}>"


def decode_body(body: bytes, encoding: str | None) -> bytes:
    """``body`` without its ``Content-Encoding`` (identity, gzip or deflate)."""
    encoding = (encoding or "identity").strip().lower()
    if encoding in ("identity", ""):
        return body
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompress(body, 31)
    if encoding == "deflate":
        return zlib.decompress(body)
    raise ValueError(f"unsupported Content-Encoding {encoding!r}")


class RequestLog:
    """The requests a server received, in order, and the waits on them."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._requests: list[RecordedRequest] = []

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order, whatever was answered."""
        with self._cond:
            return list(self._requests)

    @property
    def statuses(self) -> list[int | None]:
        """The status answered to each request, in order (None: not answered)."""
        with self._cond:
            return [r.status for r in self._requests]

    @property
    def envelopes(self) -> list[Envelope]:
        """Envelopes of the requests answered with a 2xx, in order."""
        with self._cond:
            return [r.envelope for r in self._requests if r.accepted and r.envelope is not None]

    def items_of(self, item_type: str) -> list[Item]:
        """Accepted items of ``item_type`` (``"event"``, ``"attachment"``...)."""
        return [item for env in self.envelopes for item in env.items if item.type == item_type]

    @property
    def events(self) -> list[dict[str, Any]]:
        """Payloads of accepted ``event`` items (errors and messages)."""
        return [item.payload.json for item in self.items_of("event")]

    @property
    def transactions(self) -> list[dict[str, Any]]:
        return [item.payload.json for item in self.items_of("transaction")]

    @property
    def client_reports(self) -> list[dict[str, Any]]:
        return [item.payload.json for item in self.items_of("client_report")]

    def discarded(self, reason: str | None = None, category: str | None = None) -> int:
        """Sum of the accepted client reports' quantities, filtered by reason/category."""
        total = 0
        for report in self.client_reports:
            for entry in report.get("discarded_events", ()):
                if reason in (None, entry.get("reason")) and category in (
                    None, entry.get("category"),
                ):
                    total += int(entry.get("quantity", 0))
        return total

    def clear(self) -> None:
        """Forget the requests recorded so far."""
        with self._cond:
            self._requests.clear()

    def wait_for(self: _Log, predicate: Callable[[_Log], bool], timeout: float = 5.0) -> bool:
        """Wait until ``predicate(server)`` holds (checked on every request); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self), timeout)

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda s: len(s._requests) >= count, timeout)

    def wait_for_envelopes(self, count: int, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda s: len(s.envelopes) >= count, timeout)

    def wait_for_events(self, count: int, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda s: len(s.events) >= count, timeout)

    def wait_for_items(self, item_type: str, count: int, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda s: len(s.items_of(item_type)) >= count, timeout)

    def _record(self, request: RecordedRequest, status: int | None = None) -> None:
        with self._cond:
            if status is None:
                self._requests.append(request)
            else:
                request.status = status
            self._cond.notify_all()


__all__ = ["RecordedRequest", "Reply", "RequestLog", "decode_body"]
