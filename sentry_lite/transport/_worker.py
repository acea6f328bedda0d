"""The background worker: a bounded queue of jobs run by one daemon thread.

It knows nothing of HTTP. A job is a callable without arguments; the owner may
also hand in a ``retry`` callable for work it deferred (envelopes kept across an
outage): the worker calls ``retry(force)`` when the queue is empty and the
deadline ``retry`` last asked for has come (or at once, with ``force=True``,
when someone flushes), and ``retry`` answers how many seconds until it wants to
run again (``None``: nothing deferred).

Guarantees:

- the thread starts on the first ``submit`` (nothing runs before an envelope
  exists); a full queue refuses the newest job (``submit`` returns False);
- behind the queue, an *overflow lane* bounded by bytes (``overflow_bytes``)
  takes jobs the owner made compact (``submit_compact(job, size)``); while it
  holds anything the queue refuses new jobs too, so that jobs run in the order
  they came (none overtakes an older one);
- ``flush(timeout)`` and ``close(timeout)`` wait at most ``timeout``, on a
  condition, never by polling;
- after ``os.fork()`` the child starts from a fresh lock, an empty queue and no
  thread (a new one starts on its first job): jobs queued by the parent are the
  parent's to run, and no lock the parent held is ever used by the child;
- when no thread can start (Python 3.12+ refuses new threads at interpreter
  shutdown), ``flush`` runs the queued jobs in the calling thread, within its
  timeout (``current_deadline()`` tells a job how long it may block).
"""

from __future__ import annotations

import threading
import time
import weakref

from sentry_lite.transport._deferred import DeferredWork
from sentry_lite.transport._process import at_fork_child

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    Job = Callable[[], object]

_local = threading.local()


def is_sdk_thread() -> bool:
    """True in a thread currently doing the SDK's own delivery work.

    Integrations that record outgoing HTTP requests (http.client breadcrumbs,
    spans) check it to leave the SDK's own requests out.
    """
    return getattr(_local, "sdk", False)


def current_deadline() -> float | None:
    """The ``time.monotonic()`` deadline of an inline flush running in this thread, if any."""
    return getattr(_local, "deadline", None)


_workers: weakref.WeakSet[BackgroundWorker] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for worker in list(_workers):
        worker._reset_after_fork()


at_fork_child(_after_fork_in_child)  # also run when a fork skipped Python's hooks


class BackgroundWorker:
    """One daemon thread, started lazily, running jobs from a bounded queue."""

    # flush(callback=...) tells the user it waits only after this many seconds
    noticeable_wait = 0.1

    def __init__(
        self,
        queue_size: int = 100,
        *,
        name: str = "sentry_lite.worker",
        retry: Callable[[bool], float | None] | None = None,
        deferred: Callable[[], int] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_fork_child: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        overflow_bytes: int = 0,
    ) -> None:
        self.queue_size = queue_size
        self.overflow_bytes = overflow_bytes
        self.name = name
        self._retry = retry
        self._count_deferred = deferred
        self._on_error = on_error
        self._on_fork_child = on_fork_child
        self._clock = clock
        self.killed = False  # a plain attribute: the caller's hot path reads it
        self._fresh_state()
        _workers.add(self)

    def _fresh_state(self) -> None:
        from collections import deque

        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._queue: deque[Job] = deque()
        self._overflow: deque[tuple[Job, int]] = deque()
        self._overflow_size = 0
        self._thread: threading.Thread | None = None  # None once it has ended
        self._sleeping = False  # the thread waits on the condition
        self._cannot_start = False
        self._active = False
        self._later = DeferredWork(self._retry, self._count_deferred, self._clock, self._cond)

    def _reset_after_fork(self) -> None:
        self._fresh_state()
        if self._on_fork_child is not None:
            try:
                self._on_fork_child()
            except Exception as exc:
                self._report(exc)

    # -- the caller's side ----------------------------------------------------------

    def submit(self, callback: Job) -> bool:
        """Queue ``callback`` (a job); False (not queued) when the queue is full, the overflow lane
        holds jobs, or the worker was killed."""
        # The hot path: the raw lock (it is the condition's), no notify unless needed.
        with self._lock:
            if self.killed or len(self._queue) >= self.queue_size or self._overflow:
                return False
            self._queue.append(callback)
            if self._thread is None:  # (_wake, inlined: this is the hot path)
                self._ensure_thread()
            elif self._sleeping:
                self._cond.notify()
        return True

    def start(self) -> None:
        """Start the thread now (it also starts by itself on the first job)."""
        with self._lock:
            self._ensure_thread()

    def full(self) -> bool:
        """The queue holds ``queue_size`` jobs: the next ``submit`` would be refused."""
        return len(self._queue) >= self.queue_size or bool(self._overflow)

    def submit_compact(self, job: Job, size: int) -> bool:
        """Queue ``job`` (whose data takes ``size`` bytes) in the overflow lane.

        False (not queued) when the lane's bytes would pass ``overflow_bytes``
        or the worker was killed.
        """
        with self._lock:
            if self.killed or self._overflow_size + size > self.overflow_bytes:
                return False
            self._overflow.append((job, size))
            self._overflow_size += size
            self._wake()
        return True

    def _wake(self) -> None:
        # Called with the lock held.
        if self._thread is None:
            self._ensure_thread()
        elif self._sleeping:
            self._cond.notify()

    def queued(self) -> int:
        """Jobs waiting (queue and lane)."""
        return len(self._queue) + len(self._overflow)

    @property
    def overflow_size(self) -> int:
        """Bytes held in the overflow lane."""
        return self._overflow_size

    def _pop(self) -> Job | None:
        # Called with the lock held: the next job, queue first, then the overflow lane.
        if self._queue:
            return self._queue.popleft()
        if self._overflow:
            job, size = self._overflow.popleft()
            self._overflow_size -= size
            return job
        return None

    def schedule_retry(self, delay: float) -> None:
        """Ask for ``retry`` to run in ``delay`` seconds (sooner if already asked)."""
        with self._cond:
            if self._later.schedule(delay):
                self._cond.notify()

    @property
    def is_alive(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def pending(self) -> int:
        """Jobs queued or running, plus deferred work the owner reports."""
        count = len(self._queue) + len(self._overflow) + (1 if self._active else 0)
        return count + self._later.waiting()

    def _idle(self) -> bool:
        return not (self._queue or self._overflow or self._active or self._later.waiting())

    def flush(self, timeout: float, callback: Callable[[int, float], None] | None = None) -> bool:
        """Wait up to ``timeout`` seconds for the queue (and deferred work) to drain.

        Deferred work is tried once at once. Returns True when nothing is left.
        ``callback(pending, timeout)`` is called only when the wait is noticeable: when the
        work is not done after ``noticeable_wait`` seconds (as the official SDK does).
        """
        deadline = self._clock() + max(timeout, 0.0)
        with self._cond:
            if self.killed or self._idle() or threading.current_thread() is self._thread:
                return self._idle()  # (a job flushing its own worker would wait for itself)
        if callback is None:
            self._flush_until(deadline, None)
        else:
            first = min(deadline, self._clock() + self.noticeable_wait)
            wanted = self._flush_until(first, None)
            with self._cond:
                pending = 0 if self._idle() else self.pending()
            if pending:
                try:
                    callback(pending, timeout)
                except Exception as exc:
                    self._report(exc)
                self._flush_until(deadline, wanted)
        with self._cond:
            return self._idle()

    def _flush_until(self, deadline: float, wanted: int | None) -> int:
        """Force the work through until ``deadline``; ``wanted`` continues a flush."""
        with self._cond:
            if wanted is None:
                wanted = self._later.ask()
                if self._queue or self._overflow or self._later.enabled:
                    self._ensure_thread()
            if not self.is_alive and self._cannot_start:
                inline = True
            else:
                inline = False
                self._cond.notify()
                self._wait(deadline, wanted)
        if inline:
            _drain_inline(self, deadline)
        return wanted

    def _wait(self, deadline: float, wanted: int) -> None:
        while not self._idle():
            if self._later.tried(wanted, deadline) and not (
                self._queue or self._overflow or self._active
            ):
                return  # tried; the next retry falls after our deadline
            remaining = deadline - self._clock()
            if remaining <= 0 or not self.is_alive:
                return
            self._cond.wait(remaining)

    def take_pending(self) -> list[Job]:
        """Remove and return every queued job (queue, then lane); a running one runs on."""
        with self._cond:
            jobs = list(self._queue) + [job for job, _ in self._overflow]
            self._queue.clear()
            self._overflow.clear()
            self._overflow_size = 0
            self._cond.notify_all()
        return jobs

    def kill(self) -> None:
        """Stop: drop queued jobs; the thread ends after its current job. Never blocks."""
        with self._cond:
            self.killed = True
            self._queue.clear()
            self._overflow.clear()
            self._overflow_size = 0
            self._later.cancel()
            self._cond.notify_all()
        _workers.discard(self)

    # -- the thread's side ----------------------------------------------------------

    def _ensure_thread(self) -> None:
        # Called with the lock held.
        if self.killed or self._thread is not None:
            return
        thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread = thread
        try:
            thread.start()
        except RuntimeError:
            # Interpreter shutdown (3.12+) or no more threads: flush() runs jobs inline.
            self._thread = None
            self._cannot_start = True
            return
        self._cannot_start = False

    def _run(self) -> None:
        _local.sdk = True
        me = threading.current_thread()
        try:
            while True:
                task = self._next_task(me)
                if task is None:
                    return
                try:
                    self._call(task)
                finally:
                    with self._cond:
                        self._active = False
                        self._cond.notify_all()
        finally:
            with self._cond:
                if self._thread is me:
                    self._thread = None  # the next submit starts a new one
                self._cond.notify_all()

    def _next_task(self, me: threading.Thread) -> Job | None:
        with self._cond:
            while True:
                if self.killed or self._thread is not me:
                    return None
                job = self._pop()
                if job is not None:
                    self._active = True
                    return job
                if self._later.is_due():
                    self._active = True
                    return self._later.job()
                self._sleeping = True
                try:
                    self._cond.wait(self._later.timeout())
                finally:
                    self._sleeping = False

    def _call(self, task: Job) -> None:
        try:
            task()
        except Exception as exc:
            self._report(exc)

    def _report(self, exc: BaseException) -> None:
        if self._on_error is not None:
            try:
                self._on_error(exc)
            except Exception:
                pass


def _drain_inline(worker: BackgroundWorker, deadline: float) -> None:
    """Run ``worker``'s queued jobs, then its deferred work, in the calling thread until
    done or ``deadline`` (no thread can start: interpreter shutdown)."""
    was_sdk = is_sdk_thread()
    _local.sdk = True
    _local.deadline = deadline
    try:
        while worker._clock() < deadline:
            with worker._cond:
                job = None if worker.killed else worker._pop()
            if job is None:
                break
            worker._call(job)
        later = worker._later
        if later.enabled and worker._clock() < deadline:
            with worker._cond:
                ticket = later.asked
            try:
                later.run(True, ticket)
            except Exception as exc:
                worker._report(exc)
    finally:
        _local.sdk = was_sdk
        _local.deadline = None


__all__ = ["BackgroundWorker", "current_deadline", "is_sdk_thread"]
