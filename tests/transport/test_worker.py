"""The background worker: lazy thread, bounded queue, flush/kill, retries, fork, inline drain."""

from __future__ import annotations

import functools
import os
import sys
import threading

import pytest

from sentry_lite.transport._deferred import DeferredWork
from sentry_lite.transport._worker import BackgroundWorker, current_deadline, is_sdk_thread
from tests.forking import run_in_child

fork_only = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


class Gate:
    """A job that blocks the worker until opened, so tests control what is running."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()

    def __call__(self) -> None:
        self.entered.set()
        self.opened.wait(30)


def _worker_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "test.worker"]


def test_thread_starts_on_first_submit_and_runs_jobs_in_order() -> None:
    worker = BackgroundWorker(name="test.worker")
    try:
        assert not worker.is_alive and _worker_threads() == []
        seen: list[tuple[int, bool]] = []
        for n in range(5):
            assert worker.submit(functools.partial(lambda n: seen.append((n, is_sdk_thread())), n))
        assert worker.is_alive
        assert worker.flush(10) is True
        assert seen == [(n, True) for n in range(5)]
        assert not is_sdk_thread()
        assert len(_worker_threads()) == 1
    finally:
        worker.kill()


def test_full_queue_refuses_the_newest() -> None:
    worker = BackgroundWorker(queue_size=3)
    gate = Gate()
    ran: list[int] = []
    try:
        assert worker.submit(gate)
        assert gate.entered.wait(10)  # the gate is running, the queue is empty
        results = [worker.submit(functools.partial(ran.append, n)) for n in range(5)]
        assert results == [True, True, True, False, False]
        assert worker.pending() == 4
        gate.opened.set()
        assert worker.flush(10)
        assert ran == [0, 1, 2]
    finally:
        gate.opened.set()
        worker.kill()


def test_flush_gives_up_after_its_timeout_and_reports_pending() -> None:
    worker = BackgroundWorker()
    gate = Gate()
    calls: list[tuple[int, float]] = []
    try:
        worker.submit(gate)
        worker.submit(lambda: None)
        assert gate.entered.wait(10)
        record = lambda pending, timeout: calls.append((pending, timeout))  # noqa: E731
        assert worker.flush(0.05, record) is False
        assert calls == [(2, 0.05)]
        gate.opened.set()
        assert worker.flush(10) is True
        assert worker.flush(10, lambda *a: calls.append((-1, -1))) is True
        assert len(calls) == 1  # nothing pending: no callback
    finally:
        gate.opened.set()
        worker.kill()


def test_flush_tells_only_when_the_wait_is_noticeable() -> None:
    # The official SDK calls the callback (the "sending N pending events" message at exit)
    # only when the work is not done after a short grace period.
    worker = BackgroundWorker()
    worker.noticeable_wait = 60.0  # far longer than a job that does nothing takes
    calls: list[tuple[int, float]] = []
    try:
        worker.submit(lambda: None)
        assert worker.flush(120, lambda *a: calls.append(a)) is True
        assert calls == []  # done within the grace period: nothing said
        worker.noticeable_wait = 0.01
        gate = Gate()
        worker.submit(gate)
        assert gate.entered.wait(10)

        def told(pending: int, timeout: float) -> None:
            calls.append((pending, timeout))
            gate.opened.set()  # the job can end only after the user was told

        assert worker.flush(30, told) is True
        assert calls == [(1, 30)]
    finally:
        worker.kill()


def test_kill_drops_queued_jobs_and_refuses_new_ones() -> None:
    worker = BackgroundWorker()
    gate = Gate()
    ran: list[int] = []
    worker.submit(gate)
    assert gate.entered.wait(10)
    worker.submit(lambda: ran.append(1))
    worker.kill()
    assert worker.killed
    assert worker.submit(lambda: ran.append(2)) is False
    thread = worker._thread
    gate.opened.set()
    assert thread is not None
    thread.join(10)
    assert not thread.is_alive()
    assert ran == []


def test_a_failing_job_is_reported_and_the_worker_goes_on() -> None:
    errors: list[BaseException] = []
    worker = BackgroundWorker(on_error=errors.append)
    ran: list[int] = []
    try:
        worker.submit(lambda: 1 / 0)
        worker.submit(lambda: ran.append(1))
        assert worker.flush(10)
        assert ran == [1]
        assert isinstance(errors[0], ZeroDivisionError)
    finally:
        worker.kill()


class Deferred:
    """Stands for the transport's kept envelopes: ``retry`` succeeds once ``ok`` is set."""

    def __init__(self, count: int, delay: float = 100.0) -> None:
        self.count = count
        self.delay = delay
        self.ok = False
        self.calls: list[bool] = []
        self.called = threading.Event()

    def retry(self, force: bool) -> float | None:
        self.calls.append(force)
        self.called.set()
        if self.ok:
            self.count = 0
            return None
        return self.delay

    def pending(self) -> int:
        return self.count


def test_flush_forces_one_retry_and_returns_when_the_next_is_beyond_its_deadline() -> None:
    deferred = Deferred(count=2)
    worker = BackgroundWorker(retry=deferred.retry, deferred=deferred.pending)
    try:
        assert worker.pending() == 2
        # The retry answers "again in 100 s": flush(60) must not sit out its timeout.
        assert worker.flush(60) is False
        assert deferred.calls == [True]
        deferred.ok = True
        assert worker.flush(60) is True
        assert deferred.calls == [True, True]
    finally:
        worker.kill()


@pytest.mark.timeout(30)
def test_schedule_retry_runs_the_retry_when_due() -> None:
    deferred = Deferred(count=1)
    deferred.ok = True
    worker = BackgroundWorker(retry=deferred.retry, deferred=deferred.pending)
    try:
        worker.submit(lambda: worker.schedule_retry(0.01))
        assert deferred.called.wait(20)
        assert deferred.calls == [False]  # due, not forced
        assert worker.pending() == 0
    finally:
        worker.kill()


def test_inline_drain_when_no_thread_can_start(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't create new thread at interpreter shutdown")

    seen: list[tuple[bool, float | None]] = []
    worker = BackgroundWorker()
    monkeypatch.setattr(threading.Thread, "start", refuse)
    try:
        assert worker.submit(lambda: seen.append((is_sdk_thread(), current_deadline())))
        assert not worker.is_alive
        assert seen == []
        assert worker.flush(5) is True
        assert len(seen) == 1
        assert seen[0][0] is True and seen[0][1] is not None
        assert current_deadline() is None and not is_sdk_thread()  # restored afterwards
    finally:
        monkeypatch.undo()
        worker.kill()


@fork_only
def test_child_after_fork_gets_a_fresh_worker_and_not_the_parents_jobs() -> None:
    worker = BackgroundWorker()
    gate = Gate()
    read_end, write_end = os.pipe()
    try:
        worker.submit(gate)
        assert gate.entered.wait(10)
        worker.submit(lambda: os.write(write_end, b"parent-job "))

        def child() -> int:
            fresh = worker.pending() == 0 and not worker.is_alive
            worker.submit(lambda: os.write(write_end, b"child-job "))
            if not fresh:
                return 3
            return 0 if worker.flush(10) else 4

        assert run_in_child(child) == 0
        gate.opened.set()
        assert worker.flush(10)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            written = pipe.read().split()
        assert sorted(written) == [b"child-job", b"parent-job"]
    finally:
        gate.opened.set()
        worker.kill()


@fork_only
def test_forking_while_the_worker_is_busy_never_deadlocks_the_child() -> None:
    worker = BackgroundWorker(queue_size=100_000)
    stop = threading.Event()

    def feed() -> None:  # keep the worker's lock hot
        while not stop.is_set():
            if not worker.submit(lambda: None):
                worker.flush(1)

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        codes = []

        def child() -> bool:  # a deadlocked child prints its stacks and is killed
            ran = threading.Event()
            worker.submit(ran.set)
            return worker.flush(10) and ran.is_set()

        for _ in range(20):
            codes.append(run_in_child(child))
        assert codes == [0] * 20
    finally:
        stop.set()
        feeder.join()
        worker.kill()


def test_killed_worker_is_forgotten_by_the_fork_hook() -> None:
    from sentry_lite.transport import _worker

    worker = BackgroundWorker()
    assert worker in _worker._workers
    worker.kill()
    assert worker not in _worker._workers
    assert sys.modules["sentry_lite.transport._worker"] is _worker


# -- the overflow lane ----------------------------------------------------------------


def test_overflow_lane_runs_after_the_queue_in_order_and_holds_the_queue_shut() -> None:
    worker = BackgroundWorker(queue_size=2, overflow_bytes=100)
    gate = Gate()
    ran: list[str] = []
    try:
        assert worker.submit(gate)
        assert gate.entered.wait(10)
        assert worker.submit(functools.partial(ran.append, "q1"))
        assert worker.submit(functools.partial(ran.append, "q2"))
        assert not worker.submit(functools.partial(ran.append, "full"))
        assert worker.submit_compact(functools.partial(ran.append, "o1"), 40)
        assert worker.submit_compact(functools.partial(ran.append, "o2"), 60)
        assert not worker.submit_compact(functools.partial(ran.append, "o3"), 1)  # 101 > 100
        assert worker.overflow_size == 100
        assert worker.pending() == 5  # the gate, two queued, two in the lane
        assert worker.queued() == 4
        gate.opened.set()
        assert worker.flush(10)
        assert ran == ["q1", "q2", "o1", "o2"]
        assert worker.overflow_size == 0 and worker.queued() == 0
        assert worker.submit(functools.partial(ran.append, "q3"))  # the lane is empty again
        assert worker.flush(10) and ran[-1] == "q3"
    finally:
        gate.opened.set()
        worker.kill()


def test_the_queue_refuses_while_the_lane_holds_jobs() -> None:
    worker = BackgroundWorker(queue_size=10, overflow_bytes=100)
    gate = Gate()
    ran: list[str] = []
    try:
        worker.submit(gate)
        assert gate.entered.wait(10)
        assert worker.submit_compact(functools.partial(ran.append, "older"), 10)
        # room in the queue, but a newer job must not overtake the one in the lane
        assert not worker.submit(functools.partial(ran.append, "newer"))
        assert worker.submit_compact(functools.partial(ran.append, "newer"), 10)
        gate.opened.set()
        assert worker.flush(10)
        assert ran == ["older", "newer"]
    finally:
        gate.opened.set()
        worker.kill()


def test_kill_empties_the_lane() -> None:
    worker = BackgroundWorker(queue_size=1, overflow_bytes=10)
    gate = Gate()
    worker.submit(gate)
    assert gate.entered.wait(10)
    worker.submit_compact(lambda: None, 5)
    worker.kill()
    assert worker.overflow_size == 0 and worker.pending() <= 1
    assert not worker.submit_compact(lambda: None, 1)
    gate.opened.set()


def test_inline_drain_runs_the_lane_too(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't create new thread at interpreter shutdown")

    ran: list[int] = []
    worker = BackgroundWorker(queue_size=1, overflow_bytes=10)
    monkeypatch.setattr(threading.Thread, "start", refuse)
    try:
        assert worker.submit(functools.partial(ran.append, 1))
        assert worker.submit_compact(functools.partial(ran.append, 2), 5)
        assert worker.flush(5) is True
        assert ran == [1, 2]
    finally:
        monkeypatch.undo()
        worker.kill()


@fork_only
def test_child_after_fork_has_an_empty_lane() -> None:
    worker = BackgroundWorker(queue_size=1, overflow_bytes=10)
    gate = Gate()
    try:
        worker.submit(gate)
        assert gate.entered.wait(10)
        worker.submit(lambda: None)
        worker.submit_compact(lambda: None, 5)

        def child() -> bool:
            ok = worker.overflow_size == 0 and worker.pending() == 0
            return ok and worker.submit(lambda: None) and worker.flush(10)

        assert run_in_child(child) == 0
        assert worker.overflow_size == 5
    finally:
        gate.opened.set()
        worker.kill()


def test_deferred_work_is_due_when_scheduled_or_asked_for() -> None:
    now = [100.0]
    calls: list[bool] = []
    answers = [5.0, None]

    def retry(force: bool) -> float | None:
        calls.append(force)
        return answers.pop(0)

    later = DeferredWork(retry, lambda: len(answers), lambda: now[0], threading.Condition())
    assert later.enabled and not later.is_due() and later.timeout() is None
    assert later.schedule(10.0) and not later.schedule(20.0)  # the sooner due time stays
    assert later.timeout() == 10.0 and not later.is_due()
    now[0] = 110.0
    assert later.is_due()
    later.job()()  # not forced: no flush asked for it
    assert calls == [False] and later.due == 115.0 and later.waiting() == 1
    ticket = later.ask()  # a flush wants it tried now, before it is due
    assert later.is_due() and not later.tried(ticket, deadline=112.0)
    later.job()()
    assert calls == [False, True] and later.due is None and later.waiting() == 0
    assert later.tried(ticket, deadline=112.0) and not later.is_due()


def test_without_a_retry_callable_nothing_is_ever_due() -> None:
    later = DeferredWork(None, None, lambda: 0.0, threading.Condition())
    later.ask()
    assert not later.enabled and not later.is_due() and later.waiting() == 0
