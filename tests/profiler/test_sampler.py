"""The sampler thread: what a tick sees, how stacks are shared, its life (idle, fork)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from typing import Any

from sentry_lite._options import Options
from sentry_lite.profiler._format import Recording, build_profile
from sentry_lite.profiler._sampler import Sampler

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Collector:
    """A listener that keeps every tick and says when it has seen ``wanted`` of them."""

    def __init__(self, wanted: int = 5) -> None:
        self.ticks: list[tuple[int, tuple[Any, ...]]] = []
        self.wanted = wanted
        self.enough = threading.Event()

    def write(self, ts: int, sample: Any) -> None:
        self.ticks.append((ts, sample))
        if len(self.ticks) >= self.wanted:
            self.enough.set()


def _stacks_of(collector: Collector, tid: int) -> list[Any]:
    found = []
    for _, sample in collector.ticks:
        pairs = dict(zip(sample[::2], sample[1::2], strict=True))
        if tid in pairs:
            found.append(pairs[tid])
    return found


def parked_here(release: threading.Event) -> None:
    release.wait()


def test_a_tick_sees_every_thread_but_its_own() -> None:
    sampler = Sampler()
    release = threading.Event()
    worker = threading.Thread(target=parked_here, args=(release,), name="parked")
    worker.start()
    collector = Collector(wanted=5)
    try:
        assert sampler.add(collector)
        assert collector.enough.wait(30)
    finally:
        sampler.stop()
        release.set()
        worker.join()
    assert sampler.ident is not None
    tids = {tid for _, sample in collector.ticks for tid in sample[::2]}
    assert sampler.ident not in tids
    assert {threading.main_thread().ident, worker.ident} <= tids
    stacks = _stacks_of(collector, worker.ident or 0)
    # an idle thread costs one lookup per tick: the very same stack object every time
    assert len({id(stack) for stack in stacks}) == 1
    assert "parked_here" in [frame.function for frame in stacks[0]]
    assert sampler.thread_names[worker.ident or 0] == "parked"


def steps(first: threading.Lock, second: threading.Lock, started: threading.Event) -> None:
    started.set()
    first.acquire()  # blocked in C: this frame is the thread's top frame, at this line
    second.acquire()  # same frame object, next line


def _top_line(sampler: Sampler, tid: int, line: int) -> Any:
    # tick until the worker is seen at ``line`` (it gets there on its own schedule)
    for _ in range(3000):
        collector = Collector()
        sampler.listeners = (collector,)
        sampler.tick()
        [stack] = _stacks_of(collector, tid)
        if stack[0].function == "steps" and stack[0].lineno == line:
            return stack
        threading.Event().wait(0.001)
    raise AssertionError(f"worker never seen at line {line}")


def test_a_new_line_of_the_same_frame_keeps_its_callers() -> None:
    sampler = Sampler()
    first, second, started = threading.Lock(), threading.Lock(), threading.Event()
    first.acquire()
    second.acquire()
    worker = threading.Thread(target=steps, args=(first, second, started))
    worker.start()
    started.wait()
    line = steps.__code__.co_firstlineno
    try:
        before = _top_line(sampler, worker.ident or 0, line + 2)
        first.release()
        after = _top_line(sampler, worker.ident or 0, line + 3)
    finally:
        second.release()
        worker.join()
    assert after[1:] == before[1:] and all(a is b for a, b in zip(after[1:], before[1:],
                                                                   strict=True))
    assert [f.function for f in after[1:3]] == ["Thread.run", "Thread._bootstrap_inner"]


def test_a_profile_lists_each_frame_and_stack_once(tmp_path: Any) -> None:
    sampler = Sampler()
    release = threading.Event()
    workers = [threading.Thread(target=parked_here, args=(release,), name=f"w{i}")
               for i in range(2)]
    for worker in workers:
        worker.start()
    collector = Collector(wanted=3)
    try:
        sampler.add(collector)
        assert collector.enough.wait(30)
    finally:
        sampler.stop()
        release.set()
        for worker in workers:
            worker.join()
    recording = Recording(10_000)
    for ts, sample in collector.ticks:
        recording.add(ts, sample)
    profile = build_profile(recording, str, "elapsed_since_start_ns", Options(),
                            sampler.thread_names)
    frames, stacks = profile["frames"], profile["stacks"]
    keys = [(f["abs_path"], f["lineno"], f["function"]) for f in frames]
    assert len(keys) == len(set(keys))
    assert len(stacks) == len({tuple(s) for s in stacks})
    # both workers wait at the same place: one stack shared by their samples
    ids = {s["stack_id"] for s in profile["samples"]
           if s["thread_id"] in {str(w.ident) for w in workers}}
    assert len(ids) == 1
    [stack] = [stacks[i] for i in ids]
    assert frames[stack[-1]]["function"] == "Thread._bootstrap"  # outermost last
    assert {profile["thread_metadata"][str(w.ident)]["name"] for w in workers} == {"w0", "w1"}


def test_the_thread_parks_when_idle_and_starts_again() -> None:
    sampler = Sampler()
    first = Collector(wanted=2)
    sampler.add(first)
    assert first.enough.wait(30)
    sampler.remove(first)
    for _ in range(600):  # it exits after a second without listeners
        if not sampler.running:
            break
        threading.Event().wait(0.05)
    assert not sampler.running
    seen = len(first.ticks)
    second = Collector(wanted=2)
    sampler.add(second)
    assert sampler.running and second.enough.wait(30)
    sampler.stop()
    assert len(first.ticks) == seen


FORK_SCRIPT = """
import os, sys, threading
from sentry_lite.profiler._sampler import shared_sampler

class Collector:
    def __init__(self):
        self.count = 0
        self.enough = threading.Event()
    def write(self, ts, sample):
        self.count += 1
        if self.count >= 3:
            self.enough.set()

sampler = shared_sampler()
collector = Collector()
sampler.add(collector)
assert collector.enough.wait(30)
assert sampler.pid == os.getpid()
pid = os.fork()
if pid == 0:
    collector.count = 0
    collector.enough.clear()
    ok = collector.enough.wait(30) and sampler.pid == os.getpid()
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
print("child", os.waitstatus_to_exitcode(status))
"""


def test_a_forked_child_samples_with_a_thread_of_its_own() -> None:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(FORK_SCRIPT)], cwd=ROOT,
                            check=False, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "child 0", result.stderr


def test_a_reused_thread_id_gets_the_new_thread_s_name() -> None:
    sampler = Sampler()
    sampler.thread_names[threading.get_ident()] = "a thread that ended"
    collector = Collector()
    sampler.listeners = (collector,)
    sampler.tick()  # from this thread: its stack is walked, its name read again
    assert sampler.thread_names[threading.get_ident()] == threading.current_thread().name
