"""SQLAlchemy (1.4 and 2.x, sync and async engines): a ``db`` span and a breadcrumb per statement.

``SqlalchemyIntegration()`` (no options, as the official SDK's) listens to every ``Engine``'s
``before_cursor_execute``, ``after_cursor_execute`` and ``handle_error`` events (an
``AsyncEngine`` runs its statements through a sync ``Engine``, so it is covered too):

- a breadcrumb ``{category: query, message: <statement>, data: {db.executemany, ...}}``;
- inside a sampled transaction, a span (op ``db``, origin ``auto.db.sqlalchemy``, description
  the statement) with ``db.system`` (``sqlite``, ``postgresql``, ...), ``db.driver.name``,
  ``db.name``, ``server.address``, ``server.port``; a failing statement ends it with
  ``internal_error``;
- the parameters (``db.params``, ``db.paramstyle``) only with ``send_default_pii``;
- with ``enable_db_query_source`` (default on), a statement slower than
  ``db_query_source_threshold_ms`` (100) gets ``code.lineno``, ``code.namespace``,
  ``code.filepath`` and ``code.function`` of the application's line that ran it.
"""

from __future__ import annotations

from sentry_lite import api
from sentry_lite.integrations import DidNotEnable, Integration, active, on_uninstall
from sentry_lite.integrations._spans import add_query_source, child_span
from sentry_lite.scope import get_client

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite.tracing._span import Span

OP = "db"
_ATTR = "_sentry_lite_span"
SYSTEMS = ("sqlite", "postgres", "mariadb", "mysql", "oracle", "snowflake", "clickhouse",
           "mongodb", "cockroachdb")


class SqlalchemyIntegration(Integration):
    """Spans and breadcrumbs for the statements of SQLAlchemy engines."""

    identifier = "sqlalchemy"
    origin = f"auto.db.{identifier}"

    @staticmethod
    def setup_once() -> None:
        try:
            from sqlalchemy import __version__
            from sqlalchemy.engine import Engine
            from sqlalchemy.event import listen, remove
        except ImportError:
            raise DidNotEnable("SQLAlchemy is not installed") from None
        if tuple(int(p) for p in __version__.split(".")[:2] if p.isdigit()) < (1, 4):
            raise DidNotEnable(f"SQLAlchemy {__version__} is too old (1.4 or newer needed)")
        hooks = (("before_cursor_execute", _before), ("after_cursor_execute", _after),
                 ("handle_error", _error))
        for name, hook in hooks:
            listen(Engine, name, hook)

        def stop_listening() -> None:
            for name, hook in hooks:
                remove(Engine, name, hook)

        on_uninstall(SqlalchemyIntegration.identifier, stop_listening)


def db_system(engine_name: str) -> str | None:
    """The ``db.system`` of a dialect name (``postgres`` is ``postgresql``)."""
    for system in SYSTEMS:
        if system in engine_name:
            return "postgresql" if system == "postgres" else system
    return None


def _statement_data(parameters: Any, context: Any, executemany: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if get_client().options.send_default_pii and parameters:
        data["db.params"] = parameters
        dialect = getattr(context, "dialect", None)
        style = getattr(dialect, "paramstyle", None)
        if style is not None:
            data["db.paramstyle"] = "format" if style == "pyformat" else style
    if executemany:
        data["db.executemany"] = True
    return data


def _connection_data(conn: Any) -> dict[str, Any]:
    engine = conn.engine
    data: dict[str, Any] = {}
    system = db_system(str(engine.name))
    if system is not None:
        data["db.system"] = system
    driver = getattr(conn.dialect, "driver", None)
    if driver:
        data["db.driver.name"] = driver
    url = engine.url
    if url is not None:
        for key, value in (("db.name", url.database), ("server.address", url.host),
                           ("server.port", url.port)):
            if value is not None:
                data[key] = value
    return data


def _before(conn: Any, cursor: Any, statement: Any, parameters: Any, context: Any,
            executemany: bool, *args: Any) -> None:
    if active(SqlalchemyIntegration.identifier) is None:
        return
    try:
        data = _statement_data(parameters, context, executemany)
        api.add_breadcrumb(message=statement, category="query", data=data)
        span = child_span(OP, statement, SqlalchemyIntegration.origin)
        if span is None or context is None:
            return
        span.update_data(data)
        span.update_data(_connection_data(conn))
        setattr(context, _ATTR, span)
    except Exception:
        pass


def _after(conn: Any, cursor: Any, statement: Any, parameters: Any, context: Any,
           *args: Any) -> None:
    span: Span | None = getattr(context, _ATTR, None)
    if span is None:
        return
    setattr(context, _ATTR, None)
    try:
        span.finish()
        add_query_source(span)
    except Exception:
        pass


def _error(exception_context: Any, *args: Any) -> None:
    context = getattr(exception_context, "execution_context", None)
    span: Span | None = getattr(context, _ATTR, None)
    if span is None:
        return
    setattr(context, _ATTR, None)
    try:
        span.set_status("internal_error")
        span.finish()
    except Exception:
        pass


__all__ = ["SqlalchemyIntegration"]
