"""Random ids: trace ids, span ids and event ids.

A private generator, seeded from the OS once and again in every forked child, makes them:
``os.urandom`` releases the GIL on each call (a request thread then waits for the
SDK's worker to hand it back), and the ``random`` module's shared generator is seeded by
applications (``random.seed(42)`` in tests) into ids that collide across processes.
Trace and event ids check the pid too (one call, one compare): a child forked without
Python's fork hooks (uWSGI without ``--py-call-uwsgi-fork-hooks``) reseeds at its first id
instead of drawing its parent's sequence, which its siblings draw as well.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from _random import Random

_generator: list[Random] = []
_pid = os.getpid()  # the process the generator was seeded in


def _seed() -> int:
    return int.from_bytes(os.urandom(32), "big")


def _reseed_after_fork() -> None:
    global _pid
    _pid = os.getpid()
    if _generator:
        _generator[0].seed(_seed())


def _make() -> Random:
    from _random import Random  # the C generator alone, without random.py's imports

    if not _generator:
        _generator.append(Random(_seed()))
        os.register_at_fork(after_in_child=_reseed_after_fork)
    return _generator[0]


def new_trace_id() -> str:
    """32 lowercase hex digits (also the form of event ids)."""
    if os.getpid() != _pid:
        _reseed_after_fork()
    bits = (_generator[0] if _generator else _make()).getrandbits(128)
    return f"{bits:032x}"


def new_span_id() -> str:
    """16 lowercase hex digits."""
    bits = (_generator[0] if _generator else _make()).getrandbits(64)
    return f"{bits:016x}"


new_event_id = new_trace_id

__all__ = ["new_event_id", "new_span_id", "new_trace_id"]
