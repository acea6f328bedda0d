"""The propagation context: the trace an event belongs to when no span is active."""

from __future__ import annotations

from sentry_lite._ids import new_span_id, new_trace_id

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any


class PropagationContext:
    """Trace identity carried by a scope: ids, the parent's decision, the baggage."""

    __slots__ = (
        "custom_sampling_context",
        "dynamic_sampling_context",
        "parent_sampled",
        "parent_span_id",
        "sample_rand",
        "span_id",
        "trace_id",
    )

    def __init__(
        self,
        trace_id: str | None = None,
        span_id: str | None = None,
        parent_span_id: str | None = None,
        parent_sampled: bool | None = None,
        dynamic_sampling_context: dict[str, str] | None = None,
        baggage: Any = None,
    ) -> None:
        self.trace_id = trace_id or new_trace_id()
        self.span_id = span_id or new_span_id()
        self.parent_span_id = parent_span_id
        self.parent_sampled = parent_sampled
        self.dynamic_sampling_context = dynamic_sampling_context
        self.sample_rand: float | None = None
        self.custom_sampling_context: dict[str, Any] | None = None
        if baggage is not None:
            self.baggage = baggage

    def get_sample_rand(self) -> float:
        """This trace's ``sample_rand``: the incoming one, else one derived from the trace id.

        A continued trace gets its value when it is continued (``continue_trace`` derives a
        missing one the official SDK's way, so both SDKs agree). A trace started here takes
        six decimals from the trace id's own random bits: as deterministic, and ~20 times
        cheaper than seeding a Mersenne Twister with the id for every request.
        """
        rand = self.sample_rand
        if rand is None:
            try:
                rand = int(self.trace_id[-13:], 16) % 1_000_000 / 1_000_000
            except ValueError:  # a trace id that is not hex (given by hand)
                from sentry_lite.tracing._sampling import sample_rand_for

                rand = sample_rand_for(self.trace_id)
            self.sample_rand = rand
        return rand

    def to_traceparent(self) -> str:
        """The ``sentry-trace`` value: the incoming decision, or none (deferred)."""
        flag = "" if self.parent_sampled is None else ("-1" if self.parent_sampled else "-0")
        return f"{self.trace_id}-{self.span_id}{flag}"

    def get_dynamic_sampling_context(self, options: Any = None, dsn: Any = None) -> dict[str, str]:
        """The incoming DSC (frozen), else one for a trace this SDK heads, without span keys."""
        incoming = self.dynamic_sampling_context
        if incoming is not None:
            return incoming
        from sentry_lite.tracing._dsc import build_dsc

        return build_dsc(self.trace_id, options, dsn, sample_rand=self.get_sample_rand())

    def trace_context(self) -> dict[str, Any]:
        """The ``contexts.trace`` of an event captured outside any span."""
        context: dict[str, Any] = {"trace_id": self.trace_id, "span_id": self.span_id}
        if self.parent_span_id:
            context["parent_span_id"] = self.parent_span_id
        return context

    # -- the official SDK's API (sentry_sdk.tracing_utils.PropagationContext) -----------

    @classmethod
    def from_incoming_data(cls, incoming_data: dict[str, Any]) -> PropagationContext:
        """The context of the trace in incoming headers (a fresh one when there is none)."""
        from sentry_lite.tracing._ops import context_from_incoming

        context = context_from_incoming(incoming_data)
        return context if context is not None else cls()

    @property
    def baggage(self) -> Any:
        """The incoming DSC as a frozen ``Baggage`` (``None`` for a trace started here)."""
        dsc = self.dynamic_sampling_context
        if dsc is None:
            return None
        from sentry_lite.tracing._ops import frozen_baggage

        return frozen_baggage(dsc)

    @baggage.setter
    def baggage(self, value: Any) -> None:
        items = getattr(value, "sentry_items", None)
        self.dynamic_sampling_context = dict(items) if items else None
        if items and "sample_rand" in items:
            from sentry_lite.tracing._sampling import parse_sample_rand

            self.sample_rand = parse_sample_rand(items["sample_rand"])

    def get_baggage(self) -> Any:
        """This trace's ``Baggage``: its DSC, for the current client's options."""
        from sentry_lite.tracing._ops import context_baggage

        return context_baggage(self)

    def iter_headers(self) -> Iterator[tuple[str, str]]:
        """``sentry-trace`` and ``baggage`` for a request made in this trace."""
        yield "sentry-trace", self.to_traceparent()
        baggage = self.get_baggage().serialize()
        if baggage:
            yield "baggage", baggage

    def update(self, other_dict: dict[str, Any]) -> None:
        """Set the attributes named in ``other_dict`` (unknown names are ignored)."""
        for key, value in other_dict.items():
            if key in self.__slots__ or key == "baggage":
                setattr(self, key, value)

    def __repr__(self) -> str:
        return f"<PropagationContext trace_id={self.trace_id} span_id={self.span_id}>"
