"""Span statuses as Sentry defines them, and the HTTP status codes they stand for."""

from __future__ import annotations

from enum import Enum


class SPANSTATUS:
    """The values ``span.set_status()`` accepts."""

    OK = "ok"
    CANCELLED = "cancelled"
    UNKNOWN_ERROR = "unknown_error"
    INVALID_ARGUMENT = "invalid_argument"
    DEADLINE_EXCEEDED = "deadline_exceeded"
    NOT_FOUND = "not_found"
    ALREADY_EXISTS = "already_exists"
    PERMISSION_DENIED = "permission_denied"
    RESOURCE_EXHAUSTED = "resource_exhausted"
    FAILED_PRECONDITION = "failed_precondition"
    ABORTED = "aborted"
    OUT_OF_RANGE = "out_of_range"
    UNIMPLEMENTED = "unimplemented"
    INTERNAL_ERROR = "internal_error"
    UNAVAILABLE = "unavailable"
    DATA_LOSS = "data_loss"
    UNAUTHENTICATED = "unauthenticated"


_BY_CODE = {
    401: SPANSTATUS.UNAUTHENTICATED,
    403: SPANSTATUS.PERMISSION_DENIED,
    404: SPANSTATUS.NOT_FOUND,
    409: SPANSTATUS.ALREADY_EXISTS,
    413: SPANSTATUS.FAILED_PRECONDITION,
    429: SPANSTATUS.RESOURCE_EXHAUSTED,
    499: SPANSTATUS.CANCELLED,
    501: SPANSTATUS.UNIMPLEMENTED,
    503: SPANSTATUS.UNAVAILABLE,
    504: SPANSTATUS.DEADLINE_EXCEEDED,
}


def http_status_to_span_status(code: int) -> str:
    """``ok`` below 400; the specific status if there is one; else ``invalid_argument`` for
    other 4xx, ``internal_error`` for other 5xx and ``unknown_error`` for anything else."""
    try:
        code = int(code)
    except (TypeError, ValueError):
        return SPANSTATUS.UNKNOWN_ERROR
    if 100 <= code < 400:
        return SPANSTATUS.OK
    specific = _BY_CODE.get(code)
    if specific is not None:
        return specific
    if 400 <= code < 500:
        return SPANSTATUS.INVALID_ARGUMENT
    if 500 <= code < 600:
        return SPANSTATUS.INTERNAL_ERROR
    return SPANSTATUS.UNKNOWN_ERROR


def get_span_status_from_http_code(http_status_code: int) -> str:
    """The official SDK's name for :func:`http_status_to_span_status`."""
    return http_status_to_span_status(http_status_code)


class TransactionSource(str, Enum):
    """Where a transaction's name came from (``transaction_info.source``); compares equal to
    its string value, and ``str()`` gives the value."""

    COMPONENT = "component"
    CUSTOM = "custom"
    ROUTE = "route"
    TASK = "task"
    URL = "url"
    VIEW = "view"

    def __str__(self) -> str:
        return str(self.value)


# A framework integration's ``transaction_style`` and the source its names have.
SOURCE_FOR_STYLE = {
    "endpoint": TransactionSource.COMPONENT,
    "function_name": TransactionSource.COMPONENT,
    "handler_name": TransactionSource.COMPONENT,
    "method_and_path_pattern": TransactionSource.ROUTE,
    "path": TransactionSource.URL,
    "route_name": TransactionSource.COMPONENT,
    "route_pattern": TransactionSource.ROUTE,
    "uri_template": TransactionSource.ROUTE,
    "url": TransactionSource.ROUTE,
}

# Names that may hold ids (raw URLs): not used for sampling, kept out of the DSC.
LOW_QUALITY_TRANSACTION_SOURCES = [TransactionSource.URL]


__all__ = [
    "LOW_QUALITY_TRANSACTION_SOURCES",
    "SOURCE_FOR_STYLE",
    "SPANSTATUS",
    "TransactionSource",
    "get_span_status_from_http_code",
    "http_status_to_span_status",
]
