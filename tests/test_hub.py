"""``Hub``: code written for the 1.x API reports through sentry_lite, as the official 2.x SDK
maps it onto the scopes (each ``Hub(...)``/``Hub.current``/``Hub.main`` warns)."""

from __future__ import annotations

import threading
import warnings
from typing import Any

import pytest

import sentry_lite
from sentry_lite.hub import GLOBAL_HUB, Hub, SentryHubDeprecationWarning
from sentry_lite.integrations import uninstall_all
from sentry_lite.testing import assert_valid_event

DSN = "https://pk@o12.ingest.sentry.io/5"

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(autouse=True)
def _uninstall() -> Any:
    yield
    uninstall_all()


def test_making_or_finding_a_hub_warns() -> None:
    for make in (Hub, lambda: Hub.current, lambda: Hub.main):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            make()
        assert [w.category for w in caught] == [SentryHubDeprecationWarning]
        assert issubclass(caught[0].category, DeprecationWarning)
        assert caught[0].filename == __file__  # points at the caller


def test_1x_style_code_reports_through_hub_current(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    sentry_init(dsn=DSN)
    hub = Hub.current
    assert hub.client is sentry_lite.get_client()
    with hub.configure_scope() as scope:
        scope.set_tag("shop", "eu")
    hub.add_breadcrumb(message="cart loaded", category="app")
    message_id = hub.capture_message("checkout slow", level="warning")
    try:
        raise KeyError("sku")
    except KeyError:
        error_id = hub.capture_exception()
    event_id = hub.capture_event({"message": "custom", "level": "info"})
    assert [e["event_id"] for e in sentry_events] == [message_id, error_id, event_id]
    assert hub.last_event_id() == event_id
    message, error, _ = sentry_events
    for event in sentry_events:
        assert_valid_event(event)
        assert event["tags"] == {"shop": "eu"}
    assert message["level"] == "warning"
    assert [c["message"] for c in message["breadcrumbs"]["values"]] == ["cart loaded"]
    assert error["exception"]["values"][0]["type"] == "KeyError"


def test_hub_of_a_client_binds_it_to_the_global_scope(sentry_events: list[Any]) -> None:
    from sentry_lite.client import Client

    client = Client(dsn=DSN)
    hub = Hub(client)
    assert sentry_lite.get_global_scope().client is client
    assert hub.client is client
    assert Hub().client is client  # a hub without a client leaves the bound one alone
    hub.bind_client(None)
    assert hub.client is None
    assert not sentry_lite.is_initialized()


def test_a_cloned_hub_keeps_its_changes_to_itself(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    sentry_init(dsn=DSN)
    sentry_lite.set_tag("process", "web")
    results: list[str | None] = []

    def worker(hub: Hub) -> None:
        with hub:
            sentry_lite.set_tag("job", "resize")
            results.append(sentry_lite.capture_message("from the thread"))

    clone = Hub(Hub.current)
    thread = threading.Thread(target=worker, args=(clone,))
    thread.start()
    thread.join()
    sentry_lite.capture_message("from the main thread")
    in_thread, in_main = sentry_events
    assert in_thread["event_id"] == results[0]
    assert in_thread["tags"] == {"process": "web", "job": "resize"}
    assert in_main["tags"] == {"process": "web"}


def test_one_hub_entered_by_two_threads_at_once(sentry_init: Any) -> None:
    sentry_init(dsn=DSN)
    shared = Hub(Hub.current)
    both_inside = threading.Barrier(2)
    restored: list[bool] = []
    inside: list[Any] = []
    own: list[Any] = []

    def worker() -> None:
        mine = sentry_lite.get_isolation_scope()
        own.append(mine)
        with shared:
            both_inside.wait(5)
            inside.append(sentry_lite.get_isolation_scope())
            both_inside.wait(5)
        restored.append(sentry_lite.get_isolation_scope() is mine)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert restored == [True, True]  # each thread got its own scope back
    assert inside[0] is inside[1] and inside[0] not in own  # both ran in the hub's scope


def test_with_hub_installs_its_scopes_and_restores_them(sentry_init: Any) -> None:
    sentry_init(dsn=DSN)
    before = (sentry_lite.get_isolation_scope(), sentry_lite.get_current_scope())
    clone = Hub(Hub.current)
    with clone as entered:
        assert entered is clone
        assert Hub.current is clone
        inside = sentry_lite.get_isolation_scope()
        assert clone.scope is inside  # hub.scope: the isolation scope in force
        assert inside is not before[0]
    assert (sentry_lite.get_isolation_scope(), sentry_lite.get_current_scope()) == before
    assert clone.run(sentry_lite.get_isolation_scope) is inside


def test_push_scope_and_configure_scope_callbacks(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    sentry_init(dsn=DSN)
    hub = Hub.current
    hub.configure_scope(lambda scope: scope.set_tag("everywhere", "yes"))
    with hub.push_scope() as scope:
        scope.set_tag("only", "inside")
        hub.capture_message("inside")
    hub.push_scope(lambda scope: scope.set_extra("cb", 1))
    hub.capture_message("outside")
    inside, outside = sentry_events
    assert inside["tags"] == {"everywhere": "yes", "only": "inside"}
    assert outside["tags"] == {"everywhere": "yes"}
    assert "extra" not in outside or "cb" not in outside["extra"]


def test_transactions_and_propagation_through_the_hub(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(dsn=DSN, traces_sample_rate=1.0, release="app@1")
    hub = Hub.current
    with (
        hub.start_transaction(name="job", op="task") as tx,
        hub.start_span(op="db", name="select") as span,
    ):
        assert hub.get_traceparent() == span.to_traceparent()
        headers = dict(hub.iter_trace_propagation_headers())
        assert headers["sentry-trace"] == span.to_traceparent()
        assert "sentry-release=app@1" in (hub.get_baggage() or "")
        meta = hub.trace_propagation_meta()
        assert f'<meta name="sentry-trace" content="{span.to_traceparent()}">' in meta
    (event,) = sentry_transactions
    assert event["transaction"] == "job"
    assert event["contexts"]["trace"]["trace_id"] == tx.trace_id
    assert [s["description"] for s in event["spans"]] == ["select"]


def test_continue_trace_through_the_hub(sentry_init: Any) -> None:
    sentry_init(dsn=DSN, traces_sample_rate=1.0)
    trace_id, parent = "771a43a4192642f0b136d5159a501700", "b0e6f15b45c36b12"
    tx = Hub.current.continue_trace({"sentry-trace": f"{trace_id}-{parent}-1"}, name="incoming")
    assert (tx.trace_id, tx.parent_span_id, tx.parent_sampled) == (trace_id, parent, True)
    assert sentry_lite.get_isolation_scope().propagation_context.trace_id == trace_id


def test_integration_lookup_flush_and_sessions(sentry_init: Any) -> None:
    sentry_init(dsn=DSN)
    hub = Hub.current
    from sentry_lite.integrations.logging import LoggingIntegration

    assert isinstance(hub.get_integration(LoggingIntegration), LoggingIntegration)
    assert hub.get_integration("logging") is hub.get_integration(LoggingIntegration)
    assert hub.get_integration("no-such-thing") is None
    hub.flush(timeout=1.0)
    # sessions are not implemented yet: the calls are accepted and do nothing
    hub.start_session()
    hub.end_session()
    hub.stop_auto_session_tracking()
    hub.resume_auto_session_tracking()


def test_main_is_the_hub_made_at_import() -> None:
    assert Hub.main is GLOBAL_HUB
    assert isinstance(GLOBAL_HUB, Hub)


def test_without_init_the_hub_is_inert() -> None:
    hub = Hub()
    assert hub.client is None
    assert hub.capture_message("nobody listens") is None
    assert hub.last_event_id() is None
