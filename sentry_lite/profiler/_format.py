"""From recorded ticks to the profile format Sentry ingests (``frames``, ``stacks``, ``samples``).

A recording is two parallel lists: the tick times (``perf_counter_ns``) and the samples, each a
flat tuple ``(thread_id, stack, thread_id, stack...)`` of the sampler's shared objects. Frames
and stacks are numbered here, in order of first appearance; a stack lists its frames from the
innermost (the running line) outwards, as the format wants.
"""

from __future__ import annotations

import os
import sys
import threading

from sentry_lite._event.paths import paths_for

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sentry_lite.profiler._sampler import Frame, Stack


class Recording:
    """Ticks delivered by the sampler to one profile or chunk, bounded in entries."""

    __slots__ = ("entries", "limit", "samples", "times", "truncated")

    def __init__(self, limit: int) -> None:
        self.times: list[int] = []
        self.samples: list[tuple[Any, ...]] = []
        self.entries = 0
        self.limit = limit
        self.truncated = False

    def add(self, ts: int, sample: tuple[Any, ...]) -> bool:
        """Keep one tick; False (and nothing kept) once the entry budget is spent."""
        count = len(sample) >> 1
        if self.entries + count > self.limit:
            self.truncated = True
            return False
        self.entries += count
        self.times.append(ts)
        self.samples.append(sample)
        return True


def build_profile(
    recording: Recording,
    when: Callable[[int], Any],
    time_key: str,
    options: Any,
    thread_names: dict[int, str],
) -> dict[str, Any]:
    """The ``profile`` object: frames, stacks, samples (``time_key: when(ts)``), thread names."""
    frame_index: dict[int, int] = {}
    frames: list[dict[str, Any]] = []
    stack_index: dict[int, int] = {}
    stacks: list[list[int]] = []
    samples: list[dict[str, Any]] = []
    threads: set[int] = set()
    paths = paths_for(options) if options is not None else None
    # the sampler may still be adding a tick: take the ticks complete so far
    count = min(len(recording.times), len(recording.samples))
    for ts, sample in zip(recording.times[:count], recording.samples[:count], strict=True):
        stamp = when(ts)
        for i in range(0, len(sample), 2):
            tid = sample[i]
            stack: Stack = sample[i + 1]
            index = stack_index.get(id(stack))
            if index is None:
                index = stack_index[id(stack)] = len(stacks)
                stacks.append([_index(f, frame_index, frames, paths) for f in stack])
            threads.add(tid)
            samples.append({time_key: stamp, "thread_id": str(tid), "stack_id": index})
    return {
        "frames": frames,
        "stacks": stacks,
        "samples": samples,
        "thread_metadata": _thread_metadata(threads, thread_names),
    }


def _index(frame: Frame, index: dict[int, int], frames: list[dict[str, Any]], paths: Any) -> int:
    found = index.get(id(frame))
    if found is None:
        found = index[id(frame)] = len(frames)
        record: dict[str, Any] = {
            "function": frame.function,
            "module": frame.module,
            "filename": frame.filename,
            "abs_path": frame.abs_path,
            "lineno": frame.lineno,
        }
        if paths is not None:
            record["in_app"] = paths.in_app(frame.module, frame.abs_path)
        frames.append(record)
    return found


def _thread_metadata(threads: set[int], remembered: dict[int, str]) -> dict[str, Any]:
    # The name the sampler saw wins: once a thread ends its id is reused, and the thread alive
    # under that id now may never have been sampled in this profile.
    live = {thread.ident: thread.name for thread in threading.enumerate()}
    return {
        str(tid): {"name": str(remembered.get(tid) or live.get(tid) or tid)}
        for tid in sorted(threads)
    }


_platform: list[dict[str, Any]] = []


def platform_blocks() -> dict[str, Any]:
    """The ``device``, ``os`` and ``runtime`` blocks of a transaction profile (read once)."""
    if not _platform:
        try:
            uname = os.uname()
            system, release, machine = uname.sysname, uname.release, uname.machine
        except AttributeError:  # Windows
            import platform

            system, release, machine = platform.system(), platform.release(), platform.machine()
        impl = sys.implementation.name
        _platform.append({
            "device": {"architecture": machine},
            "os": {"name": system, "version": release},
            "runtime": {
                "name": "CPython" if impl == "cpython" else impl,
                "version": ".".join(map(str, sys.version_info[:3])),
            },
        })
    return {key: dict(value) for key, value in _platform[0].items()}


__all__ = ["Recording", "build_profile", "platform_blocks"]
