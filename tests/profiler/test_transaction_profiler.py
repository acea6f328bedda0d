"""Transaction profiles: sampled after the transaction, sent in its envelope, bounded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from time import perf_counter, perf_counter_ns
from typing import Any

import pytest
from relay_schema import check_profile_v1

import sentry_lite
from sentry_lite.profiler import transaction_profiler
from sentry_lite.profiler._sampler import Frame

# init() warns that transaction profiling is deprecated (as sentry_sdk does): tested once, below
pytestmark = pytest.mark.filterwarnings("ignore:transaction-based profiling:DeprecationWarning")


def burn_cpu(tx: Any, window: list[int]) -> int:
    """Spin for 200 ms, and until the profile holds at least 10 ticks (bounded at 30 s)."""
    window.append(perf_counter_ns())
    start = perf_counter()
    total = 0
    while perf_counter() - start < 0.2 or tx._profile.unique_samples < 10:
        total += 1
        if perf_counter() - start > 30:
            break
    window.append(perf_counter_ns())
    return total


def _profile_items(server: Any) -> list[dict[str, Any]]:
    return [json.loads(item.payload.get_bytes()) for item in server.items_of("profile")]


def test_a_profile_shows_where_a_transaction_spent_its_time(sentry_server: Any) -> None:
    sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0, profiles_sample_rate=1.0,
                     default_integrations=False)
    window: list[int] = []
    with sentry_lite.start_transaction(name="burn", op="task") as tx:
        burn_cpu(tx, window)
        start_ns = tx._profile.start_ns
    assert sentry_server.wait_for(lambda s: bool(s.items_of("profile")), timeout=10)
    [envelope] = [e for e in sentry_server.envelopes if any(i.type == "profile" for i in e.items)]
    assert [item.type for item in envelope.items] == ["transaction", "profile"]
    event = envelope.get_transaction_event()
    assert event is not None
    [payload] = _profile_items(sentry_server)
    check_profile_v1(payload)
    [meta] = payload["transactions"]
    assert (meta["id"], meta["name"]) == (event["event_id"], "burn")
    assert meta["trace_id"] == event["contexts"]["trace"]["trace_id"]
    assert payload["platform"] == "python" and payload["environment"] == "production"
    assert {"device", "os", "runtime"} <= payload.keys()

    profile = payload["profile"]
    frames, stacks = profile["frames"], profile["stacks"]
    for sample in profile["samples"]:  # every sample resolves to frames with file, function, line
        stack = stacks[sample["stack_id"]]
        assert stack
        for index in stack:
            frame = frames[index]
            assert frame["filename"] and frame["abs_path"] and frame["function"]
            assert isinstance(frame["lineno"], int) and frame["lineno"] > 0
    inside = [
        s for s in profile["samples"]
        if s["thread_id"] == meta["active_thread_id"]
        and window[0] - start_ns <= int(s["elapsed_since_start_ns"]) <= window[1] - start_ns
    ]
    assert len(inside) >= 5
    burning = [s for s in inside
               if any(frames[i]["function"] == "burn_cpu" for i in stacks[s["stack_id"]])]
    assert len(burning) >= 0.8 * len(inside)
    innermost = frames[stacks[burning[0]["stack_id"]][0]]
    assert innermost["function"] == "burn_cpu"
    assert innermost["module"] == __name__ and innermost["abs_path"] == __file__
    assert profile["thread_metadata"][meta["active_thread_id"]]["name"] == "MainThread"


def test_the_profiles_sampler_decides_after_the_transaction(
    sentry_init: Any, sentry_envelopes: Any, sentry_lost: Any
) -> None:
    contexts: list[dict[str, Any]] = []

    def profiles_sampler(context: dict[str, Any]) -> float:
        contexts.append(context)
        return 1.0 if context["transaction_context"]["name"] == "wanted" else 0.0

    sentry_init(traces_sample_rate=1.0, traces_sampler=lambda c: c["transaction_context"][
        "name"] != "unsampled", profiles_sampler=profiles_sampler)
    for name in ("wanted", "unwanted", "unsampled"):
        with sentry_lite.start_transaction(name=name) as tx:
            if tx._profile is not None:
                while tx._profile.unique_samples < 3:
                    pass
    # the sampler is asked only for sampled transactions, with their sampling context
    assert [c["transaction_context"]["name"] for c in contexts] == ["wanted", "unwanted"]
    profiled = [[i.payload.json["transactions"][0]["name"] for i in e.items if i.type == "profile"]
                for e in sentry_envelopes]
    assert profiled == [["wanted"], []]
    assert ("sample_rate", "profile", 1) in sentry_lost


def test_a_profile_with_too_few_samples_is_dropped_and_counted(
    sentry_init: Any, sentry_lost: Any
) -> None:
    client = sentry_init(traces_sample_rate=1.0, profiles_sample_rate=1.0)
    scheduler = transaction_profiler.current_scheduler()
    profile = transaction_profiler.Profile(True, 0, scheduler=scheduler)
    profile.active = True
    profile.start_ns = 1_000
    profile.write(2_000, (1, (Frame("f", "m", "m.py", "/m.py", 1),)))
    assert profile.unique_samples == 1 < transaction_profiler.PROFILE_MINIMUM_SAMPLES
    assert not profile.valid(client)
    assert ("insufficient_data", "profile", 1) in sentry_lost


def test_a_profile_stops_at_30_seconds_and_at_its_memory_budget(sentry_init: Any) -> None:
    sentry_init(traces_sample_rate=1.0, profiles_sample_rate=1.0)
    stack = (Frame("f", "m", "m.py", "/m.py", 1),)
    profile = transaction_profiler.Profile(True, 0)
    profile.active, profile.start_ns = True, 10**9
    profile.write(2 * 10**9, (1, stack))
    profile.write(10**9 + transaction_profiler.MAX_PROFILE_DURATION_NS + 1, (1, stack))
    assert not profile.active and profile.unique_samples == 1

    profile = transaction_profiler.Profile(True, 0)
    profile.active, profile.start_ns = True, 10**9
    profile.recording.limit = 4  # thread samples
    for tick in range(5):
        profile.write(10**9 + tick, (1, stack, 2, stack))
    assert not profile.active and profile.recording.entries == 4
    assert profile.recording.truncated


def test_a_dropped_transaction_takes_its_profile_along(
    sentry_init: Any, sentry_envelopes: Any, sentry_lost: Any
) -> None:
    sentry_init(traces_sample_rate=1.0, profiles_sample_rate=1.0,
                before_send_transaction=lambda event, hint: None)
    with sentry_lite.start_transaction(name="dropped") as tx:
        while tx._profile.unique_samples < 3:
            pass
    assert sentry_envelopes == []
    assert ("before_send", "profile", 1) in sentry_lost


def test_no_profile_without_profiling_options(sentry_init: Any, sentry_envelopes: Any) -> None:
    sentry_init(traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="plain") as tx:
        assert tx._profile is None
    assert [i.type for i in sentry_envelopes[0].items] == ["transaction"]


@pytest.mark.parametrize(
    ("option", "value"),
    [("profiles_sample_rate", 2), ("profile_session_sample_rate", "all"),
     ("profiles_sampler", 0.5), ("profile_lifecycle", "auto"), ("profiler_mode", "signal")],
)
def test_bad_profiling_options_fail_at_init(option: str, value: Any) -> None:
    with pytest.raises(ValueError, match=option):
        sentry_lite.init(**{option: value})


def test_profiling_options_are_no_longer_reported_as_inert(sentry_init: Any, capsys: Any) -> None:
    sentry_init(debug=True, traces_sample_rate=1.0, profiles_sample_rate=1.0,
                profile_session_sample_rate=1.0, profile_lifecycle="trace")
    err = capsys.readouterr().err
    assert "profiles_sample_rate is accepted but has no effect" not in err
    assert "profile_session_sample_rate is accepted but has no effect" not in err


def test_the_module_offers_the_official_names() -> None:
    official = pytest.importorskip("sentry_sdk.profiler")
    import sentry_lite.profiler as ours

    assert sorted(ours.__all__) == sorted(official.__all__)
    for name in ours.__all__:
        assert getattr(ours, name) is not None
    assert ours.DEFAULT_SAMPLING_FREQUENCY == official.DEFAULT_SAMPLING_FREQUENCY == 101
    assert ours.MAX_PROFILE_DURATION_NS == official.MAX_PROFILE_DURATION_NS
    assert ours.PROFILE_MINIMUM_SAMPLES == official.PROFILE_MINIMUM_SAMPLES


GEVENT_SCRIPT = """
from gevent import monkey

monkey.patch_all()

import sys, time
import sentry_lite

sentry_lite.init(dsn=sys.argv[1], debug=True, traces_sample_rate=1.0,
                 profiles_sample_rate=1.0, default_integrations=False)

def green_burn(tx):
    start = time.perf_counter()
    while tx._profile.unique_samples < 10 and time.perf_counter() - start < 30:
        pass

with sentry_lite.start_transaction(name="green") as tx:
    green_burn(tx)
sentry_lite.flush()
"""


def test_under_gevent_the_running_greenlet_is_sampled(sentry_server: Any) -> None:
    pytest.importorskip("gevent")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    result = subprocess.run([sys.executable, "-c", GEVENT_SCRIPT, sentry_server.dsn], cwd=root,
                            check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    # said plainly: greenlets waiting in the hub are not sampled
    assert "only the greenlet running in each OS thread is sampled" in result.stderr
    assert sentry_server.wait_for(lambda s: bool(s.items_of("profile")), timeout=10)
    [payload] = _profile_items(sentry_server)
    check_profile_v1(payload)
    profile = payload["profile"]
    functions = [{profile["frames"][i]["function"] for i in profile["stacks"][s["stack_id"]]}
                 for s in profile["samples"]]
    assert sum("green_burn" in f for f in functions) >= 5


def test_transaction_profiling_is_deprecated_as_upstream(sentry_init: Any) -> None:
    with pytest.warns(DeprecationWarning, match="continuous profiling") as caught:
        sentry_init(traces_sample_rate=1.0, profiles_sample_rate=1.0)
    assert caught[0].filename != transaction_profiler.__file__
    assert "sentry_lite" not in caught[0].filename.split(os.sep)


def test_a_profiles_sampler_that_raises_costs_only_the_profile(
    sentry_init: Any, sentry_envelopes: Any
) -> None:
    def broken(context: dict[str, Any]) -> float:
        raise RuntimeError("sampler bug")

    sentry_init(traces_sample_rate=1.0, profiles_sampler=broken)
    with sentry_lite.start_transaction(name="still sent") as tx:
        assert tx._profile is None
    [envelope] = sentry_envelopes
    assert [i.type for i in envelope.items] == ["transaction"]
