"""Tracing operations on a scope: what ``Scope.start_transaction``, ``Scope.continue_trace``,
``Scope.get_traceparent``... do. ``scope.py`` calls these lazily so that ``import sentry_lite``
does not load spans.
"""

from __future__ import annotations

from sentry_lite.scope import get_client
from sentry_lite.tracing._baggage import Baggage
from sentry_lite.tracing._continue import normalize_incoming_data
from sentry_lite.tracing._dsc import build_dsc, same_org
from sentry_lite.tracing._headers import (
    BAGGAGE_HEADER,
    SENTRY_TRACE_HEADER,
    format_baggage,
    header_value,
    parse_baggage,
    parse_sentry_trace,
)
from sentry_lite.tracing._noop import NoOpSpan
from sentry_lite.tracing._propagation import PropagationContext
from sentry_lite.tracing._sampling import (
    decide,
    format_sample_rand,
    incoming_sample_rand,
    parse_rate,
    parse_sample_rand,
)
from sentry_lite.tracing._span import Span
from sentry_lite.tracing._transaction import Transaction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from sentry_lite.scope import Scope
    from sentry_lite.types import Event


# The profiler (a layer above, loaded at init() when a profiling option is set) puts its
# per-transaction hook here when it loads.
profile_hooks: list[Callable[[Transaction, Any, Any], None]] = []


def _tracing_enabled(client: Any) -> bool:
    return bool(client.is_active() and client.options.tracing_enabled)


# -- starting ------------------------------------------------------------------------


def start_transaction(
    scope: Scope,
    transaction: Transaction | None,
    custom_sampling_context: dict[str, Any] | None,
    kwargs: dict[str, Any],
) -> Transaction:
    """Create (or take) a transaction and make its sampling decision."""
    created = transaction is None
    if transaction is None:
        transaction = Transaction(**kwargs)
    client = scope.client
    if not _tracing_enabled(client):
        if created and "trace_id" not in kwargs:
            # Without tracing, errors and outgoing headers use the propagation context:
            # keep the (unsent) transaction in that same trace.
            context = scope.get_active_propagation_context()
            transaction.trace_id = context.trace_id
            transaction.parent_span_id = context.parent_span_id
            transaction._sample_rand = context.get_sample_rand()
        transaction.sampled = False
        return transaction
    options = client.options
    parent_rate = parse_rate((transaction._dsc or {}).get("sample_rate"))
    sampling_context: dict[str, Any] = {
        "transaction_context": _transaction_context(transaction),
        "parent_sampled": transaction.parent_sampled,
        "parent_sample_rate": parent_rate,
    }
    if custom_sampling_context:
        sampling_context.update(custom_sampling_context)
    decision = decide(
        sample_rand=transaction.get_sample_rand(),
        explicit=transaction.sampled,
        sampler=options.traces_sampler,
        sampling_context=sampling_context,
        parent_sampled=transaction.parent_sampled,
        parent_sample_rate=parent_rate,
        traces_sample_rate=options.traces_sample_rate,
    )
    if decision.problem:
        client.log_debug(decision.problem)
    transaction.sampled = decision.sampled
    transaction.sample_rate = decision.sample_rate
    if options.max_spans:
        transaction._max_spans = options.max_spans
    if transaction.sampled and profile_hooks and (options.profiles_sample_rate is not None
                                or options.profiles_sampler is not None
                                or options.profile_session_sample_rate is not None):
        profile_hooks[0](transaction, sampling_context, client)
    return transaction


def _transaction_context(tx: Transaction) -> dict[str, Any]:
    return {
        "trace_id": tx.trace_id,
        "span_id": tx.span_id,
        "parent_span_id": tx.parent_span_id,
        "same_process_as_parent": tx.same_process_as_parent,
        "op": tx.op,
        "description": tx.description,
        "name": tx.name,
        "source": tx._source,
        "origin": tx.origin,
        "sampled": tx.sampled,
        "parent_sampled": tx.parent_sampled,
    }


def start_orphan_span(scope: Scope, kwargs: dict[str, Any]) -> Span:
    """A span with no transaction to join (it is never sent), in the scope's trace."""
    if "trace_id" not in kwargs:
        kwargs["trace_id"] = scope.get_active_propagation_context().trace_id
    return Span(**kwargs)


# -- continuing ----------------------------------------------------------------------


def incoming_context(carrier: Any, options: Any, dsn: Any) -> PropagationContext | None:
    """The propagation context of an incoming trace, or ``None`` (absent, malformed, other org)."""
    parsed = parse_sentry_trace(header_value(carrier, SENTRY_TRACE_HEADER))
    if parsed is None:
        return None
    trace_id, parent_span_id, sampled = parsed
    items, _ = parse_baggage(header_value(carrier, BAGGAGE_HEADER))
    if items.get("trace_id", trace_id) != trace_id:
        items = {}  # baggage of another trace
    if not same_org(items, options, dsn):
        return None
    rand = incoming_sample_rand(
        trace_id, items.get("sample_rand"), sampled, items.get("sample_rate")
    )
    dsc: dict[str, str] | None = None
    if items:
        dsc = items
        if parse_sample_rand(dsc.get("sample_rand")) is None:
            dsc["sample_rand"] = format_sample_rand(rand)  # the one we derived
    context = PropagationContext(
        trace_id=trace_id,
        parent_span_id=parent_span_id,
        parent_sampled=sampled,
        dynamic_sampling_context=dsc,
    )
    context.sample_rand = rand
    return context


def continue_trace(
    scope: Scope,
    carrier: Any,
    op: str | None = None,
    name: str | None = None,
    source: str | None = None,
    origin: str = "manual",
) -> Transaction:
    """Make ``scope`` continue the trace in ``carrier`` (headers or a WSGI environ).

    Returns a transaction (not started) in that trace; absent or malformed headers start a
    fresh trace instead. Never raises.
    """
    client = scope.client
    try:
        context = incoming_context(carrier, client.options, client.parsed_dsn)
    except Exception:
        client.log_error("could not read the incoming trace headers")
        context = None
    if context is None:
        context = PropagationContext()
    scope._set_trace(context)
    tx = Transaction(
        name=name or "",
        op=op,
        source=source or "custom",
        origin=origin,
        trace_id=context.trace_id,
        parent_span_id=context.parent_span_id,
        parent_sampled=context.parent_sampled,
        same_process_as_parent=False,
    )
    tx._dsc = context.dynamic_sampling_context
    tx._sample_rand = context.get_sample_rand()
    return tx


# -- propagating ---------------------------------------------------------------------


def _source(scope: Scope, span: Span | None) -> Span | PropagationContext:
    if span is None:
        span = scope._span
    if span is not None and _tracing_enabled(scope.client):
        return span
    return scope.get_active_propagation_context()


def traceparent(scope: Scope, span: Span | None = None) -> str:
    """The ``sentry-trace`` value for an outgoing request from ``scope``."""
    return _source(scope, span).to_traceparent()


def baggage(scope: Scope, span: Span | None = None) -> str:
    """The ``baggage`` value (Sentry's members only) for an outgoing request from ``scope``."""
    return format_baggage(dynamic_sampling_context(scope, span))


def dynamic_sampling_context(scope: Scope, span: Span | None = None) -> dict[str, str]:
    source = _source(scope, span)
    if isinstance(source, Span):
        tx = source._tx
        if tx is not None:
            return tx.get_dynamic_sampling_context()
        source = scope.get_active_propagation_context()
    client = scope.client
    options = client.options if client.is_active() else None
    return source.get_dynamic_sampling_context(options, client.parsed_dsn)


def iter_headers(scope: Scope, span: Span | None = None) -> Iterator[tuple[str, str]]:
    """``sentry-trace`` and ``baggage`` for an outgoing request (none if not propagating)."""
    if not scope.client.options.propagate_traces:
        return
    yield SENTRY_TRACE_HEADER, traceparent(scope, span)
    value = baggage(scope, span)
    if value:
        yield BAGGAGE_HEADER, value


def dsc_for_event(event: Event, scopes: list[Scope], client: Any) -> dict[str, str] | None:
    """The envelope ``trace`` header of an error: the DSC of the trace the event is in."""
    trace = (event.get("contexts") or {}).get("trace")
    trace_id = trace.get("trace_id") if isinstance(trace, dict) else None
    if not trace_id or not scopes:
        return None
    for scope in reversed(scopes):
        span = scope._span
        if span is not None:
            tx = span._tx
            if tx is not None and tx.trace_id == trace_id and _tracing_enabled(client):
                dsc: dict[str, str] = tx.get_dynamic_sampling_context()
                return dsc
            break
    context = scopes[-1].get_active_propagation_context()
    if context.trace_id == trace_id:
        return context.get_dynamic_sampling_context(client.options, client.parsed_dsn)
    return build_dsc(trace_id, client.options, client.parsed_dsn)


__all__ = [
    "baggage",
    "continue_trace",
    "dsc_for_event",
    "dynamic_sampling_context",
    "incoming_context",
    "iter_headers",
    "start_orphan_span",
    "start_transaction",
    "traceparent",
]


# -- the sentry_sdk API of Scope and PropagationContext (both below this layer) ---------


def noop_span() -> NoOpSpan:
    """The span of an instrumenter other than the client's: records nothing."""
    return NoOpSpan()


def scope_baggage(scope: Scope) -> Baggage:
    """The ``Baggage`` (Sentry's members) for an outgoing request from ``scope``."""
    return Baggage(dict(dynamic_sampling_context(scope)), "", False)


def context_from_incoming(incoming_data: dict[str, Any]) -> PropagationContext | None:
    """The propagation context of the trace in incoming headers (None without one)."""
    client = get_client()
    options = client.options if client.is_active() else None
    return incoming_context(normalize_incoming_data(incoming_data), options, client.parsed_dsn)


def frozen_baggage(dsc: dict[str, str]) -> Baggage:
    """An incoming DSC as a frozen ``Baggage``."""
    return Baggage(dsc, "", False)


def context_baggage(context: PropagationContext) -> Baggage:
    """The ``Baggage`` of ``context``'s trace, for the current client's options."""
    client = get_client()
    options = client.options if client.is_active() else None
    dsc = context.get_dynamic_sampling_context(options, client.parsed_dsn)
    return Baggage(dict(dsc), "", False)
