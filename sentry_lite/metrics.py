"""Metrics: ``sentry_lite.metrics.count("checkout.paid", 1, attributes={"plan": "pro"})``.

Three kinds, each one record per call (no aggregation in the process, as in the
official SDK): ``count`` (a counter increment), ``gauge`` (a current value) and
``distribution`` (a sample). Each carries the trace it was recorded in (and the span,
inside one), an optional ``unit`` and attributes. Metrics are batched and sent in the
background (see docs/logs.md); nothing is recorded before ``init()``.
"""

from __future__ import annotations

from time import time

from sentry_lite._attrs import format_attribute
from sentry_lite.scope import get_client, get_current_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _capture(
    name: str, kind: str, value: float, unit: str | None, attributes: dict[str, Any] | None
) -> None:
    client = get_client()
    if not client.recording:
        return
    try:
        metric = {
            "timestamp": time(),
            "trace_id": None,
            "span_id": None,
            "name": name,
            "type": kind,
            "value": float(value),
            "unit": unit,
            "attributes": (
                {k: format_attribute(v) for k, v in attributes.items()} if attributes else {}
            ),
        }
    except Exception:
        client.log_error(f"could not record the metric {name!r}")
        return
    client._capture_metric(metric, get_current_scope())


def count(
    name: str, value: float, unit: str | None = None, attributes: dict[str, Any] | None = None
) -> None:
    """Add ``value`` to the counter ``name``."""
    _capture(name, "counter", value, unit, attributes)


def gauge(
    name: str, value: float, unit: str | None = None, attributes: dict[str, Any] | None = None
) -> None:
    """Record the current value of the gauge ``name``."""
    _capture(name, "gauge", value, unit, attributes)


def distribution(
    name: str, value: float, unit: str | None = None, attributes: dict[str, Any] | None = None
) -> None:
    """Record one sample of the distribution ``name``."""
    _capture(name, "distribution", value, unit, attributes)


__all__ = ["count", "distribution", "format_attribute", "gauge"]
