"""Fork a child for a test, and never let it hang or outlive the test run.

A child forked inside pytest inherits pytest-timeout's SIGALRM handler: an alarm
there raises inside the child's copy of pytest, which then goes on running tests of
its own while the parent waits for it forever (seen in CI). So a child runs one
function and always leaves with ``os._exit``; a hung child writes every thread's
stack to stderr (pytest shows it under the test) and exits; and the parent stops
waiting after a deadline, killing the child. A child that hangs before its function
runs (in an at-fork hook) is asked for its stack with SIGUSR1 before it is killed:
faulthandler's handler for it is installed before the fork, so the child has it from
its first instruction.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import time
import traceback
import warnings
from collections.abc import Callable

HUNG = 86  # the exit code of a child that was still running at its limit
RAISED = 87  # the exit code of a child whose body raised


def fork_child(body: Callable[[], int | bool | None], limit: float = 20.0) -> int:
    """Fork; in the child run ``body`` and exit with its code (True and None: 0,
    False: 1). Returns the child's pid in the parent."""
    faulthandler.register(signal.SIGUSR1, file=2, all_threads=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads
        pid = os.fork()
    if pid != 0:
        faulthandler.unregister(signal.SIGUSR1)
        return pid
    code = RAISED  # pragma: no cover - the child, below
    try:  # pragma: no cover
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        faulthandler.dump_traceback_later(limit, exit=False, file=2)
        signal.alarm(int(limit) + 2)  # after the stacks are written, SIGALRM kills it
        result = body()
        code = 0 if result is None or result is True else (1 if result is False else result)
    except BaseException:  # pragma: no cover
        traceback.print_exc()
    finally:
        os._exit(code)  # pragma: no cover


def wait_child(pid: int, limit: float = 30.0) -> int:
    """The child's exit code (a negative signal number when a signal ended it); a child
    still running after ``limit`` seconds is killed and reported as ``HUNG``."""
    deadline = time.monotonic() + limit
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGUSR1)  # its stacks, on stderr, even if stuck at the fork
            time.sleep(1)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return HUNG
        time.sleep(0.01)


def run_in_child(body: Callable[[], int | bool | None], limit: float = 20.0) -> int:
    """``body`` run in a forked child: its exit code."""
    return wait_child(fork_child(body, limit), limit + 10)


__all__ = ["HUNG", "RAISED", "fork_child", "run_in_child", "wait_child"]
