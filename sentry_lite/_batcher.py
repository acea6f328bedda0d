"""One batcher for item streams (logs, metrics, and later streamed spans).

Each stream is a bounded buffer. The caller's thread only appends (under a lock held
for the append alone); one daemon thread per batcher, started with the first item,
turns the buffers into envelope items and hands the envelope to ``send`` (the
client's transport, which queues it without blocking). A stream is flushed when it
holds ``flush_at`` items, every ``interval`` seconds, on ``flush()`` (the client's
flush) and at interpreter exit (an ``atexit`` hook, even without the atexit
integration), and never twice. Past ``drop_at`` buffered items a new one is
dropped and counted with ``lost(reason, category, quantity)``.

After ``os.fork()`` the child starts with empty buffers, a fresh lock and no thread
(one starts with its first item): what the parent buffered is the parent's to send.
"""

from __future__ import annotations

import os
import threading
import time
import weakref

from sentry_lite.envelope import Envelope, Item, PayloadRef
from sentry_lite.transport import _process
from sentry_lite.transport._process import at_fork_child

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Lost = Callable[[str, str, int], None]

FLUSH_INTERVAL = 5.0

_batchers: weakref.WeakSet[Batcher] = weakref.WeakSet()
_exit_hook: list[bool] = []
_local = threading.local()


def in_batcher() -> bool:
    """True while this thread runs the batcher's own code (re-entry is refused)."""
    return getattr(_local, "busy", False)


def _flush_all_at_exit() -> None:
    # Registered when the first batcher thread starts, so after the transport's own exit
    # hook: it runs first (atexit is last in, first out) and the transport then sends.
    for batcher in list(_batchers):
        if not batcher._closed:
            batcher.flush()


def _after_fork_in_child() -> None:
    for batcher in list(_batchers):
        batcher._reset_after_fork()


at_fork_child(_after_fork_in_child)  # also run when a fork skipped Python's hooks


def _now_iso() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}Z"


FULL_WAIT = 0.05  # seconds a caller that found a buffer full waits for a batch being encoded


class Stream:
    """One kind of item: its buffer, thresholds and wire form."""

    __slots__ = ("buffer", "byte_category", "category", "content_type", "drop_at",
                 "encode", "flush_at", "item_type")

    def __init__(
        self,
        item_type: str,
        content_type: str,
        category: str,
        encode: Callable[[Any], Any],
        flush_at: int,
        drop_at: int,
        byte_category: str | None = None,
    ) -> None:
        self.item_type = item_type
        self.content_type = content_type
        self.category = category
        self.byte_category = byte_category
        self.encode = encode
        self.flush_at = flush_at
        self.drop_at = drop_at
        self.buffer: list[Any] = []

    def item(self, batch: list[Any]) -> Item:
        """The envelope item carrying ``batch`` (``{"version": 2, "items": [...]}``)."""
        encode = self.encode
        return Item(
            PayloadRef(json={"version": 2, "items": [encode(entry) for entry in batch]}),
            headers={"item_count": len(batch)},
            type=self.item_type,
            content_type=self.content_type,
        )


class Batcher:
    """Buffers of several streams, flushed by one background thread."""

    def __init__(
        self,
        send: Callable[[Envelope], None],
        lost: Lost,
        interval: float = FLUSH_INTERVAL,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self._send = send
        self._lost = lost
        self._interval = interval
        self._on_error = on_error
        self._streams: list[Stream] = []
        self._lock = threading.Lock()  # held for an append or a buffer swap only
        self._sending = threading.Lock()  # held while a batch is encoded and handed over
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        _batchers.add(self)

    def stream(self, *args: Any, **kwargs: Any) -> Stream:
        """Add a stream (arguments as for :class:`Stream`)."""
        new = Stream(*args, **kwargs)
        self._streams.append(new)
        return new

    # -- the caller's side -------------------------------------------------------------

    def add(self, stream: Stream, entry: Any) -> bool:
        """Buffer ``entry``; False (and counted) if the stream is full or the batcher closed."""
        if os.getpid() != _process.pid:
            _process.adopt_fork()  # forked without Python's fork hooks: restart the thread
        if self._thread is None and not self._start():
            self.drop(stream, entry, "queue_overflow")
            return False
        with self._lock:
            buffer = stream.buffer
            size = len(buffer)
            if size < stream.drop_at:
                buffer.append(entry)
        if size >= stream.drop_at:
            return self._add_when_full(stream, entry)
        if size + 1 >= stream.flush_at:
            self._wake.set()
        return True

    def _add_when_full(self, stream: Stream, entry: Any) -> bool:
        # The thread has fallen behind (a busy caller starving it of the GIL): rather than
        # drop, this caller hands the full buffer to the transport itself (which queues it,
        # never waiting on the network), after the batch being encoded, if any, is handed
        # over (waiting at most FULL_WAIT). Only past that is the entry dropped (counted).
        if self._sending.acquire(timeout=FULL_WAIT):
            was_busy = getattr(_local, "busy", False)
            _local.busy = True
            try:
                self._flush_stream(stream)
            finally:
                _local.busy = was_busy
                self._sending.release()
            with self._lock:
                buffer = stream.buffer
                if len(buffer) < stream.drop_at:
                    buffer.append(entry)
                    return True
        self.drop(stream, entry, "queue_overflow")
        return False

    def drop(self, stream: Stream, entry: Any, reason: str) -> None:
        """Count ``entry`` as lost: one item, and its size in bytes for streams that count bytes."""
        try:
            self._lost(reason, stream.category, 1)
            if stream.byte_category is not None:
                size = len(stream.item([entry]).get_bytes())
                self._lost(reason, stream.byte_category, size)
        except Exception:
            self._report("could not count a dropped item")

    def _start(self) -> bool:
        if self._closed:
            return False
        if not _exit_hook:
            import atexit

            _exit_hook.append(True)
            atexit.register(_flush_all_at_exit)
        with self._lock:
            if self._thread is not None:
                return True
            thread = threading.Thread(target=self._run, name="sentry_lite.batcher", daemon=True)
            self._thread = thread
            try:
                thread.start()
            except RuntimeError:  # interpreter shutting down: flush() still sends
                self._thread = None
        return True

    # -- the background side -----------------------------------------------------------

    def _run(self) -> None:
        _local.busy = True
        me = threading.current_thread()
        while not self._closed and self._thread is me:
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._closed or self._thread is not me:
                return
            self._flush_streams()

    def flush(self) -> None:
        """Send everything buffered now, in the calling thread."""
        was_busy = getattr(_local, "busy", False)
        _local.busy = True
        try:
            self._flush_streams()
        finally:
            _local.busy = was_busy

    def _flush_streams(self) -> None:
        # One flush at a time: flush() returns only after a batch the thread took is sent.
        with self._sending:
            for stream in self._streams:
                self._flush_stream(stream)

    def _flush_stream(self, stream: Stream) -> None:
        with self._lock:
            batch = stream.buffer
            if not batch:
                return
            stream.buffer = []
        try:
            envelope = Envelope(headers={"sent_at": _now_iso()}, items=[stream.item(batch)])
        except Exception:
            self._report(f"could not encode a batch of {stream.item_type} items")
            self._lost("internal_sdk_error", stream.category, len(batch))
            return
        try:
            self._send(envelope)
        except Exception:
            self._report("the transport refused a batch")

    def pending(self) -> int:
        return sum(len(stream.buffer) for stream in self._streams)

    def kill(self) -> None:
        """Stop the thread; what is still buffered is dropped (flush first to send it)."""
        self._closed = True
        self._thread = None
        self._wake.set()
        with self._lock:
            for stream in self._streams:
                stream.buffer = []

    def _reset_after_fork(self) -> None:
        self._lock = threading.Lock()
        self._sending = threading.Lock()
        self._wake = threading.Event()
        self._thread = None
        for stream in self._streams:
            stream.buffer = []

    def _report(self, message: str) -> None:
        if self._on_error is not None:
            try:
                self._on_error(message)
            except Exception:
                pass


__all__ = ["FLUSH_INTERVAL", "Batcher", "Stream", "in_batcher"]
