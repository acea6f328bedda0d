"""The durable outbox: envelopes that could not be sent before exit, kept on disk.

Opt-in (``_experiments={"outbox_path": DIR}``). At exit, whatever the transport
still holds after its flush (queued, packed in the overflow lane, kept across an
outage; not the one a request is in flight for) is written to a folder of
``DIR`` named after the DSN, one gzip file per envelope, within a bound
(``max_bytes``, ``max_files``: the newest that do not fit are not written). The
next process with the same ``DIR`` and DSN sends them, oldest first, when its
queue is empty; a flush waits for them too.

Never sent twice: a process *claims* a file by renaming it to a name of its own
(atomic: of several processes, one wins), reads it and deletes it; from then on
the envelope is that process's, in memory, and goes back to disk only through
its own exit. A process killed in between loses what it had claimed, as it
loses what it had in memory.

Stdlib only; nothing here runs unless the option is set.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

SUFFIX = ".envelope.gz"
MAX_BYTES = 16 * 1024 * 1024
MAX_FILES = 1000


class Outbox:
    """A directory of gzipped envelopes, oldest first by name."""

    def __init__(self, path: str, max_bytes: int = MAX_BYTES, max_files: int = MAX_FILES) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self.max_bytes = max_bytes
        self.max_files = max_files
        self._seq = 0

    @classmethod
    def for_dsn(cls, root: str, dsn: str) -> Outbox:
        """The outbox of ``dsn`` under ``root`` (one folder per DSN: envelopes go where
        they were meant to)."""
        import hashlib

        key = hashlib.sha256(dsn.encode("utf-8")).hexdigest()[:16]
        return cls(os.path.join(root, key))

    def _names(self) -> list[str]:
        try:
            return sorted(name for name in os.listdir(self.path) if name.endswith(SUFFIX))
        except OSError:  # no directory (yet), or unreadable
            return []

    def __len__(self) -> int:
        return len(self._names())

    def claim(self) -> bytes | None:
        """The oldest envelope left (its bytes, decompressed), now ours and off the disk."""
        import zlib

        for name in self._names():
            source = os.path.join(self.path, name)
            claimed = f"{source}.{os.getpid()}.claimed"
            try:
                os.rename(source, claimed)  # another process may win: then try the next
            except OSError:
                continue
            try:
                with open(claimed, "rb") as file:
                    data = file.read()
            finally:
                _remove(claimed)
            try:
                return zlib.decompress(data, 31)
            except zlib.error:
                continue  # damaged (a write cut short): dropped
        return None

    def write(self, envelopes: Iterable[bytes]) -> int:
        """Write ``envelopes`` (serialized), oldest first, within the bounds; how many fit."""
        import zlib

        names = self._names()
        used = sum(_size(os.path.join(self.path, name)) for name in names)
        count = len(names)
        written = 0
        for data in envelopes:
            compressor = zlib.compressobj(5, zlib.DEFLATED, 31)
            body = compressor.compress(data) + compressor.flush()
            if count >= self.max_files or used + len(body) > self.max_bytes:
                break
            if not written:
                os.makedirs(self.path, exist_ok=True)
            self._write_one(body)
            written, count, used = written + 1, count + 1, used + len(body)
        return written

    def _write_one(self, body: bytes) -> None:
        import time

        self._seq += 1
        name = f"{time.time_ns():020d}-{os.getpid()}-{self._seq:06d}{SUFFIX}"
        final = os.path.join(self.path, name)
        partial = final + ".tmp"  # (not listed until renamed: SUFFIX is not its end)
        with open(partial, "wb") as file:
            file.write(body)
        os.replace(partial, final)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


__all__ = ["MAX_BYTES", "MAX_FILES", "SUFFIX", "Outbox"]
