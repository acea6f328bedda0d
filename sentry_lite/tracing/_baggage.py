"""``Baggage``: the W3C ``baggage`` header as an object, the form ``sentry_sdk`` code handles.

Sentry's members (``sentry-`` prefixed) are the dynamic sampling context (DSC); other vendors'
members are kept as one string. A baggage that came in with Sentry members, or that this SDK
filled as the head of a trace, is frozen (``mutable`` False): callers must not change it.
Parsing and formatting are the ones of :mod:`sentry_lite.tracing._headers`.
"""

from __future__ import annotations

import re

from sentry_lite.tracing._headers import SENTRY_PREFIX, format_baggage, parse_baggage

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite.scope import Scope
    from sentry_lite.tracing._propagation import PropagationContext
    from sentry_lite.tracing._transaction import Transaction


class Baggage:
    """Sentry's baggage members (``sentry_items``) and other vendors' (``third_party_items``)."""

    __slots__ = ("mutable", "sentry_items", "third_party_items")

    SENTRY_PREFIX = SENTRY_PREFIX
    SENTRY_PREFIX_REGEX = re.compile("^sentry-")

    def __init__(
        self, sentry_items: dict[str, str], third_party_items: str = "", mutable: bool = True
    ) -> None:
        self.sentry_items = sentry_items
        self.third_party_items = third_party_items
        self.mutable = mutable

    @classmethod
    def from_incoming_header(
        cls, header: str | None, *, _sample_rand: str | None = None
    ) -> Baggage:
        """Parse an incoming header; frozen when it carries Sentry members."""
        sentry_items, others = parse_baggage(header)
        mutable = not sentry_items
        if _sample_rand is not None:
            sentry_items["sample_rand"] = str(_sample_rand)
            mutable = False
        return cls(sentry_items, ",".join(others), mutable)

    @classmethod
    def from_options(cls, scope: Scope) -> Baggage | None:
        """The baggage of ``scope``'s propagation context (empty when it has none)."""
        context = scope._propagation_context
        if context is None:
            return cls({})
        return cls.populate_from_propagation_context(context)

    @classmethod
    def populate_from_propagation_context(cls, propagation_context: PropagationContext) -> Baggage:
        """A frozen baggage for a trace without a transaction (from the client's options)."""
        client = _client()
        if not client.is_active():
            return cls({})
        dsc = propagation_context.get_dynamic_sampling_context(client.options, client.parsed_dsn)
        return cls(dict(dsc), "", False)

    @classmethod
    def populate_from_transaction(cls, transaction: Transaction) -> Baggage:
        """A frozen baggage for the trace ``transaction`` heads (its DSC)."""
        client = _client()
        if not client.is_active():
            return cls({})
        return cls(dict(transaction.get_dynamic_sampling_context()), "", False)

    @classmethod
    def populate_from_segment(cls, segment: Any) -> Baggage:
        """Streamed spans (``sentry_sdk.traces``) are not implemented: raises."""
        raise NotImplementedError(
            "sentry_lite does not implement streamed spans (sentry_sdk.traces)"
        )

    def freeze(self) -> None:
        self.mutable = False

    def dynamic_sampling_context(self) -> dict[str, str]:
        """Sentry's members, without the prefix (a copy)."""
        return dict(self.sentry_items)

    def serialize(self, include_third_party: bool = False) -> str:
        """The header value: Sentry's members, then the others when asked for."""
        others = [self.third_party_items] if include_third_party and self.third_party_items else []
        sentry = format_baggage(self.sentry_items)
        return ",".join([part for part in (sentry,) if part] + others)

    @staticmethod
    def strip_sentry_baggage(header: str) -> str:
        """``header`` without its Sentry members."""
        return ",".join(
            item for item in header.split(",") if not item.strip().startswith(SENTRY_PREFIX)
        )

    def _sample_rand(self) -> float | None:
        try:
            value = float(self.sentry_items.get("sample_rand", ""))
        except ValueError:
            return None
        return value if 0.0 <= value < 1.0 else None

    def __repr__(self) -> str:
        return f'<Baggage "{self.serialize(include_third_party=True)}", mutable={self.mutable}>'


def _client() -> Any:
    from sentry_lite.scope import get_client

    return get_client()


__all__ = ["Baggage"]
