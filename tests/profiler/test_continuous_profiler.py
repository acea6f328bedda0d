"""Continuous profiling: sessions, chunks, and spans linked to the profiler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from time import perf_counter
from typing import Any

import pytest
from relay_schema import check_chunk_v2

import sentry_lite
from sentry_lite.profiler import continuous_profiler, start_profiler, stop_profiler
from sentry_lite.profiler._sampler import Frame

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _chunks(server: Any) -> list[dict[str, Any]]:
    return [json.loads(i.payload.get_bytes()) for i in server.items_of("profile_chunk")]


def _ticks() -> int:
    scheduler = continuous_profiler._scheduler[0]
    chunk = scheduler.chunk
    return len(chunk.recording.times) if chunk is not None else 0


def work(spans: list[Any], ready: threading.Barrier) -> None:
    """Burn CPU for 200 ms and until the chunk holds 10 ticks, inside a span."""
    name = f"job-{threading.current_thread().name}"
    with sentry_lite.start_transaction(name=name), sentry_lite.start_span(op="work") as span:
        spans.append(span)
        ready.wait()
        start = perf_counter()
        while perf_counter() - start < 0.2 or _ticks() < 10:
            if perf_counter() - start > 30:
                break


def test_two_threads_are_profiled_and_their_spans_name_the_profiler(sentry_server: Any) -> None:
    sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0,
                     profile_session_sample_rate=1.0, default_integrations=False)
    assert continuous_profiler.get_profiler_id() is None
    start_profiler()
    profiler_id = continuous_profiler.get_profiler_id()
    assert profiler_id is not None
    spans: list[Any] = []
    ready = threading.Barrier(2)
    workers = [threading.Thread(target=work, args=(spans, ready), name=f"worker-{i}")
               for i in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stop_profiler()
    assert continuous_profiler.get_profiler_id() is None
    sentry_lite.flush()
    assert sentry_server.wait_for(lambda s: len(s.transactions) == 2 and _chunks(s), timeout=10)

    [chunk] = _chunks(sentry_server)
    check_chunk_v2(chunk)
    assert chunk["profiler_id"] == profiler_id and chunk["platform"] == "python"
    assert chunk["environment"] == "production"
    profile = chunk["profile"]
    frames, stacks = profile["frames"], profile["stacks"]
    for worker in workers:
        tid = str(worker.ident)
        assert profile["thread_metadata"][tid]["name"] == worker.name
        mine = [s for s in profile["samples"] if s["thread_id"] == tid]
        working = [s for s in mine
                   if any(frames[i]["function"] == "work" for i in stacks[s["stack_id"]])]
        assert len(working) >= 5
    stamps = [s["timestamp"] for s in profile["samples"]]
    assert stamps == sorted(stamps)

    for span in spans:  # spans started while the profiler ran carry its id and their thread
        assert span.data["profiler_id"] == profiler_id
        assert span.data["thread.name"].startswith("worker-")
    for event in sentry_server.transactions:
        assert event["contexts"]["profile"] == {"profiler_id": profiler_id}
        data = event["contexts"]["trace"]["data"]
        assert data["profiler_id"] == profiler_id
        assert data["thread.id"] in {str(w.ident) for w in workers}
        assert event["spans"][0]["data"]["profiler_id"] == profiler_id


def test_an_unsampled_session_records_nothing(sentry_init: Any, sentry_envelopes: Any) -> None:
    sentry_init(traces_sample_rate=1.0, profile_session_sample_rate=0.0)
    start_profiler()
    assert continuous_profiler.get_profiler_id() is None
    with sentry_lite.start_transaction(name="t") as tx:
        pass
    stop_profiler()
    assert "profiler_id" not in (tx._data or {})
    assert [i.type for e in sentry_envelopes for i in e.items] == ["transaction"]


def test_the_trace_lifecycle_profiles_while_a_transaction_is_open(sentry_server: Any) -> None:
    sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0,
                     profile_session_sample_rate=1.0, profile_lifecycle="trace",
                     default_integrations=False)
    start_profiler()  # manual start has no effect with the trace lifecycle
    assert continuous_profiler.get_profiler_id() is None
    with sentry_lite.start_transaction(name="traced") as tx:
        profiler_id = continuous_profiler.get_profiler_id()
        assert profiler_id is not None
        while _ticks() < 3:
            pass
    assert tx._data["profiler_id"] == profiler_id
    # the session ends on the sampler's next tick after the last transaction: its chunk is sent
    assert sentry_server.wait_for(lambda s: bool(_chunks(s)), timeout=10)
    [chunk] = _chunks(sentry_server)
    check_chunk_v2(chunk)
    assert chunk["profiler_id"] == profiler_id
    assert continuous_profiler.get_profiler_id() is None


def test_a_chunk_is_sent_every_minute(sentry_init: Any, sentry_envelopes: Any) -> None:
    sentry_init(profile_session_sample_rate=1.0)
    scheduler = continuous_profiler._scheduler[0]
    start_profiler()
    scheduler.sampler.remove(scheduler)  # this test hands the ticks over itself
    chunk = scheduler.chunk
    assert chunk is not None
    stack = (Frame("f", "m", "m.py", "/m.py", 3),)
    minute = continuous_profiler.PROFILE_BUFFER_SECONDS * 10**9
    for ts in (chunk.started_ns + 1, chunk.started_ns + 2,
               chunk.started_ns + minute, chunk.started_ns + minute + 1):
        scheduler.write(ts, (7, stack))
    [first] = [i.payload.json for e in sentry_envelopes for i in e.items]
    assert len(first["profile"]["samples"]) == 2
    assert scheduler.chunk is not None and scheduler.chunk.chunk_id != first["chunk_id"]
    stop_profiler()
    second = [i.payload.json for e in sentry_envelopes for i in e.items][1]
    assert len(second["profile"]["samples"]) == 2
    assert second["profiler_id"] == first["profiler_id"]
    for payload in (first, second):
        check_chunk_v2(payload)


def test_the_old_session_names_still_work_and_warn(sentry_init: Any) -> None:
    sentry_init(profile_session_sample_rate=1.0)
    with pytest.warns(DeprecationWarning, match="start_profiler"):
        continuous_profiler.start_profile_session()
    assert continuous_profiler.get_profiler_id() is not None
    with pytest.warns(DeprecationWarning, match="stop_profiler"):
        continuous_profiler.stop_profile_session()
    assert continuous_profiler.get_profiler_id() is None


AUTO_START_SCRIPT = """
import sentry_lite
from sentry_lite.profiler import continuous_profiler, stop_profiler

sentry_lite.init(profile_session_sample_rate=1.0)
manual = continuous_profiler.get_profiler_id()  # None: waits for start_profiler()
sentry_lite.init(profile_session_sample_rate=1.0,
                 _experiments={"continuous_profiling_auto_start": True})
auto = continuous_profiler.get_profiler_id()
stop_profiler()
print(manual is None, auto is not None, continuous_profiler.get_profiler_id() is None)
"""


def test_the_auto_start_experiment_starts_the_profiler_at_init() -> None:
    # in a process of its own: the sampler thread it starts must not tick into other tests
    done = subprocess.run([sys.executable, "-c", AUTO_START_SCRIPT], capture_output=True,
                          text=True, check=True, cwd=ROOT, timeout=60)
    assert done.stdout.split() == ["True", "True", "True"], done.stderr


EXIT_SCRIPT = """
import sys, time
import sentry_lite
from sentry_lite.profiler import continuous_profiler, start_profiler

sentry_lite.init(dsn=sys.argv[1], profile_session_sample_rate=1.0, release="r0")
# a second init() registers newer exit hooks: the last chunk still goes out
sentry_lite.init(dsn=sys.argv[1], profile_session_sample_rate=1.0, release="r1")
start_profiler()
start = time.perf_counter()
while continuous_profiler._scheduler[0].chunk is None or len(
        continuous_profiler._scheduler[0].chunk.recording.times) < 5:
    if time.perf_counter() - start > 30:
        break
# no stop_profiler(): the exit sends the chunk in progress
"""


def test_the_chunk_in_progress_is_sent_at_exit(sentry_server: Any) -> None:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(EXIT_SCRIPT),
                             sentry_server.dsn], cwd=ROOT, check=False, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert sentry_server.wait_for(lambda s: bool(_chunks(s)), timeout=10)
    [chunk] = _chunks(sentry_server)
    check_chunk_v2(chunk)
    assert chunk["release"] == "r1" and len(chunk["profile"]["samples"]) >= 5
