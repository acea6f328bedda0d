"""The profile formats as Relay parses them, checked by hand.

The installed ``sentry-relay`` (0.10.x) offers no profile validator (``test_relay_has_no_profile
validator`` notices when one appears): these checks follow Relay's own parser, ``relay-profiling``
(``src/sample/v1.rs`` for ``profile`` items, ``src/sample/v2.rs`` for ``profile_chunk`` items,
``src/transaction_metadata.rs``), field by field: what must be there, with which type, and the
rules its ``normalize`` step enforces (stacks and frames referenced exist, at most 30 s, a
transaction with a name and ``relative_start_ns < relative_end_ns``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

_UUID = re.compile(r"^[0-9a-f]{32}$|^[0-9a-f-]{36}$", re.IGNORECASE)
MAX_DURATION_NS = 30_000_000_000


def _need(obj: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    assert key in obj, f"missing {key!r}"
    value = obj[key]
    assert isinstance(value, kind), f"{key!r} is {type(value).__name__}, expected {kind}"
    return value


def _number_string(value: Any) -> int:
    # Relay reads these ids and offsets as numbers written as strings
    assert isinstance(value, (str, int)) and str(value).isdigit(), f"not a number: {value!r}"
    return int(value)


def _frames_and_stacks(profile: dict[str, Any]) -> None:
    frames = _need(profile, "frames", list)
    stacks = _need(profile, "stacks", list)
    for frame in frames:
        assert isinstance(frame, dict)
        for key in ("abs_path", "filename", "function", "module"):
            assert frame.get(key) is None or isinstance(frame[key], str), key
        assert frame.get("lineno") is None or (isinstance(frame["lineno"], int)
                                               and frame["lineno"] >= 0)
        assert frame.get("in_app") is None or isinstance(frame["in_app"], bool)
    for stack in stacks:
        assert isinstance(stack, list)
        assert all(isinstance(i, int) and 0 <= i < len(frames) for i in stack), "MalformedStacks"
    metadata = profile.get("thread_metadata")
    if metadata is not None:
        assert isinstance(metadata, dict)
        for value in metadata.values():
            assert value.get("name") is None or isinstance(value["name"], str)


def check_profile_v1(payload: dict[str, Any]) -> None:
    """A ``profile`` item (sample format v1, one transaction)."""
    assert _need(payload, "version", str) == "1"
    assert _UUID.match(_need(payload, "event_id", str))
    _need(payload, "platform", str)
    datetime.fromisoformat(_need(payload, "timestamp", str).replace("Z", "+00:00"))
    _need(_need(payload, "device", dict), "architecture", str)
    os_block = _need(payload, "os", dict)
    _need(os_block, "name", str), _need(os_block, "version", str)
    if "runtime" in payload:
        _need(payload["runtime"], "name", str), _need(payload["runtime"], "version", str)
    for key in ("environment", "dist"):
        assert key not in payload or isinstance(payload[key], str), key
    assert payload.get("release") is None or isinstance(payload["release"], str)
    transactions = payload.get("transactions") or [payload.get("transaction")]
    tx = transactions[0]
    assert isinstance(tx, dict), "NoTransactionAssociated"
    assert _UUID.match(_need(tx, "id", str)) and _UUID.match(_need(tx, "trace_id", str))
    assert _need(tx, "name", str), "InvalidTransactionMetadata: empty name"
    start, end = _number_string(tx["relative_start_ns"]), _number_string(tx["relative_end_ns"])
    assert start < end, "InvalidTransactionMetadata"
    if "active_thread_id" in tx:
        _number_string(tx["active_thread_id"])
    profile = _need(payload, "profile", dict)
    _frames_and_stacks(profile)
    samples = _need(profile, "samples", list)
    kept = []
    for sample in samples:
        assert isinstance(_need(sample, "stack_id", int), int)
        _number_string(sample["thread_id"])
        elapsed = _number_string(sample["elapsed_since_start_ns"])
        if start <= elapsed <= end:
            kept.append(sample)
    per_thread: dict[str, int] = {}
    for sample in kept:
        per_thread[sample["thread_id"]] = per_thread.get(sample["thread_id"], 0) + 1
    kept = [s for s in kept if per_thread[s["thread_id"]] > 1]
    assert kept, "NotEnoughSamples"
    assert all(s["stack_id"] < len(profile["stacks"]) for s in kept), "MalformedSamples"
    assert int(kept[-1]["elapsed_since_start_ns"]) <= MAX_DURATION_NS, "DurationIsTooLong"


def check_chunk_v2(payload: dict[str, Any]) -> None:
    """A ``profile_chunk`` item (sample format v2)."""
    assert _need(payload, "version", str) == "2"
    assert _UUID.match(_need(payload, "chunk_id", str))
    assert _UUID.match(_need(payload, "profiler_id", str))
    _need(payload, "platform", str)
    _need(payload, "release", str)
    assert payload.get("environment") is None or isinstance(payload["environment"], str)
    sdk = payload.get("client_sdk")
    if sdk is not None:
        _need(sdk, "name", str), _need(sdk, "version", str)
    profile = _need(payload, "profile", dict)
    _frames_and_stacks(profile)
    samples = _need(profile, "samples", list)
    assert samples, "NotEnoughSamples"
    for sample in samples:
        assert isinstance(_need(sample, "timestamp", float), float)
        _need(sample, "thread_id", str)
        assert 0 <= _need(sample, "stack_id", int) < len(profile["stacks"]), "MalformedSamples"
