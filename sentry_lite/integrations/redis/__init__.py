"""Redis (redis-py: sync, asyncio and cluster clients): a span and a breadcrumb per command.

``RedisIntegration(max_data_size=None, cache_prefixes=None)``, as the official SDK's:

- every command (``Redis.execute_command``) leaves a breadcrumb ``{type: redis, category:
  redis, message: "GET 'key'", data: {redis.command, db.operation, redis.key, ...}}`` and,
  inside a sampled transaction, a span (op ``db.redis``, origin ``auto.db.redis``) with
  ``db.system``, ``db.name``, ``server.address``, ``server.port``, ``db.query.text``;
- a pipeline (``Pipeline.execute``) leaves one breadcrumb and one span
  (``redis.pipeline.execute``) with ``redis.commands: {count, first_ten}``;
- the values of a command (anything after the key) are ``[Filtered]`` unless
  ``send_default_pii``; ``AUTH``'s arguments always are;
- ``max_data_size`` cuts descriptions to that many characters; a key starting with one of
  ``cache_prefixes`` also gets a ``cache.get`` / ``cache.put`` span (the Caches view).

The cluster clients (``redis.cluster.RedisCluster`` and ``redis.asyncio.cluster``'s, with
their pipelines) are covered too (``redis.is_cluster: true``, the default node's address);
``redis.asyncio`` and the cluster modules are patched when the application imports them
(never by us).
"""

from __future__ import annotations

from sentry_lite.integrations import DidNotEnable, Integration
from sentry_lite.integrations._importhook import when_imported

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType


class RedisIntegration(Integration):
    """Spans and breadcrumbs for redis-py commands and pipelines."""

    identifier = "redis"

    def __init__(
        self, max_data_size: int | None = None, cache_prefixes: list[str] | None = None
    ) -> None:
        self.max_data_size = max_data_size
        self.cache_prefixes = list(cache_prefixes) if cache_prefixes is not None else []

    @staticmethod
    def setup_once() -> None:
        try:
            import redis.client
        except ImportError:
            raise DidNotEnable("redis (redis-py) is not installed") from None
        from sentry_lite.integrations.redis._patch import patch_sync

        patch_sync(redis.client.Redis, redis.client.Pipeline)
        owner = RedisIntegration.identifier
        when_imported("redis.cluster", _patch_cluster, owner)
        when_imported("redis.asyncio.client", _patch_asyncio, owner)
        when_imported("redis.asyncio.cluster", _patch_asyncio_cluster, owner)


def _patch_cluster(module: ModuleType) -> None:
    from sentry_lite.integrations.redis._patch import patch_sync

    patch_sync(module.RedisCluster, module.ClusterPipeline, cluster=True)


def _patch_asyncio(module: ModuleType) -> None:
    from sentry_lite.integrations.redis._patch import patch_async

    patch_async(module.Redis, module.Pipeline)


def _patch_asyncio_cluster(module: ModuleType) -> None:
    from sentry_lite.integrations.redis._patch import patch_async

    patch_async(module.RedisCluster, module.ClusterPipeline, cluster=True)


__all__ = ["RedisIntegration"]
