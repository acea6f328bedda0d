"""One release-health session: a run of the application (or one request) and how it ended.

``Session`` has the official SDK's constructor, attributes and methods. Times are kept
as epoch floats and turned into ``datetime`` objects only when read, and the session id
is made only when asked for: a request-mode session is created and closed on every
request, and only its outcome and start minute are ever used.

Statuses: ``ok`` (running), ``exited`` (ended normally), ``crashed`` (an unhandled
error), ``abnormal`` (ended in a way the SDK cannot tell); ``errored`` is a count
(``errors``), reported as the ``errored`` bucket of aggregates.
"""

from __future__ import annotations

from datetime import datetime, timezone
from time import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any
    from uuid import UUID

_UTC = timezone.utc


def format_timestamp(value: datetime) -> str:
    """``value`` in UTC as RFC 3339 with microseconds: ``2024-01-31T12:00:00.000000Z``."""
    return value.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _epoch(value: datetime | float) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_UTC)
        return value.timestamp()
    return float(value)


def _uuid(value: str | UUID) -> UUID:
    from uuid import UUID

    return value if isinstance(value, UUID) else UUID(str(value))


class Session:
    """A session; ``to_json()`` is the payload of a ``session`` envelope item."""

    __slots__ = (
        "_sid",
        "_started",
        "_timestamp",
        "did",
        "duration",
        "environment",
        "errors",
        "ip_address",
        "release",
        "session_mode",
        "status",
        "user_agent",
    )

    def __init__(
        self,
        sid: str | UUID | None = None,
        did: str | None = None,
        timestamp: datetime | None = None,
        started: datetime | None = None,
        duration: float | None = None,
        status: str | None = None,
        release: str | None = None,
        environment: str | None = None,
        user_agent: str | None = None,
        ip_address: str | None = None,
        errors: int | None = None,
        user: Any = None,
        session_mode: str = "application",
    ) -> None:
        now = time()
        self._sid: UUID | None = None
        self._started = now if started is None else _epoch(started)
        self._timestamp = now
        self.status = status or "ok"
        self.did: str | None = None
        self.release: str | None = None
        self.environment: str | None = None
        self.duration: float | None = None
        self.user_agent: str | None = None
        self.ip_address: str | None = None
        self.session_mode = session_mode
        self.errors = 0
        self.update(sid=sid, did=did, timestamp=timestamp, duration=duration, release=release,
                    environment=environment, user_agent=user_agent, ip_address=ip_address,
                    errors=errors, user=user)

    @classmethod
    def _for_request(cls, release: str, environment: str | None, mode: str) -> Session:
        """What ``Session(release=..., environment=..., session_mode=...)`` makes, cheaply
        (one per request)."""
        session = cls.__new__(cls)
        session._sid = None
        session._started = session._timestamp = time()
        session.status = "ok"
        session.did = session.duration = session.user_agent = session.ip_address = None
        session.release = release
        session.environment = environment
        session.session_mode = mode
        session.errors = 0
        return session

    # -- times and id, made on demand ------------------------------------------------

    @property
    def sid(self) -> UUID:
        if self._sid is None:
            from uuid import uuid4

            self._sid = uuid4()
        return self._sid

    @sid.setter
    def sid(self, value: str | UUID) -> None:
        self._sid = _uuid(value)

    @property
    def started(self) -> datetime:
        return datetime.fromtimestamp(self._started, _UTC)

    @started.setter
    def started(self, value: datetime) -> None:
        self._started = _epoch(value)

    @property
    def timestamp(self) -> datetime:
        return datetime.fromtimestamp(self._timestamp, _UTC)

    @timestamp.setter
    def timestamp(self, value: datetime) -> None:
        self._timestamp = _epoch(value)

    @property
    def truncated_started(self) -> datetime:
        """The start, cut to the minute (the bucket of aggregates)."""
        return datetime.fromtimestamp(self._started // 60 * 60, _UTC)

    # -- changes ---------------------------------------------------------------------

    def update(
        self,
        sid: str | UUID | None = None,
        did: str | None = None,
        timestamp: datetime | None = None,
        started: datetime | None = None,
        duration: float | None = None,
        status: str | None = None,
        release: str | None = None,
        environment: str | None = None,
        user_agent: str | None = None,
        ip_address: str | None = None,
        errors: int | None = None,
        user: Any = None,
    ) -> None:
        """Change what is given; ``timestamp`` becomes now unless given."""
        if user:
            if ip_address is None:
                ip_address = user.get("ip_address")
            if did is None:
                did = user.get("id") or user.get("email") or user.get("username")
        if sid is not None:
            self._sid = _uuid(sid)
        if did is not None:
            self.did = str(did)
        self._timestamp = time() if timestamp is None else _epoch(timestamp)
        if started is not None:
            self._started = _epoch(started)
        if duration is not None:
            self.duration = duration
        if release is not None:
            self.release = release
        if environment is not None:
            self.environment = environment
        if ip_address is not None:
            self.ip_address = ip_address
        if user_agent is not None:
            self.user_agent = user_agent
        if errors is not None:
            self.errors = errors
        if status is not None:
            self.status = status

    def close(self, status: str | None = None) -> None:
        """End the session: ``exited`` if it was still ``ok`` (or the ``status`` given)."""
        if status is None and self.status == "ok":
            status = "exited"
        if status is not None:
            self.update(status=status)

    # -- the wire --------------------------------------------------------------------

    def get_json_attrs(self, with_user_info: bool | None = True) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        if self.release is not None:
            attrs["release"] = self.release
        if self.environment is not None:
            attrs["environment"] = self.environment
        if with_user_info:
            if self.ip_address is not None:
                attrs["ip_address"] = self.ip_address
            if self.user_agent is not None:
                attrs["user_agent"] = self.user_agent
        return attrs

    def to_json(self) -> dict[str, Any]:
        """The ``session`` item payload, as the official SDK writes it."""
        payload: dict[str, Any] = {
            "sid": str(self.sid),
            "init": True,
            "started": format_timestamp(self.started),
            "timestamp": format_timestamp(self.timestamp),
            "status": self.status,
        }
        if self.errors:
            payload["errors"] = self.errors
        if self.did is not None:
            payload["did"] = self.did
        if self.duration is not None:
            payload["duration"] = self.duration
        attrs = self.get_json_attrs()
        if attrs:
            payload["attrs"] = attrs
        return payload

    def __repr__(self) -> str:
        return f"<Session {self.session_mode} {self.status} errors={self.errors}>"


__all__ = ["Session", "format_timestamp"]
