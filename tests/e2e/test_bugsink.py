"""sentry_lite against a real server: what Bugsink stored is what the application set.

Every test sends through ``sentry_lite.init(dsn=...)`` (the default HTTP transport, gzip, the
worker thread) to the session's Bugsink and reads the result back from Bugsink's own database:
the JSON it kept and what it derived from it (issue title, indexed tags).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from bugsink_server import Bugsink, StoredEvent

import sentry_lite
from sentry_lite.envelope import Envelope

# The first test also waits for Bugsink's one-time install (about 15 s; more on a slow mirror).
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]


def _child_env(**extra: str) -> dict[str, str]:
    """This environment without SENTRY_* settings; sentry_lite importable from the work tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env | extra


def _send(dsn: str, **options: Any) -> None:
    sentry_lite.init(dsn=dsn, release="e2e@1.0", environment="e2e", **options)


def _flush() -> None:
    sentry_lite.flush(timeout=10)


def _crumbs(event: StoredEvent) -> list[dict[str, Any]]:
    crumbs = event.get("breadcrumbs") or {}
    return list(crumbs["values"] if isinstance(crumbs, dict) else crumbs)


def _message(event: StoredEvent) -> str:
    return str((event.get("logentry") or {}).get("formatted") or event.get("message"))


def test_message_arrives_with_user_tags_contexts_extra_and_breadcrumbs(
    bugsink: Bugsink, bugsink_dsn: str
) -> None:
    _send(bugsink_dsn)
    sentry_lite.set_user({"id": "u-17", "email": "ada@example.com", "username": "ada"})
    sentry_lite.set_tag("region", "eu-west")
    sentry_lite.set_tags({"plan": "pro", "shard": 7})
    sentry_lite.set_context("cart", {"items": 3, "total": 114.5, "currency": "EUR"})
    sentry_lite.set_extra("attempt", 2)
    sentry_lite.add_breadcrumb(category="auth", message="user logged in", level="info")
    sentry_lite.add_breadcrumb(category="cart", message="added SKU-9", data={"sku": "SKU-9"})

    event_id = sentry_lite.capture_message("checkout slow for ada", level="warning")
    _flush()

    assert event_id is not None
    stored = bugsink.event(event_id)
    assert _message(stored) == "checkout slow for ada"
    assert stored.title.endswith("checkout slow for ada")
    assert stored["level"] == "warning"
    assert stored["user"] == {"id": "u-17", "email": "ada@example.com", "username": "ada"}
    # Sent as set (the official SDK keeps 7 a number too); Bugsink indexes every value as text.
    assert {key: str(value) for key, value in stored["tags"].items()} == {
        "region": "eu-west",
        "plan": "pro",
        "shard": "7",
    }
    assert {"region": "eu-west", "plan": "pro", "shard": "7"}.items() <= stored.tags.items()
    assert stored["contexts"]["cart"] == {"items": 3, "total": 114.5, "currency": "EUR"}
    assert {"runtime", "trace"} <= set(stored["contexts"])
    assert len(stored["contexts"]["trace"]["trace_id"]) == 32
    assert stored["extra"]["attempt"] == 2
    crumbs = _crumbs(stored)
    assert [(c["category"], c["message"]) for c in crumbs] == [
        ("auth", "user logged in"),
        ("cart", "added SKU-9"),
    ]
    assert crumbs[1]["data"] == {"sku": "SKU-9"}
    assert all("timestamp" in crumb for crumb in crumbs)
    assert stored["release"] == "e2e@1.0"
    assert stored["environment"] == "e2e"
    assert stored["platform"] == "python"
    assert stored["sdk"]["name"] == "sentry.python.lite"
    assert stored["sdk"]["version"] == sentry_lite.VERSION


def test_non_ascii_text_arrives_intact(bugsink: Bugsink, bugsink_dsn: str) -> None:
    _send(bugsink_dsn)
    sentry_lite.set_user({"id": "u-ü", "username": "Jürgen Müller"})
    sentry_lite.set_tag("city", "Zürich")
    sentry_lite.add_breadcrumb(message="注文を受け付けました ✓")
    try:
        raise ValueError("Zahlung für Bestellung №42 fehlgeschlagen: 残高不足 🙁")
    except ValueError:
        event_id = sentry_lite.capture_exception()
    _flush()

    assert event_id is not None
    stored = bugsink.event(event_id)
    assert stored.title == "ValueError: Zahlung für Bestellung №42 fehlgeschlagen: 残高不足 🙁"
    assert stored["user"] == {"id": "u-ü", "username": "Jürgen Müller"}
    assert stored.tags["city"] == "Zürich"
    assert [crumb["message"] for crumb in _crumbs(stored)] == ["注文を受け付けました ✓"]


def _load_profile(user_id: str) -> dict[str, str]:
    profiles = {"u-1": {"name": "ada"}}
    retries = 3
    return profiles[user_id] | {"retries": str(retries)}  # raises KeyError for unknown users


def _handle_request(user_id: str) -> dict[str, str]:
    request_path = f"/users/{user_id}"
    assert request_path
    return _load_profile(user_id)


def test_exception_arrives_with_frames_source_and_locals(
    bugsink: Bugsink, bugsink_dsn: str
) -> None:
    _send(bugsink_dsn)
    sentry_lite.set_tag("endpoint", "profile")
    try:
        _handle_request("u-404")
    except KeyError as exc:
        event_id = sentry_lite.capture_exception(exc)
    _flush()

    assert event_id is not None
    stored = bugsink.event(event_id)
    assert stored.title == "KeyError: 'u-404'"
    assert stored.tags["endpoint"] == "profile"
    (value,) = stored["exception"]["values"]
    assert value["type"] == "KeyError"
    assert value["value"] == "'u-404'"
    assert value["mechanism"]["handled"] is True
    frames = value["stacktrace"]["frames"]
    assert [frame["function"] for frame in frames] == [
        "test_exception_arrives_with_frames_source_and_locals",
        "_handle_request",
        "_load_profile",
    ]
    innermost = frames[-1]
    assert innermost["abs_path"] == __file__
    assert innermost["filename"].endswith("test_bugsink.py")
    assert innermost["lineno"] == _load_profile.__code__.co_firstlineno + 3
    assert "raises KeyError for unknown users" in innermost["context_line"]
    assert innermost["vars"]["user_id"] == "'u-404'"
    assert innermost["vars"]["retries"] == "3"
    assert frames[1]["vars"]["request_path"] == "'/users/u-404'"


def test_frames_carry_five_lines_of_source_around_the_line(
    bugsink: Bugsink, bugsink_dsn: str
) -> None:
    _send(bugsink_dsn)
    try:
        _load_profile("u-404")
    except KeyError:
        event_id = sentry_lite.capture_exception()
    _flush()

    assert event_id is not None
    frame = bugsink.event(event_id)["exception"]["values"][0]["stacktrace"]["frames"][-1]
    first = _load_profile.__code__.co_firstlineno
    source = Path(__file__).read_text().splitlines()
    assert frame["pre_context"] == source[first - 3 : first + 2]
    assert frame["context_line"] == source[first + 2]
    assert frame["post_context"] == source[first + 3 : first + 8]


class CheckoutFailed(Exception):
    pass


def _charge() -> None:
    raise ConnectionError("payment gateway unreachable")


def _checkout() -> None:
    try:
        _charge()
    except ConnectionError as exc:
        raise CheckoutFailed("order A-7 not placed") from exc


def test_chained_exception_arrives_oldest_first(bugsink: Bugsink, bugsink_dsn: str) -> None:
    _send(bugsink_dsn)
    try:
        _checkout()
    except CheckoutFailed:
        event_id = sentry_lite.capture_exception()
    _flush()

    assert event_id is not None
    stored = bugsink.event(event_id)
    assert stored.title == "CheckoutFailed: order A-7 not placed"
    cause, error = stored["exception"]["values"]
    assert (cause["type"], cause["value"]) == ("ConnectionError", "payment gateway unreachable")
    assert (error["type"], error["value"]) == ("CheckoutFailed", "order A-7 not placed")
    assert error["module"] == __name__
    assert cause["stacktrace"]["frames"][-1]["function"] == "_charge"
    assert error["stacktrace"]["frames"][-1]["function"] == "_checkout"


def test_isolation_scopes_keep_each_event_to_its_own_data(
    bugsink: Bugsink, bugsink_dsn: str
) -> None:
    _send(bugsink_dsn)
    sentry_lite.set_tag("service", "billing")
    event_ids = {}

    def work(customer: str) -> None:
        with sentry_lite.isolation_scope():
            sentry_lite.set_user({"id": customer})
            sentry_lite.set_tag("customer", customer)
            sentry_lite.add_breadcrumb(message=f"invoice for {customer}")
            event_ids[customer] = sentry_lite.capture_message(f"invoice failed for {customer}")

    with sentry_lite.isolation_scope():
        threads = [threading.Thread(target=work, args=(f"c-{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    work("c-main")
    _flush()

    for customer, event_id in event_ids.items():
        assert event_id is not None
        stored = bugsink.event(event_id)
        assert _message(stored) == f"invoice failed for {customer}"
        assert stored["user"] == {"id": customer}
        assert stored["tags"]["customer"] == customer
        assert [crumb["message"] for crumb in _crumbs(stored)] == [f"invoice for {customer}"]
    # Threads start with fresh scopes; the main thread's tag reaches only its own event.
    main_id = event_ids["c-main"]
    assert main_id is not None
    assert bugsink.event(main_id)["tags"]["service"] == "billing"


def test_a_burst_of_events_all_arrive_once(bugsink: Bugsink, bugsink_dsn: str) -> None:
    _send(bugsink_dsn)
    sent = [sentry_lite.capture_message(f"burst {n}", tags={"burst": "yes"}) for n in range(30)]
    _flush()

    stored_ids = [event.get("event_id") for event in bugsink.events()]
    for event_id in sent:
        assert event_id is not None
        assert stored_ids.count(event_id) == 1


def test_logged_errors_arrive_with_earlier_records_as_breadcrumbs(
    bugsink: Bugsink, bugsink_dsn: str
) -> None:
    _send(bugsink_dsn)
    log = logging.getLogger("shop.e2e")
    log.setLevel(logging.INFO)
    log.info("cart %s has %d items", "C-9", 3)
    log.error("stock service answered %d for %s", 503, "SKU-1")
    try:
        dict[str, int]()["SKU-404"]
    except KeyError:
        log.exception("lookup failed for %s", "SKU-404")
    _flush()

    logged = [
        event for event in bugsink.events() if event.get("logger") == "shop.e2e"
    ]
    assert [event["level"] for event in logged] == ["error", "error"]
    message, exception = logged
    assert message["logentry"]["message"] == "stock service answered %d for %s"
    assert "stock service answered 503 for SKU-1" in message.title
    crumbs = _crumbs(message)
    assert crumbs[-1]["category"] == "shop.e2e"
    assert crumbs[-1]["message"] == "cart C-9 has 3 items"
    assert exception.title == "KeyError: 'SKU-404'"
    assert exception["exception"]["values"][-1]["stacktrace"]["frames"][-1]["function"] == (
        "test_logged_errors_arrive_with_earlier_records_as_breadcrumbs"
    )


def test_transactions_are_held_back_once_bugsink_refuses_them(
    bugsink: Bugsink, bugsink_dsn: str
) -> None:
    # Bugsink answers every envelope with "X-Sentry-Rate-Limits: 86400:transaction;span:...".
    already = len(bugsink.envelopes())
    _send(bugsink_dsn, traces_sample_rate=1.0)
    event_id = sentry_lite.capture_message("first contact: the server states its limits")
    _flush()
    with (
        sentry_lite.start_transaction(name="e2e-held-back", op="task"),
        sentry_lite.start_span(op="db.query"),
    ):
        pass
    _flush()

    received = [Envelope.deserialize(raw) for raw in bugsink.envelopes()[already:]]
    items = [item for envelope in received for item in envelope.items]
    events = [item.get_event() for item in items if item.type == "event"]
    assert [event["event_id"] if event else None for event in events] == [event_id]
    assert not [item for item in items if item.type == "transaction"]
    discarded = [
        (entry["reason"], entry["category"], entry["quantity"])
        for item in items
        if item.type == "client_report"
        for entry in item.payload.json["discarded_events"]
    ]
    assert ("ratelimit_backoff", "transaction", 1) in discarded


CHILD = """
import sys
import sentry_lite

sentry_lite.init(dsn=sys.argv[1], release="e2e-child@1.0")
sentry_lite.set_tag("process", "child")
print(sentry_lite.capture_message("sent from a child that never flushes"))
try:
    {}["missing"]
except KeyError:
    print(sentry_lite.capture_exception())
"""


def test_events_of_a_process_that_exits_without_flush_arrive(
    bugsink: Bugsink, bugsink_dsn: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, bugsink_dsn],
        env=_child_env(), capture_output=True, text=True, timeout=60, check=True,
    )
    message_id, error_id = done.stdout.split()

    message = bugsink.event(message_id)
    assert _message(message) == "sent from a child that never flushes"
    assert message["tags"]["process"] == "child"
    error = bugsink.event(error_id)
    assert error.title == "KeyError: 'missing'"
    assert error["release"] == "e2e-child@1.0"


def test_the_demo_application_reports_its_errors(bugsink: Bugsink, bugsink_dsn: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "demo" / "app.py")],
        env=_child_env(SENTRY_DSN=bugsink_dsn),
        capture_output=True, text=True, timeout=60, check=True,
    )

    events = [event for event in bugsink.events() if event.get("release") == "shop-orders@1.4.2"]
    titles = [event.title for event in events]
    assert "PaymentDeclined: card declined: insufficient_funds (amount 249.00 EUR)" in titles
    assert "OrderFailed: order A-1003 names an unknown product" in titles
    assert sum("Stock low for" in title for title in titles) == 2
    assert any("Shipping label service answered 503" in title for title in titles)
    declined = next(event for event in events if event.title.startswith("PaymentDeclined"))
    assert declined["user"] == {"id": "cust-23", "email": "grace@example.com"}
    assert declined["tags"] == {"job": "nightly-orders", "order_id": "A-1002"}
    assert declined["contexts"]["order"] == {"id": "A-1002", "lines": {"SKU-MONITOR": 1}}
    failed = next(event for event in events if event.title.startswith("OrderFailed"))
    assert [value["type"] for value in failed["exception"]["values"]] == ["KeyError", "OrderFailed"]
