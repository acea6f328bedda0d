"""Types of the wire format and of the hooks users write.

At run time the names are plain aliases (``dict``, ``tuple``) so that importing this
module costs nothing; type checkers see the precise definitions.
"""

from __future__ import annotations

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType
    from typing import Any, Literal, TypeAlias, TypedDict

    LogLevelStr: TypeAlias = Literal["fatal", "critical", "error", "warning", "info", "debug"]

    ExcInfo: TypeAlias = tuple[
        type[BaseException] | None, BaseException | None, TracebackType | None
    ]

    class Mechanism(TypedDict, total=False):
        type: str
        handled: bool
        description: str
        help_link: str
        synthetic: bool
        exception_id: int
        parent_id: int
        source: str
        is_exception_group: bool
        meta: dict[str, Any]
        data: dict[str, Any]

    class Breadcrumb(TypedDict, total=False):
        type: str
        category: str
        message: str
        level: str
        timestamp: Any
        data: dict[str, Any]

    class Event(TypedDict, total=False):
        event_id: str
        timestamp: Any
        start_timestamp: Any
        platform: str
        level: str
        logger: str
        transaction: str
        transaction_info: dict[str, Any]
        server_name: str
        release: str
        dist: str
        environment: str
        modules: dict[str, str]
        message: str
        logentry: dict[str, Any]
        exception: dict[str, Any]
        threads: dict[str, Any]
        stacktrace: dict[str, Any]
        tags: dict[str, Any]
        extra: dict[str, Any]
        contexts: dict[str, dict[str, Any]]
        user: dict[str, Any]
        request: dict[str, Any]
        breadcrumbs: dict[str, list[Breadcrumb]]
        fingerprint: list[str]
        sdk: dict[str, Any]
        type: str
        spans: list[dict[str, Any]]
        measurements: dict[str, Any]
        _meta: dict[str, Any]

    Hint: TypeAlias = dict[str, Any]
    BreadcrumbHint: TypeAlias = dict[str, Any]

    EventProcessor: TypeAlias = Callable[[Event, Hint], "Event | None"]
    ErrorProcessor: TypeAlias = Callable[[Event, ExcInfo], "Event | None"]
    BreadcrumbProcessor: TypeAlias = Callable[[Breadcrumb, BreadcrumbHint], "Breadcrumb | None"]
    TracesSampler: TypeAlias = Callable[[dict[str, Any]], "float | bool"]
else:
    LogLevelStr = str
    ExcInfo = tuple
    Mechanism = dict
    Breadcrumb = dict
    Event = dict
    Hint = dict
    BreadcrumbHint = dict
    EventProcessor = ErrorProcessor = BreadcrumbProcessor = TracesSampler = object

__all__ = [
    "Breadcrumb",
    "BreadcrumbHint",
    "BreadcrumbProcessor",
    "ErrorProcessor",
    "Event",
    "EventProcessor",
    "ExcInfo",
    "Hint",
    "LogLevelStr",
    "Mechanism",
    "TracesSampler",
]
