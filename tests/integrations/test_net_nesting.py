"""One aiohttp request that queries PostgreSQL (asyncpg, on pgserver's real server) and calls an
HTTP service (aiohttp's client, the same server): the span tree Sentry shows, the transaction
first, each call a child of it, and the called service's transaction a child of the client span.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("aiohttp")
pytest.importorskip("asyncpg")
pgserver = pytest.importorskip("pgserver")

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
from aiohttp import web  # noqa: E402
from test_aiohttp import get, serve  # noqa: E402


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


def report_app(dsn: str) -> web.Application:
    async def report(request: web.Request) -> web.Response:
        conn = await asyncpg.connect(dsn)
        try:
            total = await conn.fetchval("SELECT 40 + $1::int", 2)
        finally:
            await conn.close()
        base = f"http://{request.host}"
        async with aiohttp.ClientSession() as session, session.get(f"{base}/users/7") as resp:
            user = await resp.json()
        return web.json_response({"total": total, **user})

    async def user(request: web.Request) -> web.Response:
        return web.json_response({"user": request.match_info["user_id"]})

    app = web.Application()
    app.router.add_get("/report", report)
    app.router.add_get("/users/{user_id}", user)
    return app


def test_a_request_s_calls_nest_under_its_transaction(
    sentry_init: Any, dsn: str, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    with serve(report_app(dsn)) as base:
        assert get(f"{base}/report") == (200, {"total": 42, "user": "7"})
    by_name = {t["transaction"].rsplit(".", 1)[-1]: t for t in sentry_transactions}
    outer, inner = by_name["report"], by_name["user"]
    root = outer["contexts"]["trace"]
    spans = outer["spans"]
    assert [(s["op"], s["description"]) for s in spans] == [
        ("db", "connect"),
        ("db", "SELECT 40 + $1::int"),
        ("http.client", f"GET {base}/users/7"),
    ]
    assert {s["parent_span_id"] for s in spans} == {root["span_id"]}
    assert {s["trace_id"] for s in spans} == {root["trace_id"]}
    http_span = spans[-1]
    assert inner["contexts"]["trace"]["trace_id"] == root["trace_id"]
    assert inner["contexts"]["trace"]["parent_span_id"] == http_span["span_id"]
