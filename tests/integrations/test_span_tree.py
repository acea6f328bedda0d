"""One real request through every client integration: a Flask route served by werkzeug on
127.0.0.1 calls a real redis-server, a SQLite database through SQLAlchemy and a loopback HTTP
service through httpx; the transaction a real Sentry-compatible server receives holds one span
per call, each a child of the transaction."""

from __future__ import annotations

import json
from typing import Any

import pytest
from service_helpers import echo_server, redis_server
from wsgi_helpers import delivered, request, serve

flask = pytest.importorskip("flask")
httpx = pytest.importorskip("httpx")
redis = pytest.importorskip("redis")
sqlalchemy = pytest.importorskip("sqlalchemy")

import sentry_lite  # noqa: E402


def make_app(redis_port: int, database: str, service: str) -> Any:
    app = flask.Flask("sl_span_tree")
    cache = redis.Redis(host="127.0.0.1", port=redis_port)
    engine = sqlalchemy.create_engine(database)

    @app.route("/checkout")
    def checkout() -> Any:
        cache.set("cart:7", "3 items")
        with engine.connect() as conn:
            total = conn.execute(sqlalchemy.text("SELECT 1")).scalar()
        with httpx.Client() as client:
            seen = client.get(f"{service}/pay?amount=3").json()
        return {"total": total, "trace": seen.get("sentry-trace")}

    return app


def test_each_call_is_a_child_of_the_request_transaction(sentry_server, tmp_path) -> None:
    with redis_server(tmp_path) as port, echo_server() as service:
        sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0)
        app = make_app(port, f"sqlite:///{tmp_path / 'shop.db'}", service)
        with serve(app) as base:
            response = request(base, "/checkout")
        assert response.status == 200
        delivered(sentry_server, transactions=1)  # checked by Relay's normalizer too

    (tx,) = sentry_server.transactions
    assert tx["transaction"] == "checkout"
    root = tx["contexts"]["trace"]
    by_op = {span["op"]: span for span in tx["spans"]}
    assert set(by_op) == {"db.redis", "db", "http.client"}
    assert by_op["db.redis"]["description"] == "SET 'cart:7' [Filtered]"
    assert by_op["db"]["description"] == "SELECT 1"
    assert by_op["http.client"]["description"] == f"GET {service}/pay"
    for span in tx["spans"]:
        assert span["parent_span_id"] == root["span_id"]
        assert span["trace_id"] == root["trace_id"]
        assert tx["start_timestamp"] <= span["start_timestamp"] <= span["timestamp"]
        assert span["timestamp"] <= tx["timestamp"]
    started = [span["start_timestamp"] for span in (by_op["db.redis"], by_op["db"],
                                                    by_op["http.client"])]
    assert started == sorted(started)
    body = json.loads(response.body)
    assert body["trace"] == f"{root['trace_id']}-{by_op['http.client']['span_id']}-1"

