"""Stack helpers of the official SDK's ``sentry_sdk.profiler.utils``, for code that calls them.

The sampler itself (``_sampler``) interns frames and stacks instead; these build the same
values one call at a time: a frame id ``(abs_path, lineno, function)``, a frame's dict, and a
stack ``(stack_id, frame_ids, frames)`` listed from the innermost frame outwards.
"""

from __future__ import annotations

import os

from sentry_lite._event.paths import filename_for
from sentry_lite.profiler._sampler import (
    DEFAULT_SAMPLING_FREQUENCY,
    MAX_STACK_DEPTH,
    get_frame_name,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

    FrameId = tuple[str, int, str]


def frame_id(raw_frame: FrameType) -> FrameId:
    return (raw_frame.f_code.co_filename, raw_frame.f_lineno, get_frame_name(raw_frame))


def extract_frame(fid: FrameId, raw_frame: FrameType, cwd: str) -> dict[str, Any]:
    """The profile format's frame for ``raw_frame`` (paths relative to ``cwd`` made absolute)."""
    abs_path = os.path.join(cwd, raw_frame.f_code.co_filename)
    module = raw_frame.f_globals.get("__name__")
    if not isinstance(module, str):
        module = None
    return {
        "abs_path": abs_path,
        "module": module,
        "filename": filename_for(module, abs_path) or None,
        "function": fid[2],
        "lineno": raw_frame.f_lineno,
    }


def extract_stack(
    raw_frame: FrameType | None,
    cache: Any,
    cwd: str,
    max_stack_depth: int = MAX_STACK_DEPTH,
) -> tuple[tuple[int, int], tuple[FrameId, ...], list[dict[str, Any]]]:
    """``(stack_id, frame_ids, frames)`` for the stack ending at ``raw_frame``.

    ``cache`` is any object with ``get(key)`` and ``set(key, value)`` (or a dict).
    """
    raw: list[FrameType] = []
    while raw_frame is not None and len(raw) < max_stack_depth:
        raw.append(raw_frame)
        raw_frame = raw_frame.f_back
    ids = tuple(frame_id(f) for f in raw)
    frames = []
    for fid, f in zip(ids, raw, strict=True):
        frame = cache.get(fid)
        if frame is None:
            frame = extract_frame(fid, f, cwd)
            if hasattr(cache, "set"):
                cache.set(fid, frame)
            else:
                cache[fid] = frame
        frames.append(frame)
    return (len(ids), hash(ids)), ids, frames


__all__ = [
    "DEFAULT_SAMPLING_FREQUENCY",
    "MAX_STACK_DEPTH",
    "extract_frame",
    "extract_stack",
    "frame_id",
    "get_frame_name",
]
