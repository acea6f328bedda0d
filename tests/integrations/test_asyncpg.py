"""AsyncPGIntegration against a real PostgreSQL server (the ``pgserver`` package's binary, on
a Unix socket in a temporary directory). The integration is switched on by ``init()`` itself
(asyncpg is imported)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("asyncpg")
pgserver = pytest.importorskip("pgserver")

import asyncpg  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.asyncpg import AsyncPGIntegration  # noqa: E402


@pytest.fixture(scope="module")
def dsn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    try:
        server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="stop")
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"the PostgreSQL server of pgserver could not start: {exc!r}")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


def run(dsn: str, work: Any, name: str = "db work") -> Any:
    async def main() -> Any:
        with sentry_lite.start_transaction(name=name, op="task"):
            conn = await asyncpg.connect(dsn)
            try:
                return await work(conn)
            finally:
                await conn.close()

    return asyncio.run(main())


def test_init_enables_it_because_asyncpg_is_imported(sentry_init: Any) -> None:
    client = sentry_init()
    assert isinstance(client.integrations.get("asyncpg"), AsyncPGIntegration)


def test_connect_and_queries_become_spans(
    sentry_init: Any, dsn: str, sentry_transactions: list[Any], sentry_events: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)

    async def work(conn: Any) -> Any:
        await conn.execute("CREATE TEMP TABLE t (id int, secret text)")
        await conn.executemany("INSERT INTO t VALUES ($1, $2)", [(1, "a"), (2, "b")])
        rows = await conn.fetch("SELECT id\n   FROM t\n  WHERE id > $1", 0)
        statement = await conn.prepare("SELECT count(*) FROM t")
        count = await statement.fetchval()
        sentry_lite.capture_message("done")
        return [r["id"] for r in rows], count

    assert run(dsn, work) == ([1, 2], 2)
    (tx,) = sentry_transactions
    spans = tx["spans"]
    assert [(s["op"], s["description"]) for s in spans] == [
        ("db", "connect"),
        ("db", "CREATE TEMP TABLE t (id int, secret text)"),
        ("db", "INSERT INTO t VALUES ($1, $2)"),
        ("db", "SELECT id FROM t WHERE id > $1"),
        ("db", "SELECT count(*) FROM t"),
    ]
    for span in spans:
        assert span["origin"] == "auto.db.asyncpg"
        assert span["data"]["db.system"] == "postgresql"
        assert span["data"]["db.driver.name"] == "asyncpg"
        assert span["data"]["db.name"] == "postgres"
        assert span["data"]["db.user"] == "postgres"
        assert span["data"]["server.address"].endswith(".s.PGSQL.5432") or span["data"][
            "server.address"
        ].startswith("/")
        assert "db.params" not in span["data"]
    assert spans[2]["data"]["db.executemany"] is True
    crumbs = [c for c in sentry_events[0]["breadcrumbs"]["values"] if c["category"] == "query"]
    assert [c["message"] for c in crumbs] == [s["description"] for s in spans]


def test_cursors_get_their_ops(sentry_init: Any, dsn: str, sentry_transactions: list[Any]) -> None:
    sentry_init(traces_sample_rate=1.0)

    async def work(conn: Any) -> Any:
        async with conn.transaction():
            seen = [r[0] async for r in conn.cursor("SELECT generate_series(1, 3)", prefetch=2)]
            cursor = await conn.cursor("SELECT generate_series(1, 5)")
            seen += [r[0] for r in await cursor.fetch(2)]
        return seen

    assert run(dsn, work) == [1, 2, 3, 1, 2]
    ops = {s["op"] for s in sentry_transactions[0]["spans"]}
    assert {"db.cursor.iterator", "db.cursor.fetch"} <= ops


def test_arguments_only_when_both_switches_are_on(
    sentry_init: Any, dsn: str, sentry_transactions: list[Any]
) -> None:
    async def work(conn: Any) -> Any:
        return await conn.fetchval("SELECT $1::text", "hunter2")

    sentry_init(traces_sample_rate=1.0, integrations=[AsyncPGIntegration(record_params=True)])
    run(dsn, work)
    sentry_init(
        traces_sample_rate=1.0,
        integrations=[AsyncPGIntegration(record_params=True)],
        _experiments={"record_sql_params": True},
    )
    run(dsn, work)
    without, with_params = (
        next(s for s in t["spans"] if s["description"] == "SELECT $1::text")
        for t in sentry_transactions
    )
    assert "db.params" not in without["data"]
    assert with_params["data"]["db.params"] == ["hunter2"]
    assert with_params["data"]["db.paramstyle"] == "format"


def test_a_failing_query_fails_its_span(
    sentry_init: Any, dsn: str, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)

    async def work(conn: Any) -> None:
        with pytest.raises(asyncpg.UndefinedTableError):
            await conn.fetch("SELECT * FROM missing_table")

    run(dsn, work)
    (span,) = [s for s in sentry_transactions[0]["spans"] if "missing_table" in s["description"]]
    assert span["status"] == "internal_error"


def test_nothing_recorded_without_the_integration(
    sentry_init: Any, dsn: str, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0, default_integrations=False)

    async def work(conn: Any) -> Any:
        return await conn.fetchval("SELECT 1")

    assert run(dsn, work) == 1
    assert sentry_transactions[0]["spans"] == []
