"""The parts of ``Scope`` and ``sentry_lite.scope`` that exist for code written for
``sentry_sdk``: ``ScopeType``, ``should_send_default_pii``, meta tags, flags, attributes,
processors run by hand, the session hooks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest

import sentry_lite
from sentry_lite import scope as scope_module
from sentry_lite.scope import (
    Scope,
    add_global_event_processor,
    global_event_processors,
    remove_global_event_processor,
    should_send_default_pii,
)

if TYPE_CHECKING:
    from sentry_lite.types import Event

DSN = "https://pk@o12.ingest.sentry.io/5"


def test_scope_type_and_a_scope_made_with_it() -> None:
    scope_type = scope_module.ScopeType
    assert [t.value for t in scope_type] == ["current", "isolation", "global", "merged"]
    assert scope_module.ScopeType is scope_type  # one class
    assert "isolation" in repr(Scope(ty=scope_type.ISOLATION))
    assert "current" in repr(Scope(ty="current"))


def test_should_send_default_pii_follows_the_client(sentry_init: Any) -> None:
    assert should_send_default_pii() is False
    sentry_init(dsn=DSN, send_default_pii=True)
    assert should_send_default_pii() is True


def test_global_event_processors_is_the_live_list(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    def processor(event: Any, hint: Any) -> Any:
        event.setdefault("tags", {})["seen"] = "yes"
        return event

    sentry_init(dsn=DSN)
    add_global_event_processor(processor=processor)
    try:
        assert processor in global_event_processors
        sentry_lite.capture_message("x")
    finally:
        remove_global_event_processor(processor)
    assert processor not in global_event_processors
    assert sentry_events[0]["tags"] == {"seen": "yes"}


def test_trace_propagation_meta_and_iter_headers(sentry_init: Any) -> None:
    sentry_init(dsn=DSN, release="a&b")
    scope = sentry_lite.get_current_scope()
    meta = scope.trace_propagation_meta()
    traceparent = scope.get_traceparent()
    assert meta.startswith(f'<meta name="sentry-trace" content="{traceparent}">')
    assert '<meta name="baggage" content="' in meta and "sentry-release=a%26b" in meta
    isolation = sentry_lite.get_isolation_scope()
    isolation.set_new_propagation_context()
    assert dict(isolation.iter_headers())["sentry-trace"].startswith(
        isolation.propagation_context.trace_id)


def test_feature_flags_reach_events_and_stay_per_scope(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    sentry_init(dsn=DSN)
    isolation = sentry_lite.get_isolation_scope()
    isolation.flags.set("new-checkout", True)
    with sentry_lite.isolation_scope() as forked:
        forked.flags.set("beta", False)
        forked.flags.set("new-checkout", False)
        sentry_lite.capture_message("inside")
    sentry_lite.capture_message("outside")
    inside, outside = sentry_events
    assert inside["contexts"]["flags"] == {"values": [{"flag": "beta", "result": False},
                                                      {"flag": "new-checkout", "result": False}]}
    assert outside["contexts"]["flags"] == {"values": [{"flag": "new-checkout", "result": True}]}
    for index in range(150):
        isolation.flags.set(f"f{index}", True)
    values = isolation.flags.get()
    assert len(values) == 100 and values[-1] == {"flag": "f149", "result": True}


def test_attributes_apply_to_telemetry_and_forks_keep_their_own(sentry_init: Any) -> None:
    sentry_init(dsn=DSN, release="r1")
    isolation = sentry_lite.get_isolation_scope()
    sentry_lite.set_attribute("tenant", "acme")
    sentry_lite.set_attributes({"plan": "pro", "gone": 1})
    sentry_lite.remove_attribute("gone")
    isolation.set_user({"id": "u1", "email": "a@b.c"})
    with sentry_lite.isolation_scope() as forked:
        forked.set_attribute("tenant", "other")
        inner: dict[str, Any] = {"attributes": {"plan": "given"}}
        forked.apply_to_telemetry(inner)
    outer: dict[str, Any] = {}
    isolation.apply_to_telemetry(outer)
    assert inner["attributes"] == {"plan": "given", "tenant": "other", "user.id": "u1",
                                   "user.email": "a@b.c"}
    assert outer["attributes"]["tenant"] == "acme"
    assert outer["trace_id"] == isolation.get_trace_context()["trace_id"]
    isolation.set_global_attributes()
    assert {"sentry.sdk.name", "sentry.release"} <= isolation._compat["attributes"].keys()


def test_run_event_and_error_processors_by_hand(sentry_init: Any) -> None:
    sentry_init(dsn=DSN)
    scope = sentry_lite.get_current_scope()
    scope.add_event_processor(lambda event, hint: cast("Event", {**event, "seen": True}))
    sentry_lite.get_isolation_scope().add_error_processor(
        lambda event, exc_info: None, ValueError)
    processed = scope.run_event_processors({"message": "m"}, {})
    assert processed is not None and cast("dict[str, Any]", processed)["seen"] is True
    try:
        raise ValueError("x")
    except ValueError as exc:
        exc_info = (type(exc), exc, exc.__traceback__)
    assert scope.run_error_processors({"message": "m"}, {"exc_info": exc_info}) is None
    assert scope.run_error_processors({"message": "m"}, {}) == {"message": "m"}


def test_set_current_and_isolation_scope() -> None:
    mine, isolated = Scope(), Scope()
    with sentry_lite.new_scope():
        Scope.set_current_scope(mine)
        Scope.set_isolation_scope(isolated)
        assert sentry_lite.get_current_scope() is mine
        assert sentry_lite.get_isolation_scope() is isolated


def test_use_isolation_scope_takes_the_official_keyword() -> None:
    isolated = Scope()
    with sentry_lite.use_isolation_scope(isolation_scope=isolated):
        assert sentry_lite.get_isolation_scope() is isolated


def test_conversation_id_profile_and_streamed_span() -> None:
    scope = Scope()
    scope.set_conversation_id("c1")
    forked = scope.fork()
    forked.remove_conversation_id()
    assert (scope.get_conversation_id(), forked.get_conversation_id()) == ("c1", None)
    assert scope.profile is None and scope.streamed_span is None
    with pytest.raises(NotImplementedError, match="span streaming"):
        scope.start_streamed_span("work")


def test_custom_sampling_context_reaches_the_propagation_context() -> None:
    Scope.set_custom_sampling_context({"tenant": "acme"})
    context = sentry_lite.get_current_scope().get_active_propagation_context()
    assert context.custom_sampling_context == {"tenant": "acme"}


def test_external_propagation_context_registry() -> None:
    assert not scope_module.has_external_propagation_context()
    scope_module.register_external_propagation_context(lambda: ("a" * 32, "b" * 16))
    try:
        assert scope_module.get_external_propagation_context() == ("a" * 32, "b" * 16)
    finally:
        scope_module.remove_external_propagation_context()
    assert scope_module.get_external_propagation_context() is None


def test_update_from_kwargs_takes_attributes() -> None:
    scope = Scope()
    scope.update_from_kwargs(tags={"a": "1"}, attributes={"tenant": "acme"})
    telemetry: dict[str, Any] = {}
    scope.apply_to_telemetry(telemetry)
    assert telemetry["attributes"]["tenant"] == "acme"
