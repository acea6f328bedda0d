"""``sentry_sdk._types``: ``AnnotatedValue`` and the substitute texts, which third-party packages
import from this private path. The typing aliases live in :mod:`sentry_lite.types`.

An ``AnnotatedValue`` put anywhere in an event is sent as its ``value``, with its ``metadata``
(a Relay remark such as ``{"rem": [["!config", "s"]]}``) in the event's ``_meta`` at that path.
"""

from __future__ import annotations

TYPE_CHECKING = False
MYPY = TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any

SENSITIVE_DATA_SUBSTITUTE = "[Filtered]"
BLOB_DATA_SUBSTITUTE = "[Blob substitute]"
OVER_SIZE_LIMIT_SUBSTITUTE = "[Exceeds maximum size]"
UNPARSABLE_RAW_DATA_SUBSTITUTE = "[Unparsable]"


def _remark(rule: str, action: str) -> dict[str, Any]:
    # rule: why ("!raw": unparsable, "!config": by configuration); action: "x" removed, "s" replaced
    return {"rem": [[rule, action]]}


class AnnotatedValue:
    """A field's value plus the remark saying how the SDK changed it."""

    __slots__ = ("metadata", "value")

    def __init__(self, value: Any | None, metadata: dict[str, Any]) -> None:
        self.value = value
        self.metadata = metadata

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AnnotatedValue):
            return False
        return bool(self.value == other.value and self.metadata == other.metadata)

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return str({"value": str(self.value), "metadata": str(self.metadata)})

    def __repr__(self) -> str:
        return f"AnnotatedValue({self.value!r}, {self.metadata!r})"

    def __len__(self) -> int:
        return 0 if self.value is None else len(self.value)

    @classmethod
    def removed_because_raw_data(cls) -> AnnotatedValue:
        """A request body that is neither JSON nor a form, left out."""
        return cls("", _remark("!raw", "x"))

    @classmethod
    def substituted_because_raw_data(cls) -> AnnotatedValue:
        """A request body that is neither JSON nor a form, replaced by a placeholder."""
        return cls(UNPARSABLE_RAW_DATA_SUBSTITUTE, _remark("!raw", "s"))

    @classmethod
    def removed_because_over_size_limit(cls, value: Any = "") -> AnnotatedValue:
        """A value over the configured size (``max_request_body_size``), left out."""
        return cls(value, _remark("!config", "x"))

    @classmethod
    def substituted_because_over_size_limit(
        cls, value: Any = OVER_SIZE_LIMIT_SUBSTITUTE
    ) -> AnnotatedValue:
        """A value over the configured size, replaced by a placeholder."""
        return cls(value, _remark("!config", "s"))

    @classmethod
    def substituted_because_contains_sensitive_data(cls) -> AnnotatedValue:
        """A value the scrubber filtered."""
        return cls(SENSITIVE_DATA_SUBSTITUTE, _remark("!config", "s"))


__all__ = [
    "BLOB_DATA_SUBSTITUTE",
    "MYPY",
    "OVER_SIZE_LIMIT_SUBSTITUTE",
    "SENSITIVE_DATA_SUBSTITUTE",
    "UNPARSABLE_RAW_DATA_SUBSTITUTE",
    "AnnotatedValue",
]
