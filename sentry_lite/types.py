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
    SamplingContext: TypeAlias = dict[str, Any]
    TracesSampler: TypeAlias = Callable[[SamplingContext], "float | int | bool"]
    TransactionProcessor: TypeAlias = Callable[[Event, Hint], "Event | None"]

    AttributeValue: TypeAlias = (
        "str | bool | float | int | list[str] | list[bool] | list[float] | list[int]"
    )
    Attributes: TypeAlias = dict[str, AttributeValue]

    class Log(TypedDict):
        severity_text: str
        severity_number: int
        body: str
        attributes: Attributes
        time_unix_nano: int
        trace_id: str | None
        span_id: str | None

    class Metric(TypedDict):
        timestamp: float
        trace_id: str | None
        span_id: str | None
        name: str
        type: Literal["counter", "gauge", "distribution"]
        value: float
        unit: str | None
        attributes: Attributes

    class SpanJSON(TypedDict, total=False):
        trace_id: str
        span_id: str
        parent_span_id: str
        name: str
        status: str
        is_segment: bool
        start_timestamp: float
        end_timestamp: float
        attributes: Attributes

    class MonitorConfigSchedule(TypedDict, total=False):
        type: Literal["crontab", "interval"]
        value: int | str
        unit: Literal["year", "month", "week", "day", "hour", "minute", "second"]

    class MonitorConfig(TypedDict, total=False):
        schedule: MonitorConfigSchedule
        timezone: str
        checkin_margin: int
        max_runtime: int
        failure_issue_threshold: int
        recovery_threshold: int
        owner: str

    DataCollectionUserOptions: TypeAlias = dict[str, Any]
    LogProcessor: TypeAlias = Callable[[Log, Hint], "Log | None"]
    EventDataCategory: TypeAlias = Literal[
        "default", "error", "crash", "transaction", "security", "attachment", "session",
        "internal", "profile", "profile_chunk", "monitor", "span", "log_item", "log_byte",
        "trace_metric", "trace_metric_byte",
    ]  # fmt: skip
else:
    LogLevelStr = str
    ExcInfo = tuple
    Mechanism = dict
    Breadcrumb = dict
    Event = dict
    Hint = dict
    BreadcrumbHint = dict
    EventProcessor = ErrorProcessor = BreadcrumbProcessor = TracesSampler = object
    TransactionProcessor = LogProcessor = object
    SamplingContext = Attributes = DataCollectionUserOptions = dict
    Log = Metric = SpanJSON = MonitorConfig = MonitorConfigSchedule = dict
    AttributeValue = EventDataCategory = str

__all__ = [
    "AttributeValue",
    "Attributes",
    "Breadcrumb",
    "BreadcrumbHint",
    "BreadcrumbProcessor",
    "DataCollectionUserOptions",
    "ErrorProcessor",
    "Event",
    "EventDataCategory",
    "EventProcessor",
    "ExcInfo",
    "Hint",
    "Log",
    "LogLevelStr",
    "LogProcessor",
    "Mechanism",
    "Metric",
    "MonitorConfig",
    "MonitorConfigSchedule",
    "SamplingContext",
    "SpanJSON",
    "TracesSampler",
    "TransactionProcessor",
]
