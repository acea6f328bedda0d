"""Feature-flag evaluations kept on a scope: a bounded buffer, newest last.

Setting a flag that is already there moves it to the newest end; past ``capacity``
flags the oldest is forgotten. Error events carry the merged buffers of their scopes
as ``contexts.flags.values`` (``[{"flag": name, "result": bool}, ...]``, oldest first).
"""

from __future__ import annotations

import threading

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

DEFAULT_FLAG_CAPACITY = 100


class FlagBuffer:
    """The most recent ``capacity`` flag evaluations, oldest first."""

    def __init__(self, capacity: int = DEFAULT_FLAG_CAPACITY) -> None:
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"a flag buffer holds at least one flag, got {capacity!r}")
        self.capacity = capacity
        self.lock = threading.Lock()
        self._evaluations: dict[str, bool] = {}

    def set(self, flag: str, result: bool) -> None:
        """Record ``flag`` = ``result`` as the newest evaluation."""
        if isinstance(result, FlagBuffer):
            raise ValueError("a FlagBuffer cannot be stored in a FlagBuffer")
        with self.lock:
            flags = self._evaluations
            flags.pop(flag, None)
            if len(flags) >= self.capacity:
                del flags[next(iter(flags))]
            flags[flag] = result

    def get(self) -> list[dict[str, Any]]:
        """The evaluations as the event carries them, oldest first."""
        with self.lock:
            return [{"flag": flag, "result": result} for flag, result in self._evaluations.items()]

    def clear(self) -> None:
        with self.lock:
            self._evaluations = {}

    def copy(self) -> FlagBuffer:
        new = FlagBuffer(self.capacity)
        with self.lock:
            new._evaluations = self._evaluations.copy()
        return new

    def __copy__(self) -> FlagBuffer:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> FlagBuffer:
        return self.copy()

    def __len__(self) -> int:
        return len(self._evaluations)

    def __repr__(self) -> str:
        return f"<FlagBuffer {len(self._evaluations)}/{self.capacity}>"


def merged_flags(buffers: Iterable[FlagBuffer | None]) -> list[dict[str, Any]]:
    """The buffers of several scopes as one (later scopes' evaluations are newer)."""
    found = [buffer for buffer in buffers if buffer]
    if not found:
        return []
    if len(found) == 1:
        return found[0].get()
    merged = found[0].copy()
    for buffer in found[1:]:
        for entry in buffer.get():
            merged.set(entry["flag"], entry["result"])
    return merged.get()


__all__ = ["DEFAULT_FLAG_CAPACITY", "FlagBuffer", "merged_flags"]
