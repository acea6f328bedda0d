"""AioHttpIntegration: a real aiohttp server on 127.0.0.1 (its own event loop in a thread) and
real aiohttp client sessions. The integration is switched on by ``init()`` itself (aiohttp is
imported), never by wrapping anything by hand."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("aiohttp")
import aiohttp
from aiohttp import web

import sentry_lite
from sentry_lite.integrations.aiohttp import AioHttpIntegration

TRACE_ID = "771a43a4192642f0b136d5159a501700"
PARENT_SPAN = "b0e6f15b45c36b12"


class Boom(Exception):
    pass


async def user(request: web.Request) -> web.Response:
    return web.json_response({"user": request.match_info["user_id"]})


async def echo_headers(request: web.Request) -> web.Response:
    wanted = ("sentry-trace", "baggage")
    return web.json_response({name: request.headers.getall(name, []) for name in wanted})


async def broken(request: web.Request) -> web.Response:
    await request.json()  # the body is read: it goes with the event
    sentry_lite.set_tag("in.handler", "yes")
    raise Boom("broken handler")


async def http_error(request: web.Request) -> web.Response:
    code = int(request.match_info["code"])
    raise _HTTP_ERRORS[code]()


_HTTP_ERRORS: dict[int, Any] = {
    404: web.HTTPNotFound,
    500: web.HTTPInternalServerError,
    503: web.HTTPServiceUnavailable,
}


async def returns_503(request: web.Request) -> web.Response:
    return web.Response(status=503, text="busy")


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/users/{user_id}", user)
    app.router.add_get("/echo", echo_headers)
    app.router.add_post("/broken", broken)
    app.router.add_get("/http/{code}", http_error)
    app.router.add_get("/busy", returns_503)
    return app


@contextlib.contextmanager
def serve(app: web.Application | None = None) -> Iterator[str]:
    """The application on a free loopback port, served by its own loop in a thread."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app or make_app(), access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, name="test-aiohttp", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@pytest.fixture
def start() -> Iterator[Any]:
    """``start()`` serves the application (after ``init()``: aiohttp binds its handler when
    the server is set up) and returns its base URL; stopped after the test."""
    with contextlib.ExitStack() as stack:
        yield lambda: stack.enter_context(serve())


async def fetch(url: str, method: str = "GET", **kwargs: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.request(method, url, **kwargs) as resp:
        if resp.content_type == "application/json":
            return resp.status, await resp.json()
        return resp.status, await resp.text()


def get(url: str, **kwargs: Any) -> tuple[int, Any]:
    return asyncio.run(fetch(url, **kwargs))


def server_transactions(transactions: list[Any]) -> list[Any]:
    return [t for t in transactions if t["contexts"]["trace"]["op"] == "http.server"]


# -- the integration is there without asking ------------------------------------------


def test_init_enables_it_because_aiohttp_is_imported(sentry_init: Any) -> None:
    client = sentry_init(traces_sample_rate=1.0)
    assert isinstance(client.integrations.get("aiohttp"), AioHttpIntegration)


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="transaction_style"):
        AioHttpIntegration(transaction_style="url")
    codes = AioHttpIntegration(failed_request_status_codes=[range(400, 402), 503])
    assert codes._failed_request_status_codes == {400, 401, 503}


# -- the server -----------------------------------------------------------------------------


def test_a_transaction_per_request_named_after_the_handler(
    sentry_init: Any, start: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    server = start()
    status, body = get(
        f"{server}/users/42?token=secret&page=2",
        headers={"Authorization": "Bearer xyz", "X-Api-Key": "k"},
    )
    assert (status, body) == (200, {"user": "42"})
    (tx,) = server_transactions(sentry_transactions)
    assert tx["transaction"].endswith("test_aiohttp.user")
    assert tx["transaction_info"] == {"source": "component"}
    trace = tx["contexts"]["trace"]
    assert (trace["op"], trace["origin"], trace["status"]) == (
        "http.server",
        "auto.http.aiohttp",
        "ok",
    )
    assert trace["data"]["http.response.status_code"] == 200
    request = tx["request"]
    assert request["url"] == f"{server}/users/42"
    assert request["method"] == "GET"
    assert request["query_string"] == "token=[Filtered]&page=2"  # the scrubber's rule
    assert request["headers"]["Authorization"] == "[Filtered]"
    assert request["headers"]["X-Api-Key"] == "[Filtered]"
    assert "env" not in request  # the peer's address only with send_default_pii


def test_method_and_path_pattern_names_by_route(
    sentry_init: Any, start: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(
        traces_sample_rate=1.0,
        integrations=[AioHttpIntegration(transaction_style="method_and_path_pattern")],
    )
    server = start()
    get(f"{server}/users/7")
    (tx,) = server_transactions(sentry_transactions)
    assert tx["transaction"] == "GET /users/{user_id}"
    assert tx["transaction_info"] == {"source": "route"}


def test_an_unresolved_request_keeps_the_generic_name(
    sentry_init: Any, start: Any, sentry_transactions: list[Any], sentry_events: list[Any]
) -> None:
    sentry_init(
        traces_sample_rate=1.0,
        integrations=[AioHttpIntegration(transaction_style="method_and_path_pattern")],
    )
    server = start()
    status, _ = get(f"{server}/nowhere")
    assert status == 404
    (tx,) = server_transactions(sentry_transactions)
    assert tx["transaction"] == "generic AIOHTTP request"
    assert tx["contexts"]["trace"]["status"] == "not_found"
    assert sentry_events == []  # 404 is not a failed status by default


def test_an_incoming_trace_is_continued(
    sentry_init: Any, start: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    server = start()
    get(
        f"{server}/users/1",
        headers={
            "sentry-trace": f"{TRACE_ID}-{PARENT_SPAN}-1",
            "baggage": f"sentry-trace_id={TRACE_ID},sentry-sample_rate=1.0",
        },
    )
    (tx,) = server_transactions(sentry_transactions)
    assert tx["contexts"]["trace"]["trace_id"] == TRACE_ID
    assert tx["contexts"]["trace"]["parent_span_id"] == PARENT_SPAN


def test_an_error_is_reported_with_the_request(
    sentry_init: Any, start: Any, sentry_events: list[Any], sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    server = start()
    status, _ = get(f"{server}/broken?x=1", method="POST", json={"item": 3, "password": "hunter2"})
    assert status == 500
    (event,) = sentry_events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "Boom"
    assert exception["mechanism"] == {"type": "aiohttp", "handled": False}
    assert event["tags"]["in.handler"] == "yes"
    assert event["transaction"].endswith("test_aiohttp.broken")
    request = event["request"]
    assert (request["method"], request["url"]) == ("POST", f"{server}/broken")
    assert request["data"] == {"item": 3, "password": "[Filtered]"}
    (tx,) = server_transactions(sentry_transactions)
    assert tx["contexts"]["trace"]["status"] == "internal_error"
    assert event["contexts"]["trace"]["trace_id"] == tx["contexts"]["trace"]["trace_id"]


def test_the_peer_address_only_with_pii(
    sentry_init: Any, start: Any, sentry_events: list[Any]
) -> None:
    sentry_init(send_default_pii=True)
    server = start()
    get(f"{server}/broken", method="POST", json={})
    (event,) = sentry_events
    assert event["request"]["env"] == {"REMOTE_ADDR": "127.0.0.1"}
    assert event["user"]["ip_address"] == "127.0.0.1"


@pytest.mark.parametrize(
    ("codes", "path", "reported"),
    [
        (None, "/http/500", True),
        (None, "/http/404", False),
        (None, "/busy", False),  # a returned response is not an error (as upstream)
        ({404}, "/http/404", True),
        (set(), "/http/503", False),
    ],
)
def test_failed_request_status_codes(
    sentry_init: Any,
    start: Any,
    sentry_events: list[Any],
    codes: Any,
    path: str,
    reported: bool,
) -> None:
    options = {} if codes is None else {"failed_request_status_codes": codes}
    sentry_init(integrations=[AioHttpIntegration(**options)])
    server = start()
    status, _ = get(server + path)
    assert status == (503 if path == "/busy" else int(path[-3:]))
    assert len(sentry_events) == (1 if reported else 0)
    if reported:
        assert sentry_events[0]["exception"]["values"][0]["mechanism"]["type"] == "aiohttp"
        assert sentry_events[0]["request"]["url"] == server + path


# -- the client -------------------------------------------------------------------------


def test_client_span_breadcrumb_and_propagation(
    sentry_init: Any, start: Any, sentry_transactions: list[Any], sentry_events: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    server = start()

    async def main() -> Any:
        with sentry_lite.start_transaction(name="caller", op="task") as tx:
            result = await fetch(f"{server}/echo?q=1#frag")
            sentry_lite.capture_message("after the call")
        return tx, result

    tx, (status, seen) = asyncio.run(main())
    assert status == 200
    (caller,) = [t for t in sentry_transactions if t["transaction"] == "caller"]
    (span,) = [s for s in caller["spans"] if s["op"] == "http.client"]
    assert span["description"] == f"GET {server}/echo"
    assert span["origin"] == "auto.http.aiohttp"
    assert span["status"] == "ok"
    data = span["data"]
    assert data["http.method"] == "GET"
    assert data["url"] == f"{server}/echo"
    assert data["http.query"] == "q=1"
    assert data["http.fragment"] == "frag"
    assert data["http.response.status_code"] == 200
    assert data["reason"] == "OK"
    # the server saw the client span as its parent, and the caller's trace
    assert seen["sentry-trace"] == [f"{tx.trace_id}-{span['span_id']}-1"]
    assert f"sentry-trace_id={tx.trace_id}" in seen["baggage"][0]
    (served,) = server_transactions(sentry_transactions)
    assert served["contexts"]["trace"]["parent_span_id"] == span["span_id"]
    # and a breadcrumb on the next event
    (event,) = sentry_events
    crumb = event["breadcrumbs"]["values"][-1]
    assert (crumb["type"], crumb["category"]) == ("http", "httplib")
    assert crumb["data"]["url"] == f"{server}/echo"
    assert crumb["data"]["http.response.status_code"] == 200


def test_credentials_in_the_url_are_not_reported(
    sentry_init: Any, start: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    server = start()
    with_credentials = server.replace("http://", "http://ann:s3cret@")

    async def main() -> Any:
        with sentry_lite.start_transaction(name="caller"):
            return await fetch(f"{with_credentials}/echo")

    assert asyncio.run(main())[0] == 200
    (caller,) = [t for t in sentry_transactions if t["transaction"] == "caller"]
    (span,) = caller["spans"]
    assert span["data"]["url"] == f"{server}/echo"
    assert "s3cret" not in json.dumps(caller)


def test_no_headers_for_urls_outside_the_targets(sentry_init: Any, start: Any) -> None:
    sentry_init(traces_sample_rate=1.0, trace_propagation_targets=["example.org"])
    server = start()

    async def main() -> Any:
        with sentry_lite.start_transaction(name="caller"):
            return await fetch(f"{server}/echo")

    _, seen = asyncio.run(main())
    assert seen == {"sentry-trace": [], "baggage": []}


def test_the_callers_own_headers_are_kept(sentry_init: Any, start: Any) -> None:
    sentry_init(traces_sample_rate=1.0)
    server = start()
    own_trace = f"{TRACE_ID}-{PARENT_SPAN}-0"

    async def main() -> Any:
        with sentry_lite.start_transaction(name="caller"):
            first = await fetch(
                f"{server}/echo", headers={"sentry-trace": own_trace, "baggage": "vendor=1"}
            )
            second = await fetch(f"{server}/echo", headers={"baggage": "sentry-trace_id=abc"})
            return first[1], second[1]

    first, second = asyncio.run(main())
    assert first["sentry-trace"] == [own_trace]
    (baggage,) = first["baggage"]
    assert baggage.startswith("vendor=1,sentry-trace_id=")
    assert second["baggage"] == ["sentry-trace_id=abc"]


def test_a_failed_request_finishes_its_span(
    sentry_init: Any, sentry_transactions: list[Any], sentry_events: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    with serve() as base:
        pass  # the port is free again: nothing listens there

    async def main() -> None:
        with sentry_lite.start_transaction(name="caller"):
            with pytest.raises(aiohttp.ClientConnectionError):
                await fetch(f"{base}/gone")
            sentry_lite.capture_message("after")

    asyncio.run(main())
    (span,) = sentry_transactions[0]["spans"]
    assert (span["op"], span["status"]) == ("http.client", "internal_error")
    crumb = sentry_events[0]["breadcrumbs"]["values"][-1]
    assert (crumb["category"], crumb["level"]) == ("httplib", "error")


def test_sessions_made_while_off_are_not_instrumented(sentry_init: Any, start: Any) -> None:
    sentry_init(default_integrations=False, traces_sample_rate=1.0)
    server = start()

    async def main() -> Any:
        with sentry_lite.start_transaction(name="caller"):
            return await fetch(f"{server}/echo")

    _, seen = asyncio.run(main())
    assert seen == {"sentry-trace": [], "baggage": []}
