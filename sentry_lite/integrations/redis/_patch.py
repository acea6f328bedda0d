"""The wrappers around redis-py's ``execute_command`` and ``Pipeline.execute``.

Each command leaves a breadcrumb ``{type: redis, category: redis, message: <command>}`` and,
inside a sampled transaction, a ``db.redis`` span (under a ``cache.get`` / ``cache.put`` span
when its key starts with one of the integration's ``cache_prefixes``). A pipeline leaves one
breadcrumb and one span for all its commands.
"""

from __future__ import annotations

from sentry_lite import api
from sentry_lite.integrations import active, patch
from sentry_lite.integrations._spans import child_span, finish
from sentry_lite.integrations.redis import _describe as d
from sentry_lite.scope import get_client

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from sentry_lite.tracing._span import Span

IDENTIFIER = "redis"
OP = "db.redis"
ORIGIN = "auto.db.redis"
PIPELINE = "redis.pipeline.execute"


class _Command:
    """One command under way: its breadcrumb is out, its spans (if any) are open."""

    __slots__ = ("args", "cache", "client", "cluster", "keys", "name", "span")

    def __init__(self, integration: Any, client: Any, args: Sequence[Any], cluster: bool) -> None:
        self.name = name = str(args[0])
        self.args = rest = args[1:]
        pii = bool(get_client().options.send_default_pii)
        query = d.safe_command(name, rest, pii)
        description = d.truncated(query, integration.max_data_size)
        key = d.command_key(name, rest)
        data: dict[str, Any] = {
            "redis.is_cluster": cluster, "redis.command": name, "db.operation": name,
        }
        if key is not None:
            data["redis.key"] = key
        api.add_breadcrumb(message=description, type="redis", category="redis", data=data)
        self.cache: Span | None = None
        self.keys = None
        prefixes = integration.cache_prefixes
        if prefixes:
            self.keys = d.cache_keys(name, rest)
            op = d.cache_op(name, self.keys, prefixes)
            if op is not None:
                description_of_keys = d.cache_description(self.keys)
                self.cache = child_span(
                    op, d.truncated(description_of_keys, integration.max_data_size), ORIGIN
                )
        self.span = span = child_span(OP, description, ORIGIN)
        self.client = client
        self.cluster = cluster
        if span is not None:
            d.set_command_data(span, name, key, query, cluster)

    def done(self, result: Any, failed: bool) -> None:
        span, cache = self.span, self.cache
        # After the command: a cluster client knows its nodes once its first command ran.
        conn = _connection(self.client, self.cluster) if span or cache else {}
        if span is not None:
            span.update_data(conn)
            finish(span, failed)
        if cache is not None:
            if not failed:
                try:
                    d.set_cache_data(cache, self.name, self.keys, self.args, result, conn)
                except Exception:
                    pass
            finish(cache, failed)


def _connection(client: Any, cluster: bool) -> dict[str, Any]:
    try:
        return d.cluster_connection_data(client) if cluster else d.connection_data(client)
    except Exception:
        return {}


def _start(client: Any, args: Sequence[Any], cluster: bool) -> _Command | None:
    integration = active(IDENTIFIER)
    if integration is None or not args:
        return None
    try:
        return _Command(integration, client, args, cluster)
    except Exception:
        return None


def _start_pipeline(pipeline: Any, cluster: bool) -> Span | None:
    if active(IDENTIFIER) is None:
        return None
    try:
        transaction = not cluster and bool(getattr(pipeline, "transaction", False))
        api.add_breadcrumb(
            message=PIPELINE, type="redis", category="redis",
            data={"redis.is_cluster": cluster, "redis.transaction": transaction},
        )
        span = child_span(OP, PIPELINE, ORIGIN)
        if span is not None:
            pii = bool(get_client().options.send_default_pii)
            span.set_tag("redis.is_cluster", cluster)
            span.set_tag("redis.transaction", transaction)
            span.set_data(
                "redis.commands", d.pipeline_commands(d.queued_commands(pipeline), pii)
            )
        return span
    except Exception:
        return None


def _finish_pipeline(span: Span | None, pipeline: Any, cluster: bool, failed: bool) -> None:
    if span is not None:
        span.update_data(_connection(pipeline, cluster))
        finish(span, failed)


# -- sync -------------------------------------------------------------------------------------


def patch_sync(client_class: Any, pipeline_class: Any, cluster: bool = False) -> None:
    run_command = client_class.execute_command
    run_pipeline = pipeline_class.execute

    def execute_command(self: Any, *args: Any, **options: Any) -> Any:
        command = _start(self, args, cluster)
        if command is None:
            return run_command(self, *args, **options)
        try:
            result = run_command(self, *args, **options)
        except BaseException:
            command.done(None, failed=True)
            raise
        command.done(result, failed=False)
        return result

    def execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        span = _start_pipeline(self, cluster)
        try:
            result = run_pipeline(self, *args, **kwargs)
        except BaseException:
            _finish_pipeline(span, self, cluster, failed=True)
            raise
        _finish_pipeline(span, self, cluster, failed=False)
        return result

    patch(IDENTIFIER, client_class, "execute_command", execute_command)
    patch(IDENTIFIER, pipeline_class, "execute", execute)


# -- asyncio ----------------------------------------------------------------------------------


def patch_async(client_class: Any, pipeline_class: Any, cluster: bool = False) -> None:
    run_command = client_class.execute_command
    run_pipeline = pipeline_class.execute

    async def execute_command(self: Any, *args: Any, **options: Any) -> Any:
        command = _start(self, args, cluster)
        if command is None:
            return await run_command(self, *args, **options)
        try:
            result = await run_command(self, *args, **options)
        except BaseException:
            command.done(None, failed=True)
            raise
        command.done(result, failed=False)
        return result

    async def execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        span = _start_pipeline(self, cluster)
        try:
            result = await run_pipeline(self, *args, **kwargs)
        except BaseException:
            _finish_pipeline(span, self, cluster, failed=True)
            raise
        _finish_pipeline(span, self, cluster, failed=False)
        return result

    patch(IDENTIFIER, client_class, "execute_command", execute_command)
    patch(IDENTIFIER, pipeline_class, "execute", execute)
