"""Request sessions through the shared request layer (``_http_request.ServerRequest``):
Django under a real server, and ``auto_session_tracking=False``, reporting to a real
loopback Sentry server. (Flask and FastAPI beside the official SDK: tests/test_sessions.py.)"""

from __future__ import annotations

from typing import Any

import sl_django_urls
from wsgi_helpers import request, serve

import sentry_lite

sl_django_urls.configure()


def outcomes(server: Any) -> dict[str, int]:
    counted: dict[str, int] = {}
    for item in server.items_of("sessions"):
        assert item.payload.json["attrs"] == {"release": "web@1", "environment": "production"}
        for bucket in item.payload.json["aggregates"]:
            for key, value in bucket.items():
                if key != "started":
                    counted[key] = counted.get(key, 0) + value
    return counted


def run_django(server: Any, **options: Any) -> None:
    sentry_lite.init(dsn=server.dsn, release="web@1", **options)
    from django.core.handlers.wsgi import WSGIHandler

    with serve(WSGIHandler()) as base:
        for path, status in [("/fine/", 200)] * 5 + [("/boom/", 500), ("/unavailable/", 503)]:
            assert request(base, path).status == status
    sentry_lite.flush()


def test_django_requests_are_sessions(sentry_server: Any) -> None:
    run_django(sentry_server)
    assert sentry_server.wait_for_items("sessions", 1)
    # the 503 is a failed status without an exception: an exited session, as upstream
    assert outcomes(sentry_server) == {"exited": 6, "crashed": 1}


def test_without_auto_session_tracking_requests_are_not_sessions(sentry_server: Any) -> None:
    run_django(sentry_server, auto_session_tracking=False)
    assert sentry_server.wait_for_events(1)
    assert sentry_server.items_of("sessions") == []
