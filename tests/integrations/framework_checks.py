"""Checks every web framework integration's tests share: one request per user at once,
each event carrying only its own scope; personal data only with ``send_default_pii``."""

from __future__ import annotations

from typing import Any, cast

from wsgi_helpers import concurrently, delivered, raw_bytes, request

import sentry_lite

CONCURRENT = 20
TRACE_ID = "5b8efff798038103d269b633813fc60c"
PARENT_SPAN = "eee19b7ec3c1b174"
TRACE_HEADERS = {
    "sentry-trace": f"{TRACE_ID}-{PARENT_SPAN}-1",
    "baggage": f"sentry-trace_id={TRACE_ID},sentry-environment=staging",
}
SECRETS = {
    "Cookie": "session=SESSIONSECRET; theme=COOKIEVALUE",
    "Authorization": "Basic QVVUSFNFQ1JFVA==",
    "X-Forwarded-For": "203.0.113.77",
}
SECRET_BYTES = (b"SESSIONSECRET", b"COOKIEVALUE", b"QVVUSFNFQ1JFVA", b"203.0.113.77",
                b"REMOTE_ADDR", b"ip_address")


def scoped_view_work(user_id: str) -> None:
    """What a view does per request: its own user, tag and breadcrumb."""
    sentry_lite.set_user({"id": user_id})
    sentry_lite.set_tag("request.user", user_id)
    sentry_lite.add_breadcrumb(message=f"crumb {user_id}")


def check_isolation(server: Any, base: str, path: str = "/users/{}") -> None:
    """CONCURRENT requests at once; each error event carries only its own scope."""
    statuses = concurrently(CONCURRENT, lambda i: request(base, path.format(i)).status)
    assert statuses == [500] * CONCURRENT
    delivered(server, events=CONCURRENT)
    seen = set()
    for event in server.events:
        user_id = event["request"]["url"].rstrip("/").rsplit("/", 1)[1]
        assert event["user"] == {"id": user_id}
        assert event["tags"]["request.user"] == user_id
        crumbs = [c.get("message") or "" for c in event["breadcrumbs"]["values"]]
        assert [c for c in crumbs if c.startswith("crumb ")] == [f"crumb {user_id}"]
        assert event["exception"]["values"][-1]["value"] == f"failed for {user_id}"
        seen.add(user_id)
    assert seen == {str(i) for i in range(CONCURRENT)}


def check_trace_continued(server: Any, origin: str, name: str, source: str) -> dict[str, Any]:
    """The one transaction is in the incoming trace; returns it."""
    delivered(server, transactions=1)
    (tx,) = server.transactions
    trace = tx["contexts"]["trace"]
    assert (trace["trace_id"], trace["parent_span_id"]) == (TRACE_ID, PARENT_SPAN)
    assert (trace["op"], trace["origin"], trace["status"]) == ("http.server", origin, "ok")
    assert (tx["transaction"], tx["transaction_info"]) == (name, {"source": source})
    assert trace["data"]["http.response.status_code"] == 200
    (envelope,) = [e for e in server.envelopes if any(i.type == "transaction" for i in e.items)]
    headers = envelope.headers["trace"]
    assert (headers["trace_id"], headers.get("environment")) == (TRACE_ID, "staging")
    return cast("dict[str, Any]", tx)


def check_no_pii(server: Any, marker: bytes) -> None:
    """Nothing personal reached the server (the error and the transaction were sent)."""
    delivered(server, events=1, transactions=1)
    received = raw_bytes(server)
    assert marker in received
    for secret in SECRET_BYTES:
        assert secret not in received, secret
    for event in (server.events[0], server.transactions[0]):
        assert "user" not in event
        assert "cookies" not in event["request"]


def check_pii(server: Any) -> dict[str, Any]:
    """With send_default_pii: cookies (the session one filtered) and the client's address."""
    delivered(server, events=1)
    (event,) = server.events
    assert event["request"]["cookies"] == {"session": "[Filtered]", "theme": "COOKIEVALUE"}
    assert event["user"]["ip_address"] == "203.0.113.77"
    return cast("dict[str, Any]", event)
