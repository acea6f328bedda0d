"""Per-request cost of the next tier of web frameworks, in-process (``web_tier.py``).

For each framework (Tornado, Sanic, Quart, Falcon, Pyramid, Bottle, Litestar) and each SDK
(none, sentry_sdk, sentry_lite), a fresh interpreter initialises the SDK as the framework
benchmark's apps do (``apps/bench_sdk.py``: ``traces_sample_rate=1.0``, default
integrations, each SDK switching its own framework integration on) with a no-op transport,
builds a one-route app (``GET /items/<id>``: a tag, a breadcrumb, a small JSON document)
and serves ``GET /items/42`` in-process: a WSGI environ (Falcon, Pyramid, Bottle), an ASGI
scope on one event loop (Quart, Litestar, Sanic in ASGI mode, after its lifespan startup),
or, for Tornado, its own HTTP server and client on one loop. Counted: Python calls per
request in the serving thread (``sys.setprofile``, 50 requests after 20 warm-up ones) and
the mean time per request over 200 (informative only: the machine is shared). The
transaction each request makes is dropped by the no-op transport: this is the request
thread's share, not delivery's. ``--only NAME`` runs one framework.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FRAMEWORKS = ("tornado", "sanic", "quart", "falcon", "pyramid", "bottle", "litestar")
SDKS = ("none", "sentry_sdk", "sentry_lite")
MARKER = "BENCH-RESULT "

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


# -- the apps (built after the SDK's init(), as an application would) ---------------------


def falcon_app(sdk: Any, payload: Any) -> Any:
    import falcon

    class Item:
        def on_get(self, req: Any, resp: Any, item_id: int) -> None:
            resp.media = payload(sdk, item_id)

    app = falcon.App()
    app.add_route("/items/{item_id:int}", Item())
    return app


def pyramid_app(sdk: Any, payload: Any) -> Any:
    from pyramid.config import Configurator

    def item(request: Any) -> Any:
        return payload(sdk, int(request.matchdict["item_id"]))

    with Configurator() as config:
        config.add_route("item", "/items/{item_id}")
        config.add_view(item, route_name="item", renderer="json")
        return config.make_wsgi_app()


def bottle_app(sdk: Any, payload: Any) -> Any:
    import bottle

    app = bottle.Bottle()
    app.route("/items/<item_id:int>", callback=lambda item_id: payload(sdk, item_id))
    return app


def quart_app(sdk: Any, payload: Any) -> Any:
    import quart

    app = quart.Quart("bench_quart")

    @app.route("/items/<int:item_id>")
    async def item(item_id: int) -> Any:
        return payload(sdk, item_id)

    return app


def litestar_app(sdk: Any, payload: Any) -> Any:
    from litestar import Litestar, get

    @get("/items/{item_id:int}")
    async def item(item_id: int) -> dict[str, Any]:
        return dict(payload(sdk, item_id))

    return Litestar(route_handlers=[item])


def sanic_app(sdk: Any, payload: Any) -> Any:
    from sanic import Sanic
    from sanic.response import json as json_response

    app = Sanic("bench_sanic")

    @app.get("/items/<item_id:int>")
    async def item(request: Any, item_id: int) -> Any:
        return json_response(payload(sdk, item_id))

    return app


# -- one request, in-process ----------------------------------------------------------------


async def _lifespan_startup(app: Any) -> None:
    import asyncio

    started = asyncio.get_running_loop().create_future()
    messages = [{"type": "lifespan.startup"}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # shutdown never comes
        return {}

    async def send(message: dict[str, Any]) -> None:
        if message["type"].startswith("lifespan.startup") and not started.done():
            started.set_result(message["type"])

    asyncio.get_running_loop().create_task(app({"type": "lifespan"}, receive, send))
    assert await started == "lifespan.startup.complete"


def action_for(framework: str, app: Any) -> Any:
    sys.path.insert(0, HERE)
    from _frameworks import asgi_request, wsgi_request

    if framework in ("falcon", "pyramid", "bottle"):
        return lambda: wsgi_request(app)
    import asyncio

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    if framework == "sanic":
        loop.run_until_complete(_lifespan_startup(app))
    return lambda: loop.run_until_complete(asgi_request(app))


def tornado_action(sdk: Any, payload: Any) -> Any:
    import asyncio

    import tornado.httpclient
    import tornado.netutil
    import tornado.web

    class Item(tornado.web.RequestHandler):
        def get(self, item_id: str) -> None:
            self.write(payload(sdk, int(item_id)))

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
    url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}/items/42"

    async def start() -> Any:
        server = tornado.web.Application([(r"/items/(\d+)", Item)])
        from tornado.httpserver import HTTPServer

        HTTPServer(server).add_sockets(sockets)
        return tornado.httpclient.AsyncHTTPClient()

    client = loop.run_until_complete(start())
    return lambda: loop.run_until_complete(client.fetch(url)).code


def child(framework: str, sdk_name: str) -> dict[str, Any]:
    os.environ.update(BENCH_SDK=sdk_name, BENCH_DSN="http://benchkey@127.0.0.1:9/1",
                      BENCH_TRANSPORT="noop")
    sys.path[:0] = [os.path.join(HERE, "apps"), HERE]
    from _child import count_calls
    from bench_sdk import load, payload

    sdk = load()
    if framework == "tornado":
        action = tornado_action(sdk, payload)
    else:
        action = action_for(framework, globals()[f"{framework}_app"](sdk, payload))
    statuses = {action() for _ in range(20)}
    calls = count_calls(action, 50)
    start = time.perf_counter()
    for _ in range(200):
        action()
    elapsed = time.perf_counter() - start
    integrations = []
    if sdk_name != "none":
        integrations = sorted(sdk.get_client().integrations)
    return {"statuses": sorted(statuses), "py_calls": calls["py_calls"],
            "us": elapsed / 200 * 1e6, "integrated": framework in integrations}


# -- the parent: one fresh interpreter per framework and SDK ------------------------------


def run_one(framework: str, sdk: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", framework, sdk],
        capture_output=True, text=True, timeout=300, check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith(MARKER):
            result: dict[str, Any] = json.loads(line[len(MARKER):])
            return result
    raise RuntimeError(f"{framework}/{sdk} failed:\n{proc.stderr[-3000:]}")


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        print(MARKER + json.dumps(child(argv[1], argv[2])), flush=True)
        return
    names = [argv[1]] if argv[:1] == ["--only"] else list(FRAMEWORKS)
    print("| framework | py calls per request, no SDK | added: sentry_lite / sentry_sdk "
          "| ratio | us per request: none / sentry_lite / sentry_sdk | statuses |")
    print("|---|---|---|---|---|---|")
    for name in names:
        runs = {sdk: run_one(name, sdk) for sdk in SDKS}
        assert runs["sentry_lite"]["integrated"] and runs["sentry_sdk"]["integrated"], runs
        base = runs["none"]["py_calls"]
        lite = runs["sentry_lite"]["py_calls"] - base
        official = runs["sentry_sdk"]["py_calls"] - base
        times = " / ".join(f"{runs[s]['us']:,.0f}" for s in ("none", "sentry_lite", "sentry_sdk"))
        statuses = sorted({s for r in runs.values() for s in r["statuses"]})
        print(f"| {name} | {base:,.0f} | {lite:,.0f} / {official:,.0f} | {lite / official:.2f} "
              f"| {times} | {statuses} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
