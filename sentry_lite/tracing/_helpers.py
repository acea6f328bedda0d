"""Small tracing helpers that ``sentry_sdk.tracing_utils`` offers to integrations: is tracing on,
does a URL get trace headers, put them on a request."""

from __future__ import annotations

from sentry_lite._options import options_from
from sentry_lite.scope import get_current_scope
from sentry_lite.tracing._headers import BAGGAGE_HEADER

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import MutableMapping
    from typing import Any

    from sentry_lite.scope import Scope
    from sentry_lite.tracing._span import Span


def has_tracing_enabled(options: Any) -> bool:
    """True when ``traces_sample_rate`` or ``traces_sampler`` is set and ``enable_tracing`` is
    not ``False`` (``options`` is a client's options or a dict; ``None`` gives False)."""
    if options is None:
        return False
    return options_from(options).tracing_enabled


def has_span_streaming_enabled(options: Any) -> bool:
    """Always False: sentry_lite sends spans in transactions, it does not stream them."""
    return False


def is_sentry_url(client: Any, url: str) -> bool:
    """Whether ``url`` goes to the client's own Sentry host (never traced nor propagated to)."""
    dsn = getattr(client, "parsed_dsn", None)
    if dsn is None or not url:
        return False
    from urllib.parse import urlsplit

    try:
        return bool(urlsplit(url).hostname == dsn.host)
    except ValueError:
        return False


def should_propagate_trace(client: Any, url: str) -> bool:
    """Whether a request to ``url`` gets ``sentry-trace``/``baggage``: it matches
    ``trace_propagation_targets`` (substring or regex) and is not the Sentry host."""
    from sentry_lite.tracing._outgoing import should_propagate

    if is_sentry_url(client, url):
        return False
    return should_propagate(url, client.options.trace_propagation_targets)


def add_sentry_baggage_to_headers(headers: MutableMapping[str, str], sentry_baggage: str) -> None:
    """Append ``sentry_baggage`` to the ``baggage`` header, replacing Sentry's members in it."""
    from sentry_lite.tracing._baggage import Baggage

    kept = Baggage.strip_sentry_baggage(headers.get(BAGGAGE_HEADER, ""))
    headers[BAGGAGE_HEADER] = kept + ("," if kept else "") + sentry_baggage


def propagate_trace_headers(client: Any, request: Any) -> None:
    """Put the current scope's trace headers on ``request`` (``.url`` and ``.headers``, an
    httpx ``Request`` for instance) when its URL is a propagation target."""
    if not hasattr(request, "url") or not hasattr(request, "headers"):
        client.log_debug("propagate_trace_headers: the request has no url or headers")
        return
    if not should_propagate_trace(client, str(request.url)):
        return
    for key, value in get_current_scope().iter_trace_propagation_headers():
        if key == BAGGAGE_HEADER:
            add_sentry_baggage_to_headers(request.headers, value)
        else:
            request.headers[key] = value


def get_current_span(scope: Scope | None = None) -> Span | None:
    """The active span of ``scope`` (default: the current scope), or ``None``."""
    found: Span | None = (scope or get_current_scope()).span
    return found


def should_truncate_gen_ai_input(options: Any) -> bool:
    """Whether AI integrations shorten prompts: when ``stream_gen_ai_spans`` is off (spans are
    never streamed here); True without options."""
    if options is None:
        return True
    streaming = options_from(options).stream_gen_ai_spans
    return not (True if streaming is None else streaming)


__all__ = [
    "add_sentry_baggage_to_headers",
    "get_current_span",
    "has_span_streaming_enabled",
    "has_tracing_enabled",
    "is_sentry_url",
    "propagate_trace_headers",
    "should_propagate_trace",
    "should_truncate_gen_ai_input",
]
