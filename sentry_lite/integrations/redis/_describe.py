"""What a Redis command looks like in a span, a breadcrumb or a cache span.

A command is shown as its name, the key (``repr``) and the other arguments, which are
replaced by ``[Filtered]`` unless ``send_default_pii`` is on; ``AUTH`` shows nothing of its
arguments ever. At most ``MAX_ARGS + 1`` arguments and ``MAX_COMMANDS`` pipeline commands
are shown, as the official SDK does.
"""

from __future__ import annotations

from sentry_lite.integrations._spans import FILTERED

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from sentry_lite.tracing._span import Span

MAX_ARGS = 10
MAX_COMMANDS = 10
SINGLE_KEY = frozenset(
    ("decr", "decrby", "get", "incr", "incrby", "pttl", "set", "setex", "setnx", "ttl")
)
MULTI_KEY = frozenset(("del", "touch", "unlink", "mget"))
SECRET_ARGS = frozenset(("auth",))
CACHE_GET = frozenset(("get", "mget"))
CACHE_PUT = frozenset(("set", "setex"))


def safe_command(name: str, args: Sequence[Any], pii: bool) -> str:
    """``GET 'key'``, ``SET 'key' [Filtered]`` (the value only with ``pii``)."""
    lowered = name.lower()
    parts = [name]
    for index, arg in enumerate(args):
        if index > MAX_ARGS:
            break
        if lowered in SECRET_ARGS:
            parts.append(FILTERED)
        elif index == 0 or pii:
            parts.append(repr(arg))
        else:
            parts.append(FILTERED)
    return " ".join(parts)


def truncated(text: str, max_size: int | None) -> str:
    if max_size and len(text) > max_size:
        return text[: max_size - 3] + "..."
    return text


def command_key(name: str, args: Sequence[Any]) -> Any:
    """The key of a single-key command (or of a multi-key one given one key), else None."""
    if not name or not args:
        return None
    lowered = name.lower()
    if lowered in SINGLE_KEY or (lowered in MULTI_KEY and len(args) == 1):
        return args[0]
    return None


def _from_params(params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    db = params.get("db")
    if db is not None:
        data["db.name"] = str(db)
    host = params.get("host")
    if host is not None:
        data["server.address"] = host
    port = params.get("port")
    if port is not None:
        data["server.port"] = port
    return data


def connection_data(client: Any) -> dict[str, Any]:
    """``db.system``, ``db.driver.name``, ``db.name``, ``server.address``, ``server.port``."""
    data: dict[str, Any] = {"db.system": "redis", "db.driver.name": "redis-py"}
    try:
        params = client.connection_pool.connection_kwargs
    except AttributeError:
        return data
    return _from_params(params, data)


def cluster_connection_data(client: Any) -> dict[str, Any]:
    """As :func:`connection_data`, from a cluster client's (or pipeline's) default node."""
    data: dict[str, Any] = {"db.system": "redis", "db.driver.name": "redis-py"}
    # an asyncio cluster pipeline holds its cluster as cluster_client (redis-py 6+) or _client
    owner = getattr(client, "cluster_client", None) or getattr(client, "_client", None) or client
    try:
        node = owner.get_default_node()
    except Exception:
        return data
    if node is None:
        return data
    params = getattr(node, "connection_kwargs", None)
    params = dict(params) if isinstance(params, dict) else {}
    params.setdefault("host", getattr(node, "host", None))
    params.setdefault("port", getattr(node, "port", None))
    return _from_params(params, data)


def set_command_data(span: Span, name: str, key: Any, query: str, cluster: bool) -> None:
    span.set_tag("redis.is_cluster", cluster)
    span.set_tag("redis.command", name)
    span.set_tag("db.operation", name)
    if key is not None:
        span.set_tag("redis.key", key)
    span.set_data("db.query.text", query)


def pipeline_commands(queued: Sequence[Any], pii: bool) -> dict[str, Any]:
    """``{"count": n, "first_ten": [safe commands]}`` of a pipeline's queued commands."""
    shown = []
    for entry in queued[:MAX_COMMANDS]:
        # (args, options) in redis-py's command stack; an object with ``args`` in a cluster's
        args = getattr(entry, "args", None)
        if args is None:
            args = entry[0]
        shown.append(safe_command(str(args[0]), args[1:], pii))
    return {"count": len(queued), "first_ten": shown}


def queued_commands(pipeline: Any) -> Sequence[Any]:
    strategy = getattr(pipeline, "_execution_strategy", None)
    for owner, name in ((strategy, "command_queue"), (strategy, "_command_queue"),
                        (pipeline, "_command_stack"), (pipeline, "command_stack")):
        queued = getattr(owner, name, None) if owner is not None else None
        if isinstance(queued, (list, tuple)):
            return queued
    return ()


# -- the Caches module: cache.get / cache.put spans for keys with a cache prefix ---------------


def _as_text(key: Any) -> str:
    if isinstance(key, bytes):
        try:
            return key.decode()
        except UnicodeDecodeError:
            return ""
    return "" if key is None else str(key)


def cache_keys(name: str, args: Sequence[Any]) -> tuple[Any, ...] | None:
    if not args:
        return None
    if name.lower() in MULTI_KEY:
        return tuple(args)
    first = args[0]
    if isinstance(first, (dict, list, tuple)):
        return tuple(first)
    return (first,)


def cache_op(name: str, keys: tuple[Any, ...] | None, prefixes: Sequence[str]) -> str | None:
    """``cache.get`` / ``cache.put`` when a key starts with one of ``prefixes``, else None."""
    if not prefixes or not keys:
        return None
    lowered = name.lower()
    if lowered in CACHE_GET:
        op = "cache.get"
    elif lowered in CACHE_PUT:
        op = "cache.put"
    else:
        return None
    texts = [_as_text(key) for key in keys]
    if any(text.startswith(prefix) for text in texts for prefix in prefixes):
        return op
    return None


def cache_description(keys: tuple[Any, ...] | None) -> str:
    return ", ".join(_as_text(key) for key in keys or ())


def _size(value: Any) -> int:
    return len(value) if isinstance(value, bytes) else len(str(value).encode("utf-8"))


def set_cache_data(
    span: Span, name: str, keys: tuple[Any, ...] | None, args: Sequence[Any], result: Any,
    conn: dict[str, Any],
) -> None:
    span.set_data("cache.key", list(keys or ()))
    if name.lower() in CACHE_GET:
        span.set_data("cache.hit", result is not None)
        if result is not None:
            span.set_data("cache.item_size", _size(result))
    elif len(args) > 1:
        value = args[1] if name.lower() == "set" else args[-1]  # SET k v [EX n], SETEX k n v
        if value is not None:
            span.set_data("cache.item_size", _size(value))
    if "server.address" in conn:
        span.set_data("network.peer.address", conn["server.address"])
    if "server.port" in conn:
        span.set_data("network.peer.port", conn["server.port"])
