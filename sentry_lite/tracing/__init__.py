"""Performance tracking: spans, transactions, sampling and trace propagation.

``from sentry_lite.tracing import Span, Transaction, trace`` works as with ``sentry_sdk.tracing``;
the modules behind these names load on first use, so importing this package costs nothing.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite.tracing._decorator import trace
    from sentry_lite.tracing._span import Span
    from sentry_lite.tracing._status import SPANSTATUS, TransactionSource
    from sentry_lite.tracing._transaction import Transaction

SENTRY_TRACE_HEADER_NAME = "sentry-trace"
BAGGAGE_HEADER_NAME = "baggage"

_LAZY = {
    "Span": "sentry_lite.tracing._span",
    "Transaction": "sentry_lite.tracing._transaction",
    "trace": "sentry_lite.tracing._decorator",
    "SPANSTATUS": "sentry_lite.tracing._status",
    "TransactionSource": "sentry_lite.tracing._status",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sentry_lite.tracing' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "BAGGAGE_HEADER_NAME",
    "SENTRY_TRACE_HEADER_NAME",
    "SPANSTATUS",
    "Span",
    "Transaction",
    "TransactionSource",
    "trace",
]
