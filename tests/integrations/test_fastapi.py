"""FastApiIntegration: a FastAPI application served by a real uvicorn on 127.0.0.1,
reporting to a real Sentry-compatible loopback server."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from asgi_helpers import request, serve
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel
from wsgi_helpers import concurrently, delivered, raw_bytes

import sentry_lite
from sentry_lite.integrations.fastapi import FastApiIntegration

TRACE_ID = "771a43a4192642f0b136d5159a501700"
PARENT_SPAN = "b0e6f15b45c36b12"


class Boom(Exception):
    pass


class Item(BaseModel):
    name: str
    password: str


app = FastAPI()


@app.get("/items/{item_id}")
async def read_item(item_id: int) -> Any:
    raise Boom(f"item {item_id} is broken")


@app.get("/user/{user_id}")
def sync_user(user_id: str) -> Any:  # a sync path operation: FastAPI's thread pool
    sentry_lite.set_user({"id": user_id})
    sentry_lite.set_tag("request.user", user_id)
    raise Boom(f"failed for {user_id}")


@app.post("/items")
async def create_item(item: Item) -> Any:
    raise Boom(f"could not store {item.name}")


@app.get("/http/{code}")
async def http_error(code: int) -> Any:
    raise HTTPException(status_code=code, detail="no")


@app.get("/ok")
async def ok() -> Any:
    return {"ok": True}


@pytest.fixture
def served(sentry_server: Any) -> Any:
    def start(**options: Any) -> Any:
        sentry_lite.init(dsn=sentry_server.dsn, **options)
        return serve(app)

    return start


def test_an_error_arrives_with_the_request_route_and_handled_false(
    served, sentry_server
) -> None:
    with served(traces_sample_rate=1.0) as base:
        assert request(base, "/items/42?verbose=1", headers={"Host": "app.test"}).status == 500
    delivered(sentry_server, events=1, transactions=1)
    (event,) = sentry_server.events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "Boom"
    assert exception["mechanism"] == {"type": "starlette", "handled": False}
    assert event["transaction"] == "/items/{item_id}"
    assert event["transaction_info"] == {"source": "route"}
    assert event["request"]["url"] == "http://app.test/items/42"
    assert event["request"]["query_string"] == "verbose=1"
    (tx,) = sentry_server.transactions
    assert tx["transaction"] == "/items/{item_id}"
    assert tx["contexts"]["trace"]["op"] == "http.server"
    assert tx["contexts"]["trace"]["data"]["http.response.status_code"] == 500


def test_concurrent_requests_keep_their_own_user(served, sentry_server) -> None:
    with served() as base:
        statuses = concurrently(50, lambda i: request(base, f"/user/{i}").status)
    assert statuses == [500] * 50
    delivered(sentry_server, events=50)
    seen = set()
    for event in sentry_server.events:
        user_id = event["user"]["id"]
        assert event["tags"]["request.user"] == user_id
        assert event["request"]["url"].endswith(f"/user/{user_id}")
        assert event["transaction"] == "/user/{user_id}"
        seen.add(user_id)
    assert seen == {str(i) for i in range(50)}


def test_no_cookie_authorization_or_address_without_send_default_pii(
    served, sentry_server
) -> None:
    headers = {
        "Cookie": "sessionid=cookie-secret-1",
        "Authorization": "Basic auth-secret-2",
        "X-Forwarded-For": "203.0.113.7",
        "Host": "app.test",
    }
    with served(traces_sample_rate=1.0) as base:
        request(base, "/items/1", headers=headers, source="127.0.0.2")
    delivered(sentry_server, events=1, transactions=1)
    sent = raw_bytes(sentry_server)
    for secret in ("cookie-secret", "auth-secret", "203.0.113.7", "127.0.0.2"):
        assert secret.encode() not in sent, secret


def test_an_incoming_sentry_trace_is_continued(served, sentry_server) -> None:
    with served(traces_sample_rate=1.0) as base:
        request(base, "/ok", headers={"sentry-trace": f"{TRACE_ID}-{PARENT_SPAN}-1"})
    delivered(sentry_server, transactions=1)
    (tx,) = sentry_server.transactions
    assert tx["transaction"] == "/ok"
    assert tx["contexts"]["trace"]["trace_id"] == TRACE_ID
    assert tx["contexts"]["trace"]["parent_span_id"] == PARENT_SPAN


def test_the_validated_body_goes_with_the_error(served, sentry_server) -> None:
    body = json.dumps({"name": "book", "password": "body-secret"}).encode()
    with served() as base:
        request(base, "/items", method="POST", body=body,
                headers={"Content-Type": "application/json"})
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert event["request"]["data"] == {"name": "book", "password": "[Filtered]"}
    assert event["transaction"] == "/items"


def test_validation_errors_are_not_reported_server_errors_are(served, sentry_server) -> None:
    with served() as base:
        assert request(base, "/items/not-a-number").status == 422
        assert request(base, "/http/503").status == 503
    delivered(sentry_server, events=1)
    (event,) = sentry_server.events
    assert event["exception"]["values"][-1]["type"] == "HTTPException"
    assert event["exception"]["values"][-1]["mechanism"]["handled"] is True


def test_the_endpoint_style_names_the_path_operation_function(sentry_server) -> None:
    sentry_lite.init(
        dsn=sentry_server.dsn, traces_sample_rate=1.0,
        integrations=[FastApiIntegration(transaction_style="endpoint")],
    )
    with serve(app) as base:
        request(base, "/items/5")
    delivered(sentry_server, events=1, transactions=1)
    name = f"{read_item.__module__}.read_item"
    assert sentry_server.events[0]["transaction"] == name
    assert sentry_server.transactions[0]["transaction"] == name
    assert sentry_server.transactions[0]["transaction_info"] == {"source": "component"}


def test_both_integrations_switch_on_when_fastapi_is_imported(python) -> None:
    result = python(
        """
        import json, sys
        import sentry_lite
        sentry_lite.init(dsn="http://key@127.0.0.1:9/1")
        before = sorted(sentry_lite.get_client().integrations)
        assert "fastapi" not in sys.modules and "starlette" not in sys.modules
        import fastapi
        after = sorted(sentry_lite.get_client().integrations)
        print(json.dumps([n for n in after if n not in before]))
        """
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["fastapi", "starlette"]
