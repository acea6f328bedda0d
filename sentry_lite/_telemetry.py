"""Logs and metrics of one client: enrich, ``before_send_*``, batch.

In the caller's thread a record gets the trace it belongs to, the attributes every
record carries (SDK, runtime, server, environment, release; the user's id, name,
email and IP with ``send_default_pii``; attributes set on the scopes), then goes
through ``before_send_log`` / ``before_send_metric`` and into the batcher. Turning
records into their wire form happens in the batcher's thread.
"""

from __future__ import annotations

import platform
import sys
import threading

from sentry_lite._attrs import serialize_attributes
from sentry_lite._batcher import Batcher
from sentry_lite.consts import SDK_NAME, VERSION
from sentry_lite.scope import get_global_scope, get_isolation_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sentry_lite._batcher import Stream
    from sentry_lite.envelope import Envelope
    from sentry_lite.scope import Scope

# The official SDK's thresholds: (flush at, drop past) buffered items.
LOG_LIMITS = (100, 1_000)
METRIC_LIMITS = (1_000, 10_000)
LOG_CONTENT_TYPE = "application/vnd.sentry.items.log+json"
METRIC_CONTENT_TYPE = "application/vnd.sentry.items.trace-metric+json"
_USER_KEYS = (("user.id", "id"), ("user.name", "username"), ("user.email", "email"),
              ("user.ip_address", "ip_address"))


def encode_log(log: dict[str, Any]) -> dict[str, Any]:
    """A log record in its wire form."""
    attributes = log.get("attributes") or {}
    attributes.setdefault("sentry.severity_number", log.get("severity_number"))
    attributes.setdefault("sentry.severity_text", log.get("severity_text"))
    out: dict[str, Any] = {
        "timestamp": int(log.get("time_unix_nano") or 0) / 1e9,
        "level": str(log.get("severity_text")),
        "body": str(log.get("body")),
        "attributes": serialize_attributes(attributes),
    }
    if log.get("trace_id") is not None:
        out["trace_id"] = log["trace_id"]
    if log.get("span_id") is not None:
        out["span_id"] = log["span_id"]
    return out


def encode_metric(metric: dict[str, Any]) -> dict[str, Any]:
    """A metric record in its wire form."""
    out: dict[str, Any] = {
        "timestamp": metric.get("timestamp"),
        "name": metric.get("name"),
        "type": metric.get("type"),
        "value": metric.get("value"),
        "attributes": serialize_attributes(metric.get("attributes") or {}),
    }
    for key in ("trace_id", "span_id", "unit"):
        if metric.get(key) is not None:
            out[key] = metric[key]
    return out


def default_attributes(options: Any) -> dict[str, Any]:
    """The attributes every log and metric of this client carries."""
    from sentry_lite._event.defaults import hostname

    version = sys.version_info
    found: dict[str, Any] = {
        "sentry.sdk.name": SDK_NAME,
        "sentry.sdk.version": VERSION,
        "process.runtime.name": platform.python_implementation(),
        "process.runtime.version": f"{version.major}.{version.minor}.{version.micro}",
        "server.address": options.server_name or hostname(),
    }
    if options.environment:
        found["sentry.environment"] = options.environment
    if options.release:
        found["sentry.release"] = options.release
    return found


class Telemetry:
    """The logs and metrics streams of one client."""

    def __init__(self, client: Any, send: Callable[[Envelope], None]) -> None:
        options = client.options
        self._client = client
        self.batcher = Batcher(send, client._lost, on_error=client.log_error)
        self.logs = self.batcher.stream(
            "log", LOG_CONTENT_TYPE, "log_item", encode_log, *LOG_LIMITS, byte_category="log_byte"
        )
        self.metrics = self.batcher.stream(
            "trace_metric", METRIC_CONTENT_TYPE, "trace_metric", encode_metric, *METRIC_LIMITS,
            byte_category="trace_metric_byte",
        )
        self.defaults = default_attributes(options)
        self.pii = bool(options.send_default_pii)
        self.metrics_on = options.enable_metrics is not False
        self.before_send_log = options.before_send_log  # or _experiments' (lifted at init)
        self.before_send_metric = options.before_send_metric

    def capture_log(self, log: dict[str, Any], scope: Scope) -> None:
        self._enrich(log, scope)
        hook = self.before_send_log
        if hook is not None:
            result = self._run_hook(hook, log, self.logs)
            if result is None:
                return
            log = result
        self.batcher.add(self.logs, log)

    def capture_metric(self, metric: dict[str, Any], scope: Scope) -> None:
        if not self.metrics_on:
            return
        self._enrich(metric, scope)
        hook = self.before_send_metric
        if hook is not None:
            result = self._run_hook(hook, metric, self.metrics)
            if result is None:
                return
            metric = result
        self.batcher.add(self.metrics, metric)

    def _run_hook(self, hook: Any, record: dict[str, Any], stream: Stream) -> Any:
        """The hook's answer; a drop is counted (items and bytes, as upstream)."""
        try:
            result = hook(record, {})
        except Exception:
            self._client.log_error(f"before_send hook for {stream.item_type} raised; dropped")
            self.batcher.drop(stream, record, "callback_error")
            return None
        if not isinstance(result, dict):
            self.batcher.drop(stream, record, "before_send")
            return None
        return result

    def _enrich(self, record: dict[str, Any], scope: Scope) -> None:
        span = scope._span
        if record.get("trace_id") is None:
            trace_id = getattr(span, "trace_id", None) if span is not None else None
            record["trace_id"] = trace_id or scope.get_active_propagation_context().trace_id
        if record.get("span_id") is None and span is not None:
            record["span_id"] = getattr(span, "span_id", None)
        attributes = record.get("attributes")
        if not isinstance(attributes, dict):
            attributes = {}
        extra = _scope_attributes(scope)
        if extra:
            attributes = {**extra, **attributes}
        if self.pii:
            user = _user(scope)
            if user:
                for name, key in _USER_KEYS:
                    value = user.get(key)
                    if value is not None and name not in attributes:
                        attributes[name] = value
        record["attributes"] = {**self.defaults, **attributes}

    def flush(self) -> None:
        self.batcher.flush()

    def kill(self) -> None:
        self.batcher.kill()


_creating = threading.Lock()


def telemetry_for(client: Any, send: Callable[[Envelope], None]) -> Telemetry:
    """``client._telemetry``, made once even when several threads log at the same time."""
    with _creating:
        telemetry: Telemetry | None = client._telemetry
        if telemetry is None:
            telemetry = client._telemetry = Telemetry(client, send)
        return telemetry


def _scope_attributes(scope: Scope) -> dict[str, Any]:
    """Attributes set on the global, isolation and current scopes (later wins)."""
    merged: dict[str, Any] = {}
    for layer in (get_global_scope(), get_isolation_scope(), scope):
        found = layer._compat.get("attributes")  # Scope.set_attribute(s)
        if found:
            merged.update(found)
    return merged


def _user(scope: Scope) -> dict[str, Any] | None:
    for layer in (scope, get_isolation_scope(), get_global_scope()):
        user = layer._user
        if user is not None:
            return user
    return None


__all__ = ["LOG_LIMITS", "METRIC_LIMITS", "Telemetry", "encode_log", "encode_metric"]
