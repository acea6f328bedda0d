"""asyncpg: a ``db`` span and a ``query`` breadcrumb per query, and a ``db`` span per connect.

Patched (when the application imports asyncpg): ``Connection.execute`` (a query without
arguments), ``Connection._execute`` / ``_executemany`` (every query with arguments, and
``fetch*``), ``Connection.prepare``, the cursor's ``_bind_exec`` / ``_exec`` (ops
``db.cursor.iterator`` / ``db.cursor.fetch``) and ``connect_utils._connect_addr`` (a
``connect`` span). Spans carry ``db.system=postgresql``, ``db.driver.name=asyncpg``,
``db.name``, ``db.user``, ``server.address`` / ``server.port`` and origin ``auto.db.asyncpg``.

Query arguments are recorded only with ``AsyncPGIntegration(record_params=True)`` *and*
``_experiments={"record_sql_params": True}`` (as upstream); the query text has its
whitespace collapsed. ``enable_db_query_source`` adds where a slow query was made.
"""

from __future__ import annotations

import re

from sentry_lite.integrations import DidNotEnable, Integration, active, patch

try:
    import asyncpg  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from asyncpg.cursor import (  # type: ignore[import-untyped,import-not-found,unused-ignore]
        BaseCursor,
        Cursor,
        CursorIterator,
    )
except ImportError as exc:  # pragma: no cover - only without asyncpg
    raise DidNotEnable("asyncpg is not installed") from exc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from typing import Any

    Method = Callable[..., Awaitable[Any]]

ORIGIN = "auto.db.asyncpg"
MIN_VERSION = (0, 23)
_SPACES = re.compile(r"\s+")


class AsyncPGIntegration(Integration):
    """Spans and breadcrumbs for asyncpg queries and connects."""

    identifier = "asyncpg"
    origin = ORIGIN
    _record_params = False

    def __init__(self, *, record_params: bool = False) -> None:
        self._record_params = record_params

    @staticmethod
    def setup_once() -> None:
        from sentry_lite._text import parse_version

        version = parse_version(asyncpg.__version__)
        if version is not None and version < MIN_VERSION:
            raise DidNotEnable(f"asyncpg {asyncpg.__version__} is too old (0.23 or later)")
        owner = AsyncPGIntegration.identifier
        connection = asyncpg.Connection
        patch(owner, connection, "execute", _execute_wrapper(connection.execute))
        patch(owner, connection, "_execute", _connection_wrapper(connection._execute))
        patch(owner, connection, "_executemany",
              _connection_wrapper(connection._executemany, executemany=True))  # fmt: skip
        patch(owner, connection, "prepare", _connection_wrapper(connection.prepare))
        patch(owner, BaseCursor, "_bind_exec", _cursor_wrapper(BaseCursor._bind_exec))
        patch(owner, BaseCursor, "_exec", _cursor_wrapper(BaseCursor._exec))
        utils = asyncpg.connect_utils
        patch(owner, utils, "_connect_addr", _connect_wrapper(utils._connect_addr))


def normalize_query(query: Any) -> str:
    """The query with runs of whitespace collapsed to one space."""
    return _SPACES.sub(" ", str(query)).strip()


def _db_data(connection: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"db.system": "postgresql", "db.driver.name": "asyncpg"}
    try:
        data.update(_server(connection._addr))
        params = connection._params
        if params.database:
            data["db.name"] = params.database
        if params.user:
            data["db.user"] = params.user
    except Exception:
        pass
    return data


def _server(addr: Any) -> dict[str, Any]:
    if isinstance(addr, (tuple, list)) and len(addr) >= 2:
        return {"server.address": addr[0], "server.port": addr[1]}
    if isinstance(addr, str) and addr:
        return {"server.address": addr}  # a Unix socket's path
    return {}


async def _record(
    method: Method, args: Any, kwargs: Any, query: Any, connection: Any,
    params: Any = None, executemany: bool = False, cursor: Any = None, op: str | None = None,
) -> Any:  # fmt: skip
    from sentry_lite.tracing._sources import add_query_source, record_sql_queries

    if not getattr(active(AsyncPGIntegration.identifier), "_record_params", False):
        params = None
    context = record_sql_queries(
        cursor, normalize_query(query), params, "pyformat" if params else None, executemany,
        record_cursor_repr=cursor is not None, span_origin=ORIGIN, span_op_override_value=op,
    )  # fmt: skip
    with context as span:
        if connection is not None:
            for key, value in _db_data(connection).items():
                span.set_data(key, value)
        result = await method(*args, **kwargs)
    try:
        add_query_source(span)
    except Exception:
        pass
    return result


def _execute_wrapper(method: Method) -> Method:
    async def execute(*args: Any, **kwargs: Any) -> Any:
        # With arguments, execute() goes through _execute, which records it.
        if active(AsyncPGIntegration.identifier) is None or len(args) != 2:
            return await method(*args, **kwargs)
        return await _record(method, args, kwargs, args[1], args[0])

    return execute


def _connection_wrapper(method: Method, executemany: bool = False) -> Method:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        if active(AsyncPGIntegration.identifier) is None or len(args) < 2:
            return await method(*args, **kwargs)
        params = args[2] if len(args) > 2 else None
        return await _record(method, args, kwargs, args[1], args[0], params, executemany)

    return wrapper


def _cursor_wrapper(method: Method) -> Method:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        if active(AsyncPGIntegration.identifier) is None:
            return await method(*args, **kwargs)
        cursor = args[0]
        kind = type(cursor)
        op = ("db.cursor.iterator" if kind is CursorIterator
              else "db.cursor.fetch" if kind is Cursor else None)  # fmt: skip
        return await _record(
            method, args, kwargs, cursor._query, cursor._connection, cursor=cursor, op=op
        )

    return wrapper


def _connect_wrapper(method: Method) -> Method:
    async def connect_addr(*args: Any, **kwargs: Any) -> Any:
        if active(AsyncPGIntegration.identifier) is None:
            return await method(*args, **kwargs)
        from sentry_lite import api

        data: dict[str, Any] = {"db.system": "postgresql"}
        try:
            params = kwargs["params"]
            data.update(_server(kwargs.get("addr")))
            data.update({"db.name": params.database, "db.user": params.user})
        except Exception:
            pass
        data["db.driver.name"] = "asyncpg"
        with api.start_span(op="db", name="connect", origin=ORIGIN) as span:
            for key, value in data.items():
                span.set_data(key, value)
            try:
                api.add_breadcrumb(message="connect", category="query", data=data)
            except Exception:
                pass
            return await method(*args, **kwargs)

    return connect_addr


__all__ = ["AsyncPGIntegration"]
