"""Django's database queries: a breadcrumb each, and a ``db`` span inside a sampled transaction.

``CursorWrapper.execute`` / ``executemany`` (``django.db.backends.utils``; the debug cursor
subclasses it) and ``BaseDatabaseWrapper.connect`` are wrapped when Django imports them:

- a breadcrumb ``{category: query, message: <SQL>, data: {db.executemany, ...}}`` for each
  query (``connect`` for a new connection), as the official SDK records them;
- inside a sampled transaction, a span (op ``db``, origin ``auto.db.django``, description the
  SQL) with ``db.system`` (the backend's vendor: ``postgresql``, ``sqlite``, ``mysql``...),
  ``db.name``, ``server.address`` and ``server.port``; a failing query ends it with
  ``internal_error``;
- the parameters (``db.params``, ``db.paramstyle``) only with ``send_default_pii``;
- with ``enable_db_query_source`` (default on), a query slower than
  ``db_query_source_threshold_ms`` (100) gets the ``code.*`` line of the application that ran it.
"""

from __future__ import annotations

from sentry_lite import api
from sentry_lite.integrations import active, patch
from sentry_lite.integrations._spans import add_query_source, child_span, timed
from sentry_lite.scope import get_client

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType
    from typing import Any

    from sentry_lite.tracing._span import Span

IDENTIFIER = "django"
OP = "db"
ORIGIN = "auto.db.django"


def patch_cursor(module: ModuleType) -> None:
    """Wrap ``CursorWrapper.execute`` and ``executemany`` of ``django.db.backends.utils``."""
    wrapper = module.CursorWrapper
    patch(IDENTIFIER, wrapper, "execute", _recorded(wrapper.execute, False))
    patch(IDENTIFIER, wrapper, "executemany", _recorded(wrapper.executemany, True))


def patch_connect(module: ModuleType) -> None:
    """Wrap ``BaseDatabaseWrapper.connect`` of ``django.db.backends.base.base``."""
    base = module.BaseDatabaseWrapper
    original = base.connect

    def connect(self: Any) -> Any:
        if active(IDENTIFIER) is None:
            return original(self)
        span = _begin(self, "connect", None, False)
        return original(self) if span is None else timed(span, original, self)

    patch(IDENTIFIER, base, "connect", connect)


def _recorded(original: Callable[..., Any], many: bool) -> Callable[..., Any]:
    def run(self: Any, sql: Any, *args: Any, **kwargs: Any) -> Any:
        if active(IDENTIFIER) is None:
            return original(self, sql, *args, **kwargs)
        params = args[0] if args else kwargs.get("param_list" if many else "params")
        span = _begin(self.db, sql, params, many)
        if span is None:
            return original(self, sql, *args, **kwargs)
        result = timed(span, original, self, sql, *args, **kwargs)
        add_query_source(span)
        return result

    run.__name__ = original.__name__
    run.__qualname__ = original.__qualname__
    return run


def _begin(db: Any, sql: Any, params: Any, many: bool) -> Span | None:
    """The query's breadcrumb, and its span when a sampled transaction is running."""
    try:
        text = sql if isinstance(sql, str) else str(sql)
        data: dict[str, Any] = {}
        if params and get_client().options.send_default_pii:
            data["db.params"] = params
            data["db.paramstyle"] = "format"
        if many:
            data["db.executemany"] = True
        api.add_breadcrumb(message=text, category="query", data=data)
        span = child_span(OP, text, ORIGIN)
        if span is not None:
            span.update_data(data)
            span.update_data(_database_data(db))
        return span
    except Exception:
        return None


def _database_data(db: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    vendor = getattr(db, "vendor", None)
    if vendor:
        data["db.system"] = vendor
    settings = getattr(db, "settings_dict", None) or {}
    for key, name in (("db.name", "NAME"), ("server.address", "HOST"), ("server.port", "PORT")):
        value = settings.get(name)
        if value:
            data[key] = str(value)
    return data


__all__ = ["patch_connect", "patch_cursor"]
