"""Span statuses as Sentry defines them, and the HTTP status codes they stand for."""

from __future__ import annotations


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


class TransactionSource:
    """Where a transaction's name came from (``transaction_info.source``)."""

    CUSTOM = "custom"
    URL = "url"
    ROUTE = "route"
    VIEW = "view"
    COMPONENT = "component"
    TASK = "task"


__all__ = ["SPANSTATUS", "TransactionSource", "http_status_to_span_status"]
