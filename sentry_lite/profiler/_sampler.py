"""The stack sampler: one daemon thread that reads every other thread's stack 101 times a second.

Each tick reads ``sys._current_frames()`` and turns each thread's frames into a *stack*: a tuple
of interned :class:`Frame` records (one per code object and line). Equal stacks are the same
tuple object, so a tick is recorded as one flat tuple ``(thread_id, stack, thread_id, stack...)``
shared by every listener (transaction profiles, the continuous profiler's chunk); the profile
format's ``frames``/``stacks`` lists are built from these objects only when a payload is made.

Cheap by design: a thread whose top frame is the same live function frame as at the last tick
has the same callers (a running function's frame chain does not change), so its stack is found
with one identity check and one dict read per line; idle threads cost almost nothing. The
thread parks itself (exits) after a second without listeners and starts again on first use;
after ``fork()`` the child forgets the parent's thread and starts its own when needed.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from time import perf_counter_ns

from sentry_lite._event.paths import filename_for

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import CodeType, FrameType
    from typing import Any, Protocol

    Stack = tuple["Frame", ...]

    class Listener(Protocol):
        def write(self, ts: int, sample: Any) -> None: ...

DEFAULT_SAMPLING_FREQUENCY = 101
MAX_STACK_DEPTH = 128
_IDLE_TICKS = DEFAULT_SAMPLING_FREQUENCY  # a second without listeners: the thread exits
_MAX_INTERNED = 50_000  # frames or stacks remembered; past that the tables start afresh
_GENERATOR_FLAGS = 0x20 | 0x80 | 0x100 | 0x200  # generator, coroutine, iterable/async generator


class Frame:
    """One line of one function, as the profile format lists it (identity-hashed, shared)."""

    __slots__ = ("abs_path", "filename", "function", "lineno", "module")

    def __init__(self, function: str, module: str | None, filename: str, abs_path: str,
                 lineno: int) -> None:
        self.function = function
        self.module = module
        self.filename = filename
        self.abs_path = abs_path
        self.lineno = lineno

    def __repr__(self) -> str:
        return f"<Frame {self.function} {self.abs_path}:{self.lineno}>"


def get_frame_name(frame: FrameType) -> str:
    """The function's qualified name (``Class.method``): ``co_qualname`` on 3.11+; before, the
    class is found from the frame's ``self`` or ``cls``, as the official SDK does."""
    code = frame.f_code
    qualname = getattr(code, "co_qualname", None)
    if qualname is not None:
        return str(qualname)
    name = code.co_name
    first = code.co_varnames[0] if code.co_argcount and code.co_varnames else None
    if first in ("self", "cls"):
        try:
            owner = frame.f_locals.get(first)
            klass = owner if first == "cls" and isinstance(owner, type) else type(owner)
            for base in klass.__mro__:
                if name in base.__dict__:
                    return f"{base.__name__}.{name}"
        except Exception:
            pass
    return name


def _code_info(frame: FrameType) -> tuple[str, str | None, str, str]:
    code = frame.f_code
    module = frame.f_globals.get("__name__")
    if not isinstance(module, str):
        module = None
    raw = code.co_filename or "<unknown>"
    abs_path = raw if raw.startswith("<") else os.path.abspath(raw)
    return get_frame_name(frame), module, filename_for(module, abs_path), abs_path


def gevent_patched() -> bool:
    """True when gevent has replaced the ``threading`` module's threads with greenlets."""
    gevent = sys.modules.get("gevent.monkey")
    if gevent is None:
        return False
    try:
        return bool(gevent.is_module_patched("threading"))
    except Exception:
        return False


def original(module: str, name: str) -> Any:
    """``module.name`` as it was before gevent patched it (gevent is loaded when patched)."""
    return sys.modules["gevent.monkey"].get_original(module, name)


def os_thread_ident() -> int:
    """The caller's OS thread id (under gevent, of the thread running its hub)."""
    if gevent_patched():
        return int(original("_thread", "get_ident")())
    return threading.get_ident()


def _os_thread_api() -> tuple[Callable[..., Any], Callable[[float], None], Callable[[], int]]:
    """``start_new_thread``, ``sleep`` and ``get_ident`` of real OS threads (not greenlets)."""
    import _thread
    import time

    if gevent_patched():
        start = original("_thread", "start_new_thread")
        return start, original("time", "sleep"), original("_thread", "get_ident")
    return _thread.start_new_thread, time.sleep, _thread.get_ident


class Sampler:
    """The sampling thread and the interned frames and stacks it has seen."""

    def __init__(self, frequency: int = DEFAULT_SAMPLING_FREQUENCY) -> None:
        self.interval = 1.0 / frequency
        self.listeners: tuple[Listener, ...] = ()
        self.thread_names: dict[int, str] = {}
        self.running = False
        self.ident: int | None = None
        self.pid: int | None = None  # of the process the thread runs in
        self._lock = threading.Lock()
        self._generation = 0
        self._forget()

    def _forget(self) -> None:
        self._codes: dict[int, tuple[CodeType, tuple[str, str | None, str, str],
                                     dict[int, Frame]]] = {}
        self._stacks: dict[Stack, Stack] = {}
        self._frames = 0
        self._memo: dict[int, tuple[FrameType, dict[int, Stack]]] = {}
        self._previous: list[Any] = []
        self._previous_sample: tuple[Any, ...] = ()

    # -- listeners and the thread ----------------------------------------------------

    def add(self, listener: Listener) -> bool:
        """Deliver every tick to ``listener`` from now on; False if no thread can run."""
        with self._lock:
            if listener not in self.listeners:
                self.listeners = (*self.listeners, listener)
            return self._ensure_running()

    def remove(self, listener: Listener) -> None:
        with self._lock:
            self.listeners = tuple(x for x in self.listeners if x is not listener)

    def _ensure_running(self) -> bool:
        if self.running:
            return True
        start, sleep, get_ident = _os_thread_api()
        self.running = True
        self._generation += 1
        try:
            start(self._run, (self._generation, sleep, get_ident))
        except RuntimeError:  # interpreter shutting down: no new threads
            self.running = False
            return False
        return True

    def stop(self) -> None:
        """Stop the thread (it exits within one interval) and drop every listener."""
        with self._lock:
            self.listeners = ()
            self.running = False
            self._generation += 1

    def after_fork_in_child(self) -> None:
        # The parent's thread does not exist here; a new one starts on the next add().
        self._lock = threading.Lock()
        self.running = False
        self.ident = None
        self._generation += 1
        self._memo = {}
        if self.listeners:
            self._ensure_running()

    def _run(self, generation: int, sleep: Callable[[float], None],
             get_ident: Callable[[], int]) -> None:
        self.ident = get_ident()
        self.pid = os.getpid()
        interval_ns = int(self.interval * 1e9)
        idle = 0
        next_tick = perf_counter_ns()
        while self._generation == generation:
            if self.listeners:
                idle = 0
                try:
                    self.tick()
                except Exception:
                    pass  # never let a sample break the thread (a frame torn down mid-read)
            else:
                idle += 1
                if idle >= _IDLE_TICKS and self._park(generation):
                    return
            next_tick += interval_ns
            now = perf_counter_ns()
            if next_tick > now:
                sleep((next_tick - now) / 1e9)
            else:
                next_tick = now  # fell behind (a long GIL hold): do not try to catch up
        self._memo = {}

    def _park(self, generation: int) -> bool:
        with self._lock:
            if self.listeners or self._generation != generation:
                return False
            self.running = False
            self._memo = {}
            self._previous = []
            return True

    # -- one tick ------------------------------------------------------------------

    def tick(self) -> None:
        """Take one sample of every thread but this one and hand it to the listeners."""
        now = perf_counter_ns()
        frames = sys._current_frames()
        own = self.ident
        memo = self._memo
        flat: list[Any] = []
        for tid, frame in frames.items():
            if tid == own:
                continue
            seen = memo.get(tid)
            if seen is not None and seen[0] is frame:
                line = frame.f_lineno
                stack = seen[1].get(line)
                if stack is None:
                    stack = self._new_line(frame, line, seen[1])
            else:
                stack = self._stack_of(tid, frame)
            flat.append(tid)
            flat.append(stack)
        if len(memo) > len(frames):
            for gone in [tid for tid in memo if tid not in frames]:
                del memo[gone]
        if flat == self._previous:
            sample = self._previous_sample
        else:
            sample = self._previous_sample = tuple(flat)
            self._previous = flat
        for listener in self.listeners:
            listener.write(now, sample)

    def _stack_of(self, tid: int, frame: FrameType) -> Stack:
        # Read the name again on every walk: thread ids are reused once a thread ends, and
        # a name may change; a dead thread's name stays for the profiles that saw it.
        self._name_thread(tid)
        stack = self._walk(frame)
        if frame.f_code.co_flags & _GENERATOR_FLAGS:
            self._memo.pop(tid, None)  # a generator's frame can be resumed by other callers
        else:
            self._memo[tid] = (frame, {frame.f_lineno: stack})
        return stack

    def _new_line(self, frame: FrameType, line: int, lines: dict[int, Stack]) -> Stack:
        # Same live frame, another line: the callers are the ones already known.
        callers = next(iter(lines.values()))[1:]
        stack = self._intern((self._frame(frame, line), *callers))
        lines[line] = stack
        return stack

    def _walk(self, frame: FrameType | None) -> Stack:
        found: list[Frame] = []
        codes = self._codes
        while frame is not None and len(found) < MAX_STACK_DEPTH:
            # the common case of _frame() inline: a known code object at a known line
            entry = codes.get(id(frame.f_code))
            record = None
            if entry is not None and entry[0] is frame.f_code:
                record = entry[2].get(frame.f_lineno)
            found.append(record or self._frame(frame, frame.f_lineno))
            frame = frame.f_back
        return self._intern(tuple(found))

    def _frame(self, frame: FrameType, line: int) -> Frame:
        code = frame.f_code
        entry = self._codes.get(id(code))
        if entry is None or entry[0] is not code:
            entry = (code, _code_info(frame), {})
            self._codes[id(code)] = entry
        record = entry[2].get(line)
        if record is None:
            function, module, filename, abs_path = entry[1]
            record = entry[2][line] = Frame(function, module, filename, abs_path, line)
            self._frames += 1
        return record

    def _intern(self, stack: Stack) -> Stack:
        known = self._stacks.get(stack)
        if known is not None:
            return known
        if len(self._stacks) >= _MAX_INTERNED or self._frames >= _MAX_INTERNED:
            # Start afresh: profiles keep the objects they hold; new ones are made anew.
            self._forget()
        self._stacks[stack] = stack
        return stack

    def _name_thread(self, tid: int) -> None:
        thread = threading._active.get(tid)  # type: ignore[attr-defined]
        if len(self.thread_names) > 4096:
            self.thread_names.clear()
        self.thread_names[tid] = str(thread.name) if thread is not None else str(tid)


_shared: list[Sampler] = []


def shared_sampler() -> Sampler:
    """The process's one sampler (made on first use; restarted fresh in a forked child)."""
    if not _shared:
        sampler = Sampler()
        _shared.append(sampler)
        atexit.register(sampler.stop)
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_after_fork)
    return _shared[0]


def _after_fork() -> None:
    for sampler in _shared:
        sampler.after_fork_in_child()


__all__ = [
    "DEFAULT_SAMPLING_FREQUENCY",
    "MAX_STACK_DEPTH",
    "Frame",
    "Sampler",
    "gevent_patched",
    "os_thread_ident",
    "shared_sampler",
]
