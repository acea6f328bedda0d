"""``NoOpSpan``: a span that records nothing, as ``sentry_sdk.tracing.NoOpSpan``.

Code written for the official SDK returns it where no span should be made (an instrumenter
that is not in charge, an ``only_if_parent`` span without a parent); every method is
accepted and does nothing, so callers need no ``if span is not None``.
"""

from __future__ import annotations

from sentry_lite.tracing._span import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from sentry_lite.scope import Scope
    from sentry_lite.tracing._baggage import Baggage
    from sentry_lite.tracing._transaction import Transaction


class NoOpSpan(Span):
    """A span whose methods do nothing and whose headers are empty."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<NoOpSpan>"

    @property
    def containing_transaction(self) -> Transaction | None:
        return None

    def start_child(self, instrumenter: str = "sentry", **kwargs: Any) -> NoOpSpan:
        return NoOpSpan()

    def to_traceparent(self) -> str:
        return ""

    def to_baggage(self) -> Baggage | None:
        return None

    def get_baggage(self) -> Baggage | None:
        return None

    def iter_headers(self) -> Iterator[tuple[str, str]]:
        return iter(())

    def set_tag(self, key: str, value: Any) -> None:
        pass

    def set_data(self, key: str, value: Any) -> None:
        pass

    def update_data(self, data: dict[str, Any]) -> None:
        pass

    def set_status(self, value: str) -> None:
        pass

    def set_http_status(self, http_status: int) -> None:
        pass

    def is_success(self) -> bool:
        return True

    def to_json(self) -> dict[str, Any]:
        return {}

    def get_trace_context(self) -> Any:
        return {}

    def get_profile_context(self) -> Any:
        return {}

    def finish(
        self, scope: Scope | None = None, end_timestamp: Any = None, *, hub: Any = None
    ) -> str | None:
        return None

    def set_measurement(self, name: str, value: float, unit: str = "") -> None:
        pass

    def set_context(self, key: str, value: dict[str, Any]) -> None:
        pass

    def init_span_recorder(self, maxlen: int) -> None:
        pass


__all__ = ["NoOpSpan"]
