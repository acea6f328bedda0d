"""os.fork(): the child and the parent both deliver; nothing is sent twice; no deadlock."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

import sentry_lite
from sentry_lite._loopback import LoopbackServer, Reply
from sentry_lite.scope import get_client
from tests.forking import fork_child, run_in_child, wait_child

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
ROOT = Path(__file__).resolve().parents[2]


def _messages(server: LoopbackServer) -> Counter[str]:
    return Counter(event["message"] for event in server.events)


def test_parent_and_child_deliver_and_nothing_is_sent_twice() -> None:
    with LoopbackServer() as server:
        sentry_lite.init(dsn=server.dsn, default_integrations=False)
        # The first request is answered late, so the worker is busy and "queued"
        # still waits in the parent's queue when we fork.
        server.script(Reply(delay=0.5))
        sentry_lite.capture_message("parent, being sent")
        assert server.wait_for_requests(1)
        sentry_lite.capture_message("parent, queued")

        def child() -> None:
            sentry_lite.capture_message("child")
            sentry_lite.flush(10)

        assert run_in_child(child) == 0
        sentry_lite.capture_message("parent, after the fork")
        sentry_lite.flush(10)
        assert server.wait_for_events(4)
        assert _messages(server) == {
            "parent, being sent": 1, "parent, queued": 1, "child": 1, "parent, after the fork": 1
        }


def test_forking_while_a_request_hangs_does_not_deadlock_the_child() -> None:
    with LoopbackServer() as server:
        sentry_lite.init(dsn=server.dsn, default_integrations=False)
        server.script(Reply(hang=True))
        sentry_lite.capture_message("stuck in the parent")
        assert server.wait_for_requests(1)  # the parent's worker sits in a socket read

        def child(n: int) -> bool:  # a deadlocked child prints its stacks and is killed
            sentry_lite.capture_message(f"child {n}")
            sentry_lite.flush(10)
            transport = get_client().transport
            return transport is not None and transport.flush(10) is not False

        codes = [run_in_child(functools.partial(child, n)) for n in range(3)]
        assert codes == [0, 0, 0]
        assert _messages(server) == {"child 0": 1, "child 1": 1, "child 2": 1}
        server.release()


def test_a_fork_while_a_thread_holds_the_connection_pool_s_lock_does_not_deadlock_the_child(
) -> None:
    # The parent's sender is taking a connection from urllib3's pool (the pool's queue lock
    # held) when another thread forks: the child must not touch that pool (freeing it runs
    # urllib3's finalizer, which takes the lock no thread of the child will ever release).
    with LoopbackServer() as server:
        sentry_lite.init(dsn=server.dsn, default_integrations=False)
        transport = get_client().transport
        sentry_lite.capture_message("parent")
        assert transport is not None and transport.flush(10)
        pool_lock = transport._sender._poster._target.pool.pool.mutex  # type: ignore[attr-defined]
        with pool_lock:  # as the parent's sender thread would, in pool.get()

            def child() -> bool:
                sentry_lite.capture_message("child")
                return transport.flush(10) is True

            code = run_in_child(child, limit=15)
        assert code == 0
        assert transport.flush(10)
        assert _messages(server) == {"parent": 1, "child": 1}


FORK_AND_EXIT = """
    import os, sys, warnings
    import sentry_lite
    sentry_lite.init(dsn=sys.argv[1], default_integrations=False)
    sentry_lite.capture_message("before the fork")
    warnings.simplefilter("ignore", DeprecationWarning)
    pid = os.fork()
    if pid == 0:
        sentry_lite.capture_message("child")
        sys.exit(0)  # a normal exit: the child's exit hook delivers, no flush()
    sentry_lite.capture_message("parent")
    os.waitpid(pid, 0)
"""


def test_a_forked_child_that_exits_normally_delivers_without_flush() -> None:
    with LoopbackServer() as server:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(FORK_AND_EXIT), server.dsn],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert server.wait_for_events(3)
        assert _messages(server) == {"before the fork": 1, "child": 1, "parent": 1}


FORK_LOOP = """
import os, sys, warnings
import sentry_lite
warnings.simplefilter("ignore", DeprecationWarning)
sentry_lite.init(dsn=sys.argv[1], default_integrations=False, transport_queue_size=1000)
failures = 0
for run in range(int(sys.argv[2])):
    for n in range(10):
        sentry_lite.capture_message(f"parent {run} {n}")
    pid = os.fork()  # the worker is busy with the parent's envelopes
    if pid == 0:
        sentry_lite.capture_message(f"child {run}")
        os._exit(0 if sentry_lite.flush(10) is None and not
                 sentry_lite.get_client().transport._worker.pending() else 1)
    _, status = os.waitpid(pid, 0)
    failures += os.waitstatus_to_exitcode(status) != 0
sentry_lite.flush(30)
sys.exit(failures)
"""


def test_a_child_forked_while_the_worker_is_busy_delivers_its_own_every_time() -> None:
    runs = 50
    with LoopbackServer() as server:
        server.slow(0.002)  # the parent's worker is mid-request at most forks
        proc = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(FORK_LOOP), server.dsn, str(runs)],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
            timeout=180, check=False,
        )
        assert proc.returncode == 0, proc.stderr  # every child's flush() found nothing left
        messages = _messages(server)
    expected = Counter(f"child {run}" for run in range(runs))
    expected.update(f"parent {run} {n}" for run in range(runs) for n in range(10))
    assert messages == expected  # the child's every time, nothing twice, none lost


SLOW_MODULE = """
import threading
if threading.current_thread().name == "importer":
    import builtins
    builtins._slow_import_entered.set()
    builtins._slow_import_release.wait(10)
VALUE = 42
"""


def test_a_module_half_imported_by_another_thread_is_imported_again_in_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import builtins
    import importlib
    import threading

    import sentry_lite.transport._process  # noqa: F401 - its fork hook, as a transport loads it

    (tmp_path / "slow_module_for_fork.py").write_text(SLOW_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    entered, release = threading.Event(), threading.Event()
    monkeypatch.setattr(builtins, "_slow_import_entered", entered, raising=False)
    monkeypatch.setattr(builtins, "_slow_import_release", release, raising=False)
    importer = threading.Thread(
        target=importlib.import_module, args=("slow_module_for_fork",), name="importer",
        daemon=True,
    )
    importer.start()
    assert entered.wait(10)  # the other thread is in the middle of the import

    def child() -> bool:  # one that would wait for the dead importer is killed: the test fails
        module = importlib.import_module("slow_module_for_fork")  # not the half one
        return bool(module.VALUE == 42)

    pid = fork_child(child, limit=10)
    release.set()
    importer.join(10)
    assert wait_child(pid) == 0


# fork() called in C, as uWSGI does without --py-call-uwsgi-fork-hooks: Python's at-fork
# hooks do not run in the child (ctypes.PyDLL keeps the GIL through the call, as uWSGI's
# master holds it).
C_FORK = """
import ctypes, os, sys
import sentry_lite
sentry_lite.init(dsn=sys.argv[1], default_integrations=False)
transport = sentry_lite.get_client().transport
sentry_lite.capture_message("parent, before")
assert transport.flush(10)  # the parent's worker thread runs, and waits for more
children = []
for n in range(2):
    pid = ctypes.PyDLL(None).fork()
    if pid == 0:
        sentry_lite.capture_message(f"child {n}")
        os._exit(0 if transport.flush(10) else 3)
    children.append(pid)
sentry_lite.capture_message("parent, after")
codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
sys.exit(max(codes) or not transport.flush(10))
"""


def test_a_child_forked_without_pythons_hooks_restarts_its_sender_at_its_first_capture() -> None:
    with LoopbackServer() as server:
        proc = subprocess.run(
            [sys.executable, "-c", C_FORK, server.dsn],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
            timeout=60, check=False,
        )
        assert proc.returncode == 0, proc.stderr  # each child's flush() delivered
        assert _messages(server) == {
            "parent, before": 1, "child 0": 1, "child 1": 1, "parent, after": 1
        }
        # The two children did not draw the parent's next event id, nor each other's.
        ids = [event["event_id"] for event in server.events]
        assert len(set(ids)) == len(ids) == 4, ids
