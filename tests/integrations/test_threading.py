"""Threads and thread pools: errors captured with the parent's tags, nothing leaks back."""

from __future__ import annotations

import gc
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import sentry_lite
from sentry_lite.integrations.threading import ThreadingIntegration


def child_work(label: str) -> None:
    sentry_lite.set_tag("child", label)
    sentry_lite.add_breadcrumb(message=f"{label} crumb")
    raise ValueError(f"{label} failed")


@pytest.fixture
def quiet_thread_errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """threading.excepthook still runs (after our capture): collect instead of printing."""
    seen: list[str] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: seen.append(args.exc_type.__name__))
    return seen


def test_thread_exception_is_captured_with_the_parent_tags(
    sentry_init, sentry_events, quiet_thread_errors
) -> None:
    sentry_init()
    sentry_lite.set_tag("request", "r-1")
    thread = threading.Thread(target=child_work, args=("thread",))
    thread.start()
    sentry_lite.set_tag("after_start", "no")  # the child forked at start(): not inherited
    thread.join()
    assert quiet_thread_errors == ["ValueError"]  # the usual hook still ran
    (event,) = sentry_events
    assert event["tags"] == {"request": "r-1", "child": "thread"}
    values = event["exception"]["values"]
    assert values[-1]["mechanism"] == {"type": "threading", "handled": False}
    assert values[-1]["value"] == "thread failed"
    assert sentry_lite.get_isolation_scope()._tags == {"request": "r-1", "after_start": "no"}
    sentry_lite.capture_message("parent")
    assert "breadcrumbs" not in sentry_events[1]  # the child's crumb stayed in the child


def test_tags_set_before_start_but_after_construction_are_inherited(
    sentry_init, sentry_events, quiet_thread_errors
) -> None:
    sentry_init()
    thread = threading.Thread(target=child_work, args=("late",))
    sentry_lite.set_tag("set_before_start", "yes")
    thread.start()
    thread.join()
    assert sentry_events[0]["tags"]["set_before_start"] == "yes"


def test_thread_subclass_with_own_run(sentry_init, sentry_events, quiet_thread_errors) -> None:
    class Worker(threading.Thread):
        def run(self) -> None:
            raise KeyError("in subclass")

    sentry_init()
    worker = Worker()
    worker.start()
    worker.join()
    assert sentry_events[0]["exception"]["values"][-1]["type"] == "KeyError"
    assert "run" not in vars(worker)  # the wrapper removed itself


def test_propagate_scope_false_starts_threads_with_fresh_scopes(
    sentry_init, sentry_events, quiet_thread_errors
) -> None:
    sentry_init(integrations=[ThreadingIntegration(propagate_scope=False)])
    sentry_lite.set_tag("request", "r-1")
    thread = threading.Thread(target=child_work, args=("fresh",))
    thread.start()
    thread.join()
    assert sentry_events[0]["tags"] == {"child": "fresh"}


def test_pool_task_exception_nobody_retrieves_is_captured_with_the_submitter_tags(
    sentry_init, sentry_events
) -> None:
    sentry_init()
    with ThreadPoolExecutor(max_workers=2) as pool:
        with sentry_lite.isolation_scope():
            sentry_lite.set_tag("request", "r-2")
            pool.submit(child_work, "task")
        sentry_lite.set_tag("outside", "yes")
    gc.collect()
    (event,) = sentry_events
    assert event["tags"] == {"request": "r-2", "child": "task"}
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "threading", "handled": False}
    assert sentry_lite.get_isolation_scope()._tags == {"outside": "yes"}


def test_each_task_gets_its_own_fork(sentry_init, sentry_events) -> None:
    sentry_init()
    seen: list[dict[str, object]] = []

    def task(n: int) -> None:
        sentry_lite.set_tag(f"task{n}", n)
        seen.append(dict(sentry_lite.get_isolation_scope()._tags))

    sentry_lite.set_tag("base", 1)
    with ThreadPoolExecutor(max_workers=1) as pool:
        for n in range(3):
            pool.submit(task, n).result()
    assert seen == [{"base": 1, "task0": 0}, {"base": 1, "task1": 1}, {"base": 1, "task2": 2}]


def test_a_retrieved_task_exception_is_the_caller_s(sentry_init, sentry_events) -> None:
    sentry_init()
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(child_work, "retrieved")
        with pytest.raises(ValueError):
            future.result()
        del future
    gc.collect()
    assert sentry_events == []


def test_retrieved_then_logged_is_one_event(sentry_init, sentry_events) -> None:
    sentry_init()
    log = logging.getLogger("test_threading.collector")
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(child_work, f"t{n}") for n in range(2)]
        for future in futures:
            exc = future.exception()
            log.error("task failed", exc_info=exc)
        del futures, future, exc
    gc.collect()
    assert [e["exception"]["values"][-1]["value"] for e in sentry_events] == [
        "t0 failed",
        "t1 failed",
    ]
    assert all(e["logger"] == "test_threading.collector" for e in sentry_events)


def test_without_the_integration_threads_are_untouched(sentry_init, sentry_events) -> None:
    sentry_init(default_integrations=False)
    sentry_lite.set_tag("request", "r-3")
    seen: list[dict[str, object]] = []
    thread = threading.Thread(target=lambda: seen.append(sentry_lite.get_isolation_scope()._tags))
    thread.start()
    thread.join()
    assert seen == [{}]
    assert threading.Thread.start is vars(threading.Thread)["start"]
