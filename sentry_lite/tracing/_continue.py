"""Incoming trace data in the forms ``sentry_sdk.tracing_utils`` offers: ``EnvironHeaders``,
``extract_sentrytrace_data``, ``normalize_incoming_data`` and the deprecated
``Transaction.continue_from_headers`` / ``continue_from_environ``.

Header parsing is :func:`sentry_lite.tracing._headers.parse_sentry_trace`'s.
"""

from __future__ import annotations

from collections.abc import Mapping

from sentry_lite.tracing._headers import BAGGAGE_HEADER, SENTRY_TRACE_HEADER, parse_sentry_trace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from sentry_lite.tracing._transaction import Transaction


class EnvironHeaders(Mapping):  # type: ignore[type-arg]
    """The HTTP headers of a WSGI/ASGI-style environ as a mapping (``sentry-trace`` reads
    ``HTTP_SENTRY_TRACE``)."""

    def __init__(self, environ: Mapping[str, str], prefix: str = "HTTP_") -> None:
        self.environ = environ
        self.prefix = prefix

    def __getitem__(self, key: str) -> Any:
        return self.environ[self.prefix + key.replace("-", "_").upper()]

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __iter__(self) -> Iterator[str]:
        for raw in self.environ:
            if isinstance(raw, str):
                key = raw.replace("-", "_").upper()
                if key.startswith(self.prefix):
                    yield key[len(self.prefix) :]


def extract_sentrytrace_data(header: str | None) -> dict[str, str | bool | None] | None:
    """``{"trace_id", "parent_span_id", "parent_sampled"}`` of a ``sentry-trace`` value, or
    ``None`` when it cannot be read. Of several comma-joined values the first counts."""
    if not header:
        return None
    if "," in header:
        header = next((part.strip() for part in header.split(",") if part.strip()), "")
    parsed = parse_sentry_trace(header)
    if parsed is None:
        return None
    trace_id, parent_span_id, parent_sampled = parsed
    return {
        "trace_id": trace_id,
        "parent_span_id": parent_span_id,
        "parent_sampled": parent_sampled,
    }


def normalize_incoming_data(incoming_data: dict[str, Any]) -> dict[str, Any]:
    """Keys lower-cased, ``_`` made ``-``, a leading ``HTTP_`` dropped (environ to headers)."""
    data = {}
    for raw, value in incoming_data.items():
        key = raw[5:] if raw.startswith("HTTP_") else raw
        data[key.replace("_", "-").lower()] = value
    return data


def continue_from_headers(
    headers: Mapping[str, str], sample_rand: str | None, kwargs: dict[str, Any]
) -> Transaction:
    """A transaction (not started) in the trace of ``headers``: ids, decision and baggage."""
    from sentry_lite.tracing._baggage import Baggage
    from sentry_lite.tracing._transaction import Transaction

    baggage = Baggage.from_incoming_header(headers.get(BAGGAGE_HEADER), _sample_rand=sample_rand)
    kwargs["baggage"] = baggage
    trace = extract_sentrytrace_data(headers.get(SENTRY_TRACE_HEADER))
    if trace is not None:
        kwargs.update(trace)
        baggage.freeze()
    transaction = Transaction(**kwargs)
    transaction.same_process_as_parent = False
    return transaction


def continue_from_environ(environ: Mapping[str, str], kwargs: dict[str, Any]) -> Transaction:
    return continue_from_headers(EnvironHeaders(environ), None, kwargs)


__all__ = [
    "EnvironHeaders",
    "continue_from_environ",
    "continue_from_headers",
    "extract_sentrytrace_data",
    "normalize_incoming_data",
]
