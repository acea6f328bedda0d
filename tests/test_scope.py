"""Scopes: precedence, forking, context managers, isolation across threads and tasks."""

from __future__ import annotations

import asyncio
import threading
import warnings
from typing import TYPE_CHECKING, Any, cast

import pytest

import sentry_lite
from sentry_lite import scope as scope_module
from sentry_lite.scope import Scope

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from typing import TypeAlias

    from sentry_lite.types import Event, ExcInfo

    Block: TypeAlias = AbstractContextManager[Scope]


def test_setters_write_the_isolation_scope_and_captures_read_all_three(
    sentry_events: list[Any],
) -> None:
    sentry_lite.get_global_scope().set_tag("where", "global")
    sentry_lite.set_tag("where", "isolation")
    sentry_lite.get_current_scope().set_tag("only_current", "yes")

    assert sentry_lite.get_isolation_scope()._tags == {"where": "isolation"}
    sentry_lite.capture_message("m")
    assert sentry_events[0]["tags"] == {"where": "isolation", "only_current": "yes"}


def test_precedence_current_over_isolation_over_global_then_explicit(
    sentry_events: list[Any],
) -> None:
    g, i, c = (
        sentry_lite.get_global_scope(),
        sentry_lite.get_isolation_scope(),
        sentry_lite.get_current_scope(),
    )
    for scope, name in ((g, "global"), (i, "isolation"), (c, "current")):
        scope.set_tag("shared", name)
        scope.set_tag(name, name)
        scope.set_extra("shared", name)
        scope.set_context("ctx", {"from": name})
        scope.set_user({"id": name})
        scope.set_level("warning" if name != "current" else "fatal")
        scope.fingerprint = [name]
    sentry_lite.capture_message("plain")
    event = sentry_events[-1]
    assert event["tags"] == {
        "shared": "current",
        "global": "global",
        "isolation": "isolation",
        "current": "current",
    }
    assert event["extra"]["shared"] == "current"
    assert event["contexts"]["ctx"] == {"from": "current"}
    assert event["user"] == {"id": "current"}
    assert event["level"] == "fatal"
    assert event["fingerprint"] == ["current"]

    explicit = Scope()
    explicit.set_tag("shared", "explicit")
    sentry_lite.capture_message("explicit scope", scope=explicit)
    assert sentry_events[-1]["tags"]["shared"] == "explicit"
    assert sentry_events[-1]["tags"]["current"] == "current"

    sentry_lite.capture_event(
        {"message": "kwargs"},
        tags={"shared": "kwargs"},
        extras={"shared": "kwargs"},
        user={"id": "kwargs"},
        level="debug",
        contexts={"ctx": {"from": "kwargs"}},
        fingerprint=["kwargs"],
    )
    event = sentry_events[-1]
    assert event["tags"]["shared"] == "kwargs"
    assert event["extra"]["shared"] == "kwargs"
    assert event["user"] == {"id": "kwargs"}
    assert event["level"] == "debug"
    assert event["contexts"]["ctx"] == {"from": "kwargs"}
    assert event["fingerprint"] == ["kwargs"]
    # the explicit data applied to that one event only
    sentry_lite.capture_message("after")
    assert sentry_events[-1]["tags"]["shared"] == "current"
    # As in the official SDK, a level set on a scope wins over capture_message's level.
    sentry_lite.capture_message("message level", level="debug")
    assert sentry_events[-1]["level"] == "fatal"


def test_scope_callback_form_of_scope_argument(sentry_events: list[Any]) -> None:
    sentry_lite.capture_message("cb", scope=lambda s: s.set_tag("from_callback", 1))
    assert sentry_events[0]["tags"]["from_callback"] == 1


def test_capture_on_a_scope_object_uses_that_scope(sentry_events: list[Any]) -> None:
    sentry_lite.set_tag("iso", "1")
    detached = Scope()
    detached.set_tag("detached", "1")
    detached.capture_message("from a detached scope")
    assert sentry_events[0]["tags"] == {"iso": "1", "detached": "1"}


def test_new_scope_undoes_everything_on_exit_nested_too(sentry_events: list[Any]) -> None:
    sentry_lite.get_current_scope().set_tag("outer", "1")
    outer = sentry_lite.get_current_scope()
    with sentry_lite.new_scope() as first:
        assert first is sentry_lite.get_current_scope() and first is not outer
        first.set_tag("first", "1")
        first.add_event_processor(lambda e, h: e)
        with sentry_lite.new_scope() as second:
            second.set_tag("second", "1")
            second.set_user({"id": "inner"})
            sentry_lite.capture_message("inner")
        assert sentry_lite.get_current_scope() is first
        assert "second" not in first._tags
        sentry_lite.capture_message("middle")
    assert sentry_lite.get_current_scope() is outer
    assert outer._tags == {"outer": "1"}
    assert outer._event_processors == ()
    sentry_lite.capture_message("outer")
    inner, middle, last = sentry_events
    assert inner["tags"] == {"outer": "1", "first": "1", "second": "1"}
    assert inner["user"] == {"id": "inner"}
    assert middle["tags"] == {"outer": "1", "first": "1"} and "user" not in middle
    assert last["tags"] == {"outer": "1"}


def test_isolation_scope_undoes_module_level_setters(sentry_events: list[Any]) -> None:
    sentry_lite.set_tag("request", "none")
    before_iso = sentry_lite.get_isolation_scope()
    with sentry_lite.isolation_scope() as iso:
        assert iso is sentry_lite.get_isolation_scope() and iso is not before_iso
        sentry_lite.set_tag("request", "42")
        sentry_lite.set_user({"id": "alice"})
        sentry_lite.add_breadcrumb(message="inside")
        with sentry_lite.isolation_scope():
            sentry_lite.set_tag("request", "43")
            sentry_lite.capture_message("nested")
        sentry_lite.capture_message("inside")
    sentry_lite.capture_message("outside")
    nested, inside, outside = sentry_events
    assert nested["tags"]["request"] == "43"
    assert inside["tags"]["request"] == "42" and inside["user"] == {"id": "alice"}
    assert outside["tags"]["request"] == "none"
    assert "user" not in outside and "breadcrumbs" not in outside
    assert sentry_lite.get_isolation_scope() is before_iso


def test_fork_is_independent_both_ways() -> None:
    parent = Scope()
    parent.set_tag("a", 1)
    parent.set_context("c", {"x": 1})
    parent.add_attachment(b"x", filename="f.txt")
    child = parent.fork()
    child.set_tag("b", 2)
    parent.set_tag("late", 3)
    child.add_attachment(b"y", filename="g.txt")
    child.remove_context("c")
    assert parent._tags == {"a": 1, "late": 3}
    assert child._tags == {"a": 1, "b": 2}
    assert "c" in parent._contexts and "c" not in child._contexts
    assert len(parent._attachments) == 1 and len(child._attachments) == 2


def test_use_scope_and_use_isolation_scope_install_given_scopes(
    sentry_events: list[Any],
) -> None:
    mine = Scope()
    mine.set_tag("mine", "1")
    with sentry_lite.use_scope(mine) as used:
        assert used is mine and sentry_lite.get_current_scope() is mine
        sentry_lite.capture_message("with mine")
    assert sentry_lite.get_current_scope() is not mine
    iso = Scope()
    with sentry_lite.use_isolation_scope(iso):
        sentry_lite.set_tag("iso", "1")
        sentry_lite.capture_message("with iso")
    assert iso._tags == {"iso": "1"}
    assert sentry_events[0]["tags"] == {"mine": "1"}
    assert sentry_events[1]["tags"] == {"iso": "1"}


def test_removers_and_clear() -> None:
    scope = Scope()
    scope.set_tags({"a": 1, "b": 2})
    scope.remove_tag("a")
    scope.remove_tag("missing")
    scope.set_extra("e", 1)
    scope.remove_extra("e")
    assert scope._tags == {"b": 2} and scope._extras == {}
    scope.set_user({"id": 1})
    scope.clear()
    assert scope.user is None and scope._tags == {}


def test_push_scope_and_configure_scope_warn_but_work(sentry_events: list[Any]) -> None:
    # Without a callback both return a block; no overloads tell mypy so (they would need
    # `typing` at run time).
    with pytest.warns(DeprecationWarning), cast("Block", sentry_lite.push_scope()) as scope:
        scope.set_tag("pushed", "1")
        sentry_lite.capture_message("pushed")
    with pytest.warns(DeprecationWarning):
        sentry_lite.push_scope(lambda s: s.set_tag("cb", "1"))
    with pytest.warns(DeprecationWarning), cast("Block", sentry_lite.configure_scope()) as scope:
        scope.set_tag("configured", "1")
    with pytest.warns(DeprecationWarning):
        sentry_lite.configure_scope(lambda s: s.set_tag("configured_cb", "1"))
    sentry_lite.capture_message("after")
    assert sentry_events[0]["tags"] == {"pushed": "1"}
    assert sentry_events[1]["tags"] == {"configured": "1", "configured_cb": "1"}


def test_event_processors_run_global_isolation_current_and_may_drop(
    sentry_events: list[Any], sentry_lost: list[Any]
) -> None:
    order: list[str] = []

    def processor(name: str) -> Any:
        def run(event: Any, hint: Any) -> Any:
            order.append(name)
            return None if event.get("message") == "drop me" else event

        return run

    sentry_lite.get_current_scope().add_event_processor(processor("current"))
    sentry_lite.get_isolation_scope().add_event_processor(processor("isolation"))
    sentry_lite.get_global_scope().add_event_processor(processor("global"))
    sentry_lite.capture_message("keep me")
    assert order == ["global", "isolation", "current"]
    sentry_lite.capture_message("drop me")
    assert [e["message"] for e in sentry_events] == ["keep me"]
    assert ("event_processor", "error", 1) in sentry_lost


def test_error_processors_see_exc_info_and_can_be_limited_to_a_class(
    sentry_events: list[Any],
) -> None:
    seen: list[Any] = []

    def remember(event: Event, exc_info: ExcInfo) -> Event:
        seen.append(exc_info[0])
        return event

    sentry_lite.get_isolation_scope().add_error_processor(remember, KeyError)
    for error in (KeyError("k"), ValueError("v")):
        try:
            raise error
        except Exception:
            sentry_lite.capture_exception()
    assert seen == [KeyError]
    assert len(sentry_events) == 2


def test_a_raising_processor_is_skipped_and_the_event_still_goes_out(
    sentry_events: list[Any],
) -> None:
    def broken(event: Any, hint: Any) -> Any:
        raise RuntimeError("processor bug")

    sentry_lite.get_isolation_scope().add_event_processor(broken)
    event_id = sentry_lite.capture_message("survives")
    assert event_id is not None and sentry_events[0]["event_id"] == event_id


def test_every_event_has_a_trace_context_from_the_propagation_context(
    sentry_events: list[Any],
) -> None:
    sentry_lite.capture_message("one")
    sentry_lite.capture_message("two")
    first, second = (e["contexts"]["trace"] for e in sentry_events)
    assert len(first["trace_id"]) == 32 and len(first["span_id"]) == 16
    assert first == second  # same isolation scope, same trace
    with sentry_lite.isolation_scope() as iso:
        iso.set_new_propagation_context()
        sentry_lite.capture_message("three")
    assert sentry_events[-1]["contexts"]["trace"]["trace_id"] != first["trace_id"]


def test_span_slot_is_used_for_the_trace_context(sentry_events: list[Any]) -> None:
    class FakeSpan:  # the tracing issue fills this slot with real spans
        def get_trace_context(self) -> dict[str, str]:
            return {"trace_id": "1" * 32, "span_id": "2" * 16, "op": "test"}

    with sentry_lite.new_scope() as scope:
        scope.span = FakeSpan()
        sentry_lite.capture_message("in a span")
    assert sentry_events[0]["contexts"]["trace"]["span_id"] == "2" * 16


def test_threads_get_their_own_scopes_without_propagation(sentry_events: list[Any]) -> None:
    sentry_lite.set_tag("main", "1")
    results: dict[str, Any] = {}

    def worker() -> None:
        results["tags"] = dict(sentry_lite.get_isolation_scope()._tags)
        sentry_lite.set_tag("thread", "1")

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert results["tags"] == {}
    assert sentry_lite.get_isolation_scope()._tags == {"main": "1"}


def test_eight_threads_in_isolation_scopes_keep_their_own_data(
    sentry_events: list[Any],
) -> None:
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        with sentry_lite.isolation_scope():
            sentry_lite.set_user({"id": f"user-{n}"})
            sentry_lite.set_tag("worker", str(n))
            barrier.wait()  # everyone has set their data before anyone captures
            for round_ in range(20):
                sentry_lite.set_tag("round", str(round_))
                sentry_lite.capture_message(f"thread {n}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sentry_events) == 160
    for event in sentry_events:
        n = event["message"].split()[1]
        assert event["user"] == {"id": f"user-{n}"}
        assert event["tags"]["worker"] == n


def test_hundred_asyncio_tasks_in_isolation_scopes_keep_their_own_data(
    sentry_events: list[Any],
) -> None:
    async def handler(n: int) -> None:
        with sentry_lite.isolation_scope():
            sentry_lite.set_user({"id": f"user-{n}"})
            sentry_lite.set_tag("task", str(n))
            await asyncio.sleep(0)  # interleave with the other tasks
            with sentry_lite.new_scope() as scope:
                scope.set_extra("n", n)
                await asyncio.sleep(0)
                sentry_lite.capture_message(f"task {n}")

    async def main() -> None:
        await asyncio.gather(*(handler(n) for n in range(100)))

    asyncio.run(main())
    assert len(sentry_events) == 100
    for event in sentry_events:
        n = event["message"].split()[1]
        assert event["user"] == {"id": f"user-{n}"}
        assert event["tags"] == {"task": n}
        assert event["extra"] == {"n": int(n)}


def test_what_asyncio_run_sets_without_an_isolation_scope_reaches_the_code_around(
    sentry_events: list[Any],
) -> None:
    # The scopes were never touched before asyncio.run(): its task starts from a copy of an
    # empty context. As with the official SDK (which binds its scopes at import), the main
    # thread's scopes are the task's too.
    async def main() -> None:
        sentry_lite.set_tag("service", "worker")
        sentry_lite.set_user({"id": "42"})
        sentry_lite.add_breadcrumb(message="in the task")
        await asyncio.sleep(0)

    asyncio.run(main())
    asyncio.run(main())  # a second run finds the same scopes
    sentry_lite.capture_message("after")
    (event,) = sentry_events
    assert event["tags"] == {"service": "worker"} and event["user"] == {"id": "42"}
    assert [c["message"] for c in event["breadcrumbs"]["values"]] == ["in the task"] * 2


def test_a_thread_without_the_threading_integration_has_scopes_of_its_own(
    sentry_events: list[Any],
) -> None:
    def work() -> None:
        sentry_lite.set_tag("thread", "yes")
        sentry_lite.capture_message("in the thread")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    sentry_lite.capture_message("in the main thread")
    assert [e.get("tags") for e in sentry_events] == [{"thread": "yes"}, None]


def test_scope_context_manager_exited_in_another_context_restores_by_hand() -> None:
    # A generator-based context manager may be finished in another context; the
    # scope must still be restored there rather than raising.
    outer = sentry_lite.get_current_scope()
    manager = sentry_lite.new_scope()
    manager.__enter__()
    import contextvars

    contextvars.copy_context().run(manager.__exit__, None, None, None)
    manager.__exit__(None, None, None)
    assert sentry_lite.get_current_scope() is outer


def test_last_event_id_is_per_isolation_scope(sentry_events: list[Any]) -> None:
    assert sentry_lite.last_event_id() is None
    event_id = sentry_lite.capture_message("x")
    assert sentry_lite.last_event_id() == event_id == sentry_events[0]["event_id"]
    with sentry_lite.isolation_scope():
        inner = sentry_lite.capture_message("y")
        assert sentry_lite.last_event_id() == inner
    assert sentry_lite.last_event_id() == event_id


def test_global_event_processor(sentry_events: list[Any]) -> None:
    def add(event: Any, hint: Any) -> Any:
        event.setdefault("tags", {})["global_processor"] = "yes"
        return event

    scope_module.add_global_event_processor(add)
    try:
        sentry_lite.capture_message("x")
    finally:
        scope_module.remove_global_event_processor(add)
    assert sentry_events[0]["tags"]["global_processor"] == "yes"


def test_scope_calls_before_init_do_nothing_and_raise_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sentry_lite.set_tag("k", "v")
        sentry_lite.add_breadcrumb(message="dropped: no client")
        assert sentry_lite.capture_message("nothing") is None
        assert sentry_lite.capture_exception(ValueError()) is None
        sentry_lite.flush()
    assert not sentry_lite.is_initialized()
    assert list(sentry_lite.get_isolation_scope()._breadcrumbs) == []


def test_update_from_scope_and_kwargs() -> None:
    source = Scope()
    source.set_tag("t", "source")
    source.set_user({"id": "source"})
    source.set_level("warning")
    target = Scope()
    target.set_tag("t", "target")
    target.set_tag("keep", "1")
    target.update_from_scope(source)
    assert target._tags == {"t": "source", "keep": "1"}
    assert target.user == {"id": "source"} and target.level == "warning"
    target.update_from_kwargs(
        user={"id": "kw"}, level="error", extras={"e": 1}, contexts={"c": {"x": 1}},
        tags={"t": "kw"}, fingerprint=["a", "b"],
    )
    assert target._tags["t"] == "kw" and target.user == {"id": "kw"}
    assert target.level == "error" and target.fingerprint == ["a", "b"]
    assert target._extras == {"e": 1} and target._contexts == {"c": {"x": 1}}


def test_set_transaction_name_names_events(sentry_events: list[Any]) -> None:
    sentry_lite.set_transaction_name("/checkout/{id}", source="route")
    sentry_lite.capture_message("x")
    assert sentry_events[0]["transaction"] == "/checkout/{id}"
    assert sentry_events[0]["transaction_info"] == {"source": "route"}


def test_client_bound_to_a_scope_wins_inside_it(sentry_init: Any) -> None:
    from sentry_lite.client import Client
    from sentry_lite.testing import CapturingTransport

    sentry_init()
    other = CapturingTransport()
    with sentry_lite.new_scope() as scope:
        scope.set_client(Client(transport=other))
        sentry_lite.capture_message("to the other client")
    sentry_lite.capture_message("to the main client")
    assert [e["message"] for e in other.events] == ["to the other client"]
