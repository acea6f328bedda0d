"""Spans and transactions.

A :class:`Transaction` is the root span of one service's part of a trace and the unit sent to
Sentry; its children are plain :class:`Span` objects that record themselves on it when they
finish (at most ``MAX_SPANS``; the rest are counted as ``buffer_overflow``).

``with span:`` makes the span the active one for the block (``tracing._activation``).
"""

from __future__ import annotations

from time import perf_counter, time

from sentry_lite._ids import new_span_id, new_trace_id
from sentry_lite.tracing._activation import activate, deactivate
from sentry_lite.tracing._span_compat import SpanCompat
from sentry_lite.tracing._status import SPANSTATUS, http_status_to_span_status

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextvars import Token
    from datetime import datetime
    from types import TracebackType
    from typing import Any

    from sentry_lite.scope import Scope
    from sentry_lite.tracing._baggage import Baggage
    from sentry_lite.tracing._transaction import Transaction

MAX_SPANS = 1000
# The running continuous profiler's id, or None (set by sentry_lite.profiler): new spans carry
# it. One slot, replaced whole, so a span reads it in one step while another thread changes it.
ACTIVE_PROFILER: list[str | None] = [None]

def _utc(epoch: float) -> datetime:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(epoch, timezone.utc)


def _epoch(value: Any) -> float:
    """Epoch seconds from a number or a datetime; now for anything else."""
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value.timestamp())  # a datetime
    except Exception:
        return time()


class Span(SpanCompat):
    """A timed operation inside a trace."""

    _names_events = False  # set as a scope's span, it gives the scope's events its name

    __slots__ = (
        "_data",
        "_end",
        "_measurements",
        "_perf",
        "_pinned",
        "_start",
        "_tags",
        "_token",
        "_tx",
        "description",
        "op",
        "origin",
        "parent_span_id",
        "same_process_as_parent",
        "sampled",
        "span_id",
        "status",
        "trace_id",
    )

    def __init__(
        self,
        trace_id: str | None = None,
        span_id: str | None = None,
        parent_span_id: str | None = None,
        same_process_as_parent: bool = True,
        sampled: bool | None = None,
        op: str | None = None,
        description: str | None = None,
        hub: Any = None,  # the official SDK's deprecated hub=/scope=: no effect here
        status: str | None = None,
        containing_transaction: Transaction | None = None,
        start_timestamp: Any = None,
        scope: Any = None,
        origin: str = "manual",
        name: str | None = None,
    ) -> None:
        if trace_id is None:
            trace_id = new_trace_id()
        self._setup(trace_id, parent_span_id, sampled, containing_transaction, op,
                    description if description is not None else name, origin)
        if span_id is not None:
            self.span_id = span_id
        self.same_process_as_parent = same_process_as_parent
        self.status = status
        if start_timestamp is not None:
            self._start = _epoch(start_timestamp)

    def _setup(
        self,
        trace_id: str,
        parent_span_id: str | None,
        sampled: bool | None,
        transaction: Transaction | None,
        op: str | None,
        description: str | None,
        origin: str,
    ) -> None:
        self.trace_id = trace_id
        self.span_id = new_span_id()
        self.parent_span_id = parent_span_id
        self.same_process_as_parent = True
        self.sampled = sampled
        self._tx = transaction
        self.op = op
        self.description = description
        self.origin = origin
        self.status = None
        self._end: float | None = None
        self._tags: dict[str, Any] | None = None
        self._data: dict[str, Any] | None = None
        self._measurements: dict[str, Any] | None = None
        self._token: Token[Any] | None = None
        self._pinned: tuple[Scope, Any] | None = None  # (scope, its span before this one)
        self._start = time()  # epoch seconds; start_timestamp gives a datetime
        self._perf = perf_counter()
        profiler_id = ACTIVE_PROFILER[0]
        if profiler_id is not None:
            _profiled(self, profiler_id)

    # -- tree ----------------------------------------------------------------------

    def start_child(self, instrumenter: str = "sentry", **kwargs: Any) -> Span:
        """A new span under this one, in the same transaction and with its decision.

        Takes ``op``, ``name`` (or ``description``), ``origin`` and the other ``Span`` fields.
        """
        child = Span.__new__(Span)
        pop = kwargs.pop
        description = pop("description", None)
        name = pop("name", None)
        child._setup(self.trace_id, self.span_id, self.sampled, self._tx, pop("op", None),
                     description if description is not None else name,
                     pop("origin", "manual"))
        if kwargs:
            child._update(kwargs)
        return child

    def _update(self, kwargs: dict[str, Any]) -> None:
        for key in ("status", "same_process_as_parent", "span_id"):
            if kwargs.get(key) is not None:
                setattr(self, key, kwargs[key])
        if kwargs.get("start_timestamp") is not None:
            self._start = _epoch(kwargs["start_timestamp"])
        for key, value in (kwargs.get("tags") or {}).items():
            self.set_tag(key, value)
        for key, value in (kwargs.get("data") or {}).items():
            self.set_data(key, value)

    @property
    def containing_transaction(self) -> Transaction | None:
        return self._tx

    @property
    def start_timestamp(self) -> datetime:
        """When the span started, an aware UTC ``datetime`` (as in the official SDK)."""
        return _utc(self._start)

    @start_timestamp.setter
    def start_timestamp(self, value: Any) -> None:
        self._start = _epoch(value)

    @property
    def timestamp(self) -> datetime | None:
        """When the span finished (an aware UTC ``datetime``), ``None`` while it runs."""
        end = self._end
        return None if end is None else _utc(end)

    @timestamp.setter
    def timestamp(self, value: Any) -> None:
        self._end = None if value is None else _epoch(value)

    @property
    def name(self) -> str | None:
        return self.description

    @name.setter
    def name(self, value: str | None) -> None:
        self.description = value

    # -- data ----------------------------------------------------------------------

    def set_tag(self, key: str, value: Any) -> None:
        tags = self._tags
        if tags is None:
            tags = self._tags = {}
        tags[key] = value

    def set_data(self, key: str, value: Any) -> None:
        data = self._data
        if data is None:
            data = self._data = {}
        data[key] = value

    def update_data(self, data: dict[str, Any]) -> None:
        for key, value in data.items():
            self.set_data(key, value)

    def set_attribute(self, key: str, value: Any) -> None:
        self.set_data(key, value)

    @property
    def tags(self) -> dict[str, Any]:
        if self._tags is None:
            self._tags = {}
        return self._tags

    @property
    def data(self) -> dict[str, Any]:
        if self._data is None:
            self._data = {}
        return self._data

    def set_status(self, value: str) -> None:
        self.status = value

    def set_http_status(self, http_status: int) -> None:
        """Record an HTTP response status and the span status it maps to."""
        self.set_tag("http.status_code", str(http_status))
        self.set_data("http.response.status_code", http_status)
        self.status = http_status_to_span_status(http_status)

    def is_success(self) -> bool:
        return self.status == SPANSTATUS.OK

    def set_measurement(self, name: str, value: float, unit: str = "") -> None:
        measurements = self._measurements
        if measurements is None:
            measurements = self._measurements = {}
        measurements[name] = {"value": value, "unit": unit} if unit else {"value": value}

    # -- finishing -----------------------------------------------------------------

    def finish(self, scope: Scope | None = None, end_timestamp: Any = None) -> str | None:
        """Stop the clock (once); a sampled span then joins its transaction."""
        if self._end is not None:
            return None
        if end_timestamp is None:
            self._end = self._start + (perf_counter() - self._perf)
        else:
            self._end = _epoch(end_timestamp)
        tx = self._tx
        if tx is not None and self.sampled and tx is not self:
            tx._record(self)
        return None

    def __enter__(self) -> Span:
        self._token, self._pinned = activate(self)
        return self

    def _entered(self, scope: Scope) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None and self.status is None:
            self.status = SPANSTATUS.INTERNAL_ERROR
        try:
            self.finish()
        finally:
            token, self._token = self._token, None
            pinned, self._pinned = self._pinned, None
            deactivate(self, token, pinned)

    # -- propagation ---------------------------------------------------------------

    def to_traceparent(self) -> str:
        """The ``sentry-trace`` header value for requests made inside this span."""
        sampled = self.sampled
        if sampled is None:
            return f"{self.trace_id}-{self.span_id}"
        return f"{self.trace_id}-{self.span_id}-{'1' if sampled else '0'}"

    def get_dynamic_sampling_context(self) -> dict[str, str] | None:
        tx = self._tx
        return tx.get_dynamic_sampling_context() if tx is not None else None

    def to_baggage(self) -> Baggage | None:
        """The transaction's ``Baggage`` (its DSC), ``None`` outside a transaction."""
        tx = self._tx
        return tx.get_baggage() if tx is not None else None

    def iter_headers(self) -> Iterator[tuple[str, str]]:
        """``sentry-trace`` and ``baggage`` of this span (nothing outside a transaction)."""
        tx = self._tx
        if tx is None:
            return
        yield "sentry-trace", self.to_traceparent()
        baggage = tx.get_baggage().serialize()
        if baggage:
            yield "baggage", baggage

    def get_trace_context(self) -> dict[str, Any]:
        """The ``contexts.trace`` of events that happen inside this span."""
        context: dict[str, Any] = {
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "origin": self.origin,
        }
        if self.parent_span_id:
            context["parent_span_id"] = self.parent_span_id
        if self.op is not None:
            context["op"] = self.op
        if self.description is not None:
            context["description"] = self.description
        if self.status is not None:
            context["status"] = self.status
        return context

    def to_json(self) -> dict[str, Any]:
        """The span as it goes into a transaction's ``spans``."""
        return _wire_form(self)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} op={self.op!r} description={self.description!r} "
            f"trace_id={self.trace_id} span_id={self.span_id} sampled={self.sampled}>"
        )


def _profiled(span: Span, profiler_id: str) -> None:
    """Link a span to the continuous profile: the profiler and the thread it started in."""
    import threading

    thread = threading.current_thread()
    span.set_data("profiler_id", profiler_id)
    span.set_data("thread.id", str(thread.ident))
    span.set_data("thread.name", thread.name)


def _wire_form(span: Span) -> dict[str, Any]:
    out: dict[str, Any] = {
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_span_id": span.parent_span_id,
        "same_process_as_parent": span.same_process_as_parent,
        "start_timestamp": span._start,
        "timestamp": span._end,
        "origin": span.origin,
    }
    for key in ("op", "description", "status"):
        value = getattr(span, key)
        if value is not None:
            out[key] = value
    tags = span._tags
    if tags:
        out["tags"] = {str(k): v if isinstance(v, str) else str(v) for k, v in tags.items()}
    status = span.status
    if status is not None:  # also as a tag, as upstream sends it
        out.setdefault("tags", {})["status"] = status
    if span._data:
        from sentry_lite._event.serializer import serialize_databag

        out["data"] = serialize_databag(span._data)
    if span._measurements:
        out["measurements"] = dict(span._measurements)
    return out

__all__ = ["ACTIVE_PROFILER", "MAX_SPANS", "Span", "new_span_id"]
