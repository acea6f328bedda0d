"""pymongo: a ``db`` span and a ``query`` breadcrumb per MongoDB command.

``setup_once()`` registers a :class:`CommandTracer` with ``pymongo.monitoring`` (so the
``MongoClient`` objects made afterwards report to it). Per command: a span named by the
command as JSON (``$db``, ``lsid``, ``$clusterTime`` and ``$signature`` left out), with
tags and data ``db.name``, ``db.system=mongodb``, ``db.driver.name=pymongo``,
``db.operation``, ``db.mongodb.collection``, ``net.peer.name`` / ``net.peer.port``,
``server.address`` / ``server.port`` and ``operation_ids``; status ``ok`` or
``internal_error`` when the command fails.

Without ``send_default_pii`` the values in the command are replaced by ``%s`` (documents,
filters, updates, ``$match`` stages and every other field but the command's own names),
as upstream does.
"""

from __future__ import annotations

import json

from sentry_lite.integrations import DidNotEnable, Integration, active, on_uninstall
from sentry_lite.scope import get_client

try:
    from pymongo import monitoring
except ImportError as exc:  # pragma: no cover - only without pymongo
    raise DidNotEnable("pymongo is not installed") from exc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

IDENTIFIER = "pymongo"
ORIGIN = f"auto.db.{IDENTIFIER}"
PLACEHOLDER = "%s"
# Fields whose values name things (collections, indexes) rather than carry data.
SAFE_COMMAND_ATTRIBUTES = (
    "insert", "ordered", "find", "limit", "singleBatch", "aggregate", "createIndexes",
    "indexes", "delete", "findAndModify", "renameCollection", "to", "drop",
)  # fmt: skip
_LEFT_OUT = ("$db", "$clusterTime", "$signature", "lsid")


def _strip(command: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``command`` with its values replaced by placeholders."""
    stripped: dict[str, Any] = {}
    for key, value in command.items():
        if key in SAFE_COMMAND_ATTRIBUTES or (key == "update" and "findAndModify" not in command):
            stripped[key] = value
        elif key == "documents" and isinstance(value, list):
            stripped[key] = [_placeholders(doc) for doc in value]
        elif key in ("filter", "query", "update") and isinstance(value, dict):
            stripped[key] = _placeholders(value)
        elif key == "pipeline" and isinstance(value, list):
            stripped[key] = [_stage(stage) for stage in value]
        else:
            stripped[key] = PLACEHOLDER
    return stripped


def _placeholders(document: Any) -> Any:
    if not isinstance(document, dict):
        return PLACEHOLDER
    return dict.fromkeys(document, PLACEHOLDER)


def _stage(stage: Any) -> Any:
    if isinstance(stage, dict) and isinstance(stage.get("$match"), dict):
        return {**stage, "$match": _placeholders(stage["$match"])}
    return stage


def _peer(event: Any) -> tuple[Any, Any]:
    try:
        host, port = event.connection_id[0], event.connection_id[1]
    except (TypeError, IndexError):
        return None, None
    return host, port


class CommandTracer(monitoring.CommandListener):  # type: ignore[misc,unused-ignore]
    """The command listener: opens a span when a command starts, closes it when it ends."""

    def __init__(self) -> None:
        self._ongoing_operations: dict[int, Any] = {}

    def started(self, event: Any) -> None:
        if active(IDENTIFIER) is None:
            return
        try:
            self._start(event)
        except Exception:
            get_client().log_error("pymongo: could not record a command")

    def _start(self, event: Any) -> None:
        from sentry_lite import api

        command = {k: v for k, v in dict(event.command).items() if k not in _LEFT_OUT}
        lsid = event.command.get("lsid")
        operation = event.command_name
        if not get_client().options.send_default_pii:
            command = _strip(command)
        query = json.dumps(command, default=str)
        host, port = _peer(event)
        tags: dict[str, Any] = {
            "db.name": event.database_name, "db.system": "mongodb",
            "db.driver.name": "pymongo", "db.operation": operation,
            "db.mongodb.collection": command.get(operation),
        }  # fmt: skip
        if host is not None:
            tags["net.peer.name"] = host
            tags["net.peer.port"] = str(port)
        api.add_breadcrumb(message=query, category="query", type="db", data=dict(tags))
        span = api.start_span(op="db", name=query, origin=ORIGIN)
        for key, value in tags.items():
            span.set_tag(key, value)
            span.set_data(key, value)
        ids: dict[str, Any] = {"operation": event.operation_id, "request": event.request_id}
        if isinstance(lsid, dict) and "id" in lsid:
            ids["session"] = str(lsid["id"])
        span.set_data("operation_ids", ids)
        if host is not None:
            span.set_data("server.address", host)
        if port is not None:
            span.set_data("server.port", port)
        self._ongoing_operations[event.request_id] = span

    def succeeded(self, event: Any) -> None:
        self._finish(event, "ok")

    def failed(self, event: Any) -> None:
        self._finish(event, "internal_error")

    def _finish(self, event: Any, status: str) -> None:
        span = self._ongoing_operations.pop(event.request_id, None)
        if span is None:
            return
        try:
            span.set_status(status)
            span.finish()
        except Exception:
            pass


class PyMongoIntegration(Integration):
    """Spans and breadcrumbs for MongoDB commands."""

    identifier = IDENTIFIER
    origin = ORIGIN

    @staticmethod
    def setup_once() -> None:
        tracer = CommandTracer()
        monitoring.register(tracer)
        on_uninstall(IDENTIFIER, lambda: _unregister(tracer))


def _unregister(tracer: CommandTracer) -> None:
    # pymongo has no unregister: take it out of the list new clients copy (best effort;
    # clients already made keep it, and it does nothing without the integration).
    listeners = getattr(getattr(monitoring, "_LISTENERS", None), "command_listeners", None)
    if isinstance(listeners, list) and tracer in listeners:
        listeners.remove(tracer)


__all__ = ["CommandTracer", "PyMongoIntegration"]
