"""Sentry Logs: ``sentry_lite.logger.info("order {id} paid", id=42)``.

Each call records one structured log: its ``body`` is the template formatted with
the parameters (``str.format`` style; a missing name stays as ``{name}``), and the
template and every parameter are kept as the attributes ``sentry.message.template``
and ``sentry.message.parameter.<name>`` (positional ones by index). ``attributes=``
adds attributes of your own. Logs are batched and sent in the background (see
docs/logs.md); nothing is recorded before ``init()``.
"""

from __future__ import annotations

from time import time_ns

from sentry_lite._attrs import format_attribute
from sentry_lite.scope import get_client, get_current_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# OpenTelemetry severity numbers: (lowest, highest) -> severity text.
OTEL_RANGES = [
    ((1, 4), "trace"),
    ((5, 8), "debug"),
    ((9, 12), "info"),
    ((13, 16), "warn"),
    ((17, 20), "error"),
    ((21, 24), "fatal"),
]


class _KeepMissing(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _body(template: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    try:
        if args:
            return template.format(*args, **kwargs)
        return template.format_map(_KeepMissing(kwargs))
    except Exception:
        return template


def _capture(
    severity_text: str, severity_number: int, template: str, args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    client = get_client()
    if not client.recording:
        return
    try:
        given = kwargs.pop("attributes", None)
        attributes = {k: format_attribute(v) for k, v in given.items()} if given else {}
        body = template
        if kwargs or args:
            for key, value in kwargs.items():
                attributes["sentry.message.parameter." + key] = format_attribute(value)
            for index, value in enumerate(args):
                attributes[f"sentry.message.parameter.{index}"] = format_attribute(value)
            attributes["sentry.message.template"] = format_attribute(template)
            body = _body(template, args, kwargs)
        log = {
            "severity_text": severity_text,
            "severity_number": severity_number,
            "attributes": attributes,
            "body": body,
            "time_unix_nano": time_ns(),
            "trace_id": None,
            "span_id": None,
        }
    except Exception:
        client.log_error("could not build a log record")
        return
    client._capture_log(log, get_current_scope())


def trace(template: str, *args: Any, **kwargs: Any) -> None:
    """Record a log at level ``trace`` (severity 1)."""
    _capture("trace", 1, template, args, kwargs)


def debug(template: str, *args: Any, **kwargs: Any) -> None:
    """Record a log at level ``debug`` (severity 5)."""
    _capture("debug", 5, template, args, kwargs)


def info(template: str, *args: Any, **kwargs: Any) -> None:
    """Record a log at level ``info`` (severity 9)."""
    _capture("info", 9, template, args, kwargs)


def warning(template: str, *args: Any, **kwargs: Any) -> None:
    """Record a log at level ``warn`` (severity 13)."""
    _capture("warn", 13, template, args, kwargs)


def error(template: str, *args: Any, **kwargs: Any) -> None:
    """Record a log at level ``error`` (severity 17)."""
    _capture("error", 17, template, args, kwargs)


def fatal(template: str, *args: Any, **kwargs: Any) -> None:
    """Record a log at level ``fatal`` (severity 21)."""
    _capture("fatal", 21, template, args, kwargs)


def otel_severity_text(number: int) -> str:
    """The severity text of an OpenTelemetry severity number (``default`` outside 1-24)."""
    for (lowest, highest), text in OTEL_RANGES:
        if lowest <= number <= highest:
            return text
    return "default"


__all__ = ["OTEL_RANGES", "debug", "error", "fatal", "format_attribute", "info", "trace",
           "warning"]
