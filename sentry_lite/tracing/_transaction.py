"""The transaction: a trace's root span in this service, sent to Sentry when it finishes."""

from __future__ import annotations

from sentry_lite.scope import get_client, get_current_scope
from sentry_lite.tracing._span import MAX_SPANS, Span
from sentry_lite.tracing._status import TransactionSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite.scope import Scope
    from sentry_lite.tracing._baggage import Baggage

_SPAN_ARGS = frozenset(
    ("trace_id", "span_id", "parent_span_id", "same_process_as_parent", "sampled", "op",
     "description", "hub", "status", "containing_transaction", "start_timestamp", "scope",
     "origin", "name")
)

class Transaction(Span):
    """The root span of a trace in this service: named, sampled, and sent when finished."""

    _names_events = True

    __slots__ = (
        "_contexts",
        "_continuous_profile",
        "_dsc",
        "_max_spans",
        "_name",
        "_overflow",
        "_profile",
        "_sample_rand",
        "_scope",
        "_source",
        "_spans",
        "parent_sampled",
        "sample_rate",
    )

    def __init__(
        self,
        name: str = "",
        parent_sampled: bool | None = None,
        baggage: Any = None,
        source: str = TransactionSource.CUSTOM,
        **kwargs: Any,
    ) -> None:
        if kwargs.keys() - _SPAN_ARGS:  # instrumenter=, only_if_parent=...: no effect here
            kwargs = {key: value for key, value in kwargs.items() if key in _SPAN_ARGS}
        super().__init__(**kwargs)
        self._name = name or ""
        self._source = str(source)
        self._scope: Scope | None = None
        self.parent_sampled = parent_sampled
        self.sample_rate: float | None = None
        self._sample_rand: float | None = None
        self._dsc: dict[str, str] | None = _incoming_dsc(baggage)
        if self._dsc is not None and "sample_rand" in self._dsc:
            from sentry_lite.tracing._sampling import parse_sample_rand

            self._sample_rand = parse_sample_rand(self._dsc["sample_rand"])
        self._contexts: dict[str, Any] = {}
        self._spans: list[Span] = []
        self._max_spans = MAX_SPANS  # the client's _experiments["max_spans"], once sampled
        self._overflow = 0
        self._profile: Any = None  # a sentry_lite.profiler Profile, when profiled
        self._continuous_profile: Any = None  # held under profile_lifecycle="trace"

    # A transaction is its own: a property, not a reference to itself (a cycle would keep
    # every finished transaction, and what it holds, until the garbage collector runs).
    @property
    def _tx(self) -> Transaction:
        return self

    @_tx.setter
    def _tx(self, value: object) -> None:
        pass

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value
        if self._scope is not None:
            self._scope._set_transaction(value)

    @property
    def source(self) -> str:
        return self._source

    @source.setter
    def source(self, value: str) -> None:
        self._source = value
        if self._scope is not None:
            self._scope._set_transaction(None, value)

    def set_name(self, name: str, source: str | None = None) -> None:
        self.name = name
        if source:
            self.source = source

    def set_context(self, key: str, value: dict[str, Any]) -> None:
        """A context sent with this transaction (``contexts[key]``)."""
        self._contexts[key] = value

    def set_http_status(self, http_status: int) -> None:
        """As a span's, and the transaction's ``contexts.response.status_code``."""
        super().set_http_status(http_status)
        self._contexts["response"] = {"status_code": http_status}

    def _entered(self, scope: Scope) -> None:
        # Errors captured inside the block carry the transaction's name (set on the scope
        # with the span; kept up to date on renames through this scope).
        self._scope = scope
        if self._profile is not None:
            self._profile.start()

    def _record(self, span: Span) -> None:
        if self._end is not None:
            return  # finished (and sent) already
        spans = self._spans
        if len(spans) < self._max_spans:
            spans.append(span)
        else:
            self._overflow += 1

    # -- sampling and the DSC ------------------------------------------------------

    def get_sample_rand(self) -> float:
        rand = self._sample_rand
        if rand is None:
            from sentry_lite.tracing._sampling import sample_rand_for

            rand = self._sample_rand = sample_rand_for(self.trace_id)
        return rand

    def get_dynamic_sampling_context(self) -> dict[str, str]:
        """The DSC of this trace; built once from the options, then frozen."""
        dsc = self._dsc
        if dsc is not None:
            return dsc
        from sentry_lite.tracing._dsc import build_dsc

        client = get_client()
        dsc = build_dsc(
            self.trace_id,
            client.options if client.is_active() else None,
            client.parsed_dsn,
            sample_rand=self.get_sample_rand(),
            transaction=self._name,
            source=self._source,
            sample_rate=self.sample_rate,
            sampled=self.sampled,
        )
        if client.is_active():
            self._dsc = dsc
        return dsc

    def get_baggage(self) -> Baggage:
        """This trace's ``Baggage`` (frozen: its DSC)."""
        from sentry_lite.tracing._baggage import Baggage

        return Baggage(dict(self.get_dynamic_sampling_context()), "", False)

    # -- finishing -----------------------------------------------------------------

    def finish(
        self, scope: Scope | None = None, end_timestamp: Any = None, *, hub: Any = None
    ) -> str | None:
        """Stop the clock and, if sampled, send the transaction; its event id or ``None``."""
        if self._end is not None:
            return None
        Span.finish(self, scope, end_timestamp)
        self._stop_profiles()
        if scope is None:
            scope = get_current_scope()
        try:
            return self._send(scope)
        except Exception:
            scope.client.log_error("could not send a transaction")
            return None
        finally:
            # Sent: let go of what refers back to us (the scope holds us as its span, each
            # span holds its transaction), so that all of it is freed without the collector.
            self._scope = None
            self._spans = []
            self._profile = None

    def _stop_profiles(self) -> None:
        if self._profile is not None:
            self._profile.stop()
        if self._continuous_profile is not None:
            self._continuous_profile.stop()

    def _send(self, scope: Scope) -> str | None:
        client = scope.client
        if not client.is_active():
            return None
        options = client.options
        code = (self._data or {}).get("http.response.status_code")
        if self.sampled and code in (options.trace_ignore_status_codes or ()):
            client.log_debug(f"transaction {self._name!r} not sent: status {code} is ignored")
            self.sampled = False
        if not self.sampled:
            if self.sampled is False and options.tracing_enabled:
                _lost(client, "sample_rate", "transaction")
                _lost(client, "sample_rate", "span")
            return None
        if self._overflow:
            _lost(client, "buffer_overflow", "span", self._overflow)
        hint: dict[str, Any] = {"dynamic_sampling_context": self.get_dynamic_sampling_context()}
        if self._profile is not None and self._profile.valid(client):
            hint["profile"] = self._profile  # the client adds it to the envelope
        return scope.capture_event(self.to_event(), hint)  # type: ignore[arg-type]

    def to_event(self) -> dict[str, Any]:
        """The transaction event (``type: transaction``) with its finished spans."""
        contexts = dict(self._contexts)
        contexts["trace"] = self.get_trace_context()
        profiler_id = (self._data or {}).get("profiler_id")
        if profiler_id is not None:
            contexts["profile"] = {"profiler_id": profiler_id}
        event: dict[str, Any] = {
            "type": "transaction",
            "transaction": self._name or "<unlabeled transaction>",
            "transaction_info": {"source": self._source},
            "contexts": contexts,
            "start_timestamp": self._start,
            "timestamp": self._end,
            "spans": [span.to_json() for span in self._spans],
        }
        if self._tags:
            event["tags"] = {str(k): str(v) for k, v in self._tags.items()}
        if self._measurements:
            event["measurements"] = dict(self._measurements)
        return event

    def get_trace_context(self) -> dict[str, Any]:
        context = Span.get_trace_context(self)
        if self._data:
            from sentry_lite._event.serializer import serialize_databag

            context["data"] = serialize_databag(self._data)
        return context

    def __repr__(self) -> str:
        return (
            f"<Transaction name={self._name!r} op={self.op!r} trace_id={self.trace_id} "
            f"span_id={self.span_id} sampled={self.sampled}>"
        )


def _incoming_dsc(baggage: Any) -> dict[str, str] | None:
    if baggage is None:
        return None
    if hasattr(baggage, "sentry_items"):  # a Baggage: its Sentry members once frozen
        items = baggage.sentry_items
        return {str(k): str(v) for k, v in items.items()} if items and not baggage.mutable else None
    if isinstance(baggage, dict):
        return {str(k): str(v) for k, v in baggage.items()}
    from sentry_lite.tracing._headers import parse_baggage

    items, _ = parse_baggage(baggage)
    return items or None


def _lost(client: Any, reason: str, category: str, quantity: int = 1) -> None:
    transport = getattr(client, "transport", None)
    if transport is None:
        return
    try:
        transport.record_lost_event(reason, data_category=category, quantity=quantity)
    except Exception:
        client.log_error("transport.record_lost_event raised")


__all__ = ["Transaction"]
