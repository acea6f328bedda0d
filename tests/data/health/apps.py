"""One app, run under either SDK, printing the release-health items it sends.

    python apps.py SDK CASE      SDK: sentry_sdk or sentry_lite

CASE ``flask`` / ``fastapi``: a real server (werkzeug / uvicorn) on 127.0.0.1 gets 100
requests: 96 fine, 3 whose view captures a handled error, 1 whose view raises. CASE
``script-handled`` / ``script-crash``: start_session(), a handled error, then
end_session() or an unhandled error. Every ``session``/``sessions`` item the SDK hands
its transport is printed as ``ITEM <json>``.
"""

from __future__ import annotations

import importlib
import json
import sys
import threading
import urllib.error
import urllib.request
from typing import Any

SDK_NAME, CASE = sys.argv[1], sys.argv[2]
sdk: Any = importlib.import_module(SDK_NAME)
transport_module: Any = importlib.import_module(f"{SDK_NAME}.transport")
PLAN = ["/ok"] * 48 + ["/handled"] * 3 + ["/crash"] + ["/ok"] * 48


class Printing(transport_module.Transport):  # type: ignore[misc]
    def __init__(self, options: Any = None) -> None:
        super().__init__(options)

    def capture_envelope(self, envelope: Any) -> None:
        for item in envelope.items:
            if item.headers.get("type") in ("session", "sessions"):
                line = json.dumps({"type": item.headers["type"], "payload": item.payload.json})
                sys.stdout.write(f"ITEM {line}\n")
                sys.stdout.flush()


def init() -> None:
    sdk.init(dsn="http://key@127.0.0.1:9/1", transport=Printing(), release="health-app@1.0",
             environment="acceptance")


def get(base: str, path: str) -> None:
    try:
        urllib.request.urlopen(base + path, timeout=10).read()
    except urllib.error.HTTPError as exc:
        exc.read()


def flask_case() -> None:
    from flask import Flask
    from werkzeug.serving import ThreadedWSGIServer, make_server

    app = Flask("health")

    @app.route("/ok")
    def ok() -> str:
        return "ok"

    @app.route("/handled")
    def handled() -> str:
        try:
            raise ValueError("handled")
        except ValueError:
            sdk.capture_exception()
        return "handled"

    @app.route("/crash")
    def crash() -> str:
        raise RuntimeError("unhandled")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    assert isinstance(server, ThreadedWSGIServer)
    server.daemon_threads = False  # a graceful stop, as gunicorn's: requests in flight finish
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    for path in PLAN:
        get(base, path)
    server.shutdown()
    server.server_close()  # joins the request threads
    thread.join()


def fastapi_case() -> None:
    import time

    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/ok")
    async def ok() -> str:
        return "ok"

    @app.get("/handled")
    async def handled() -> str:
        try:
            raise ValueError("handled")
        except ValueError:
            sdk.capture_exception()
        return "handled"

    @app.get("/crash")
    async def crash() -> str:
        raise RuntimeError("unhandled")

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    for path in PLAN:
        get(f"http://127.0.0.1:{port}", path)
    server.should_exit = True
    thread.join()


def script_case(crash: bool) -> None:
    sdk.set_user({"id": "user-42"})
    sdk.start_session()
    try:
        raise ValueError("handled")
    except ValueError:
        sdk.capture_exception()
    if crash:
        raise KeyError("the script fails")
    sdk.end_session()


init()
if CASE == "flask":
    flask_case()
elif CASE == "fastapi":
    fastapi_case()
else:
    script_case(CASE == "script-crash")
sdk.flush()
