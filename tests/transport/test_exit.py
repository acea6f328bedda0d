"""Delivery at interpreter exit, in real subprocesses, on every CPython 3.10-3.13 found.

A process that captures and exits without ``flush()`` must still deliver, also on
Python 3.12+ where no thread can start at shutdown; a server that never answers
must not keep the process alive beyond ``shutdown_timeout``.
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import certifi
import pytest
import urllib3

from sentry_lite._loopback import LoopbackServer
from sentry_lite.transport._route import READ_TIMEOUT

ROOT = Path(__file__).resolve().parents[2]


def _interpreters() -> dict[str, str]:
    """``{"py3.X": path}``: this interpreter plus the pyenv ones present."""
    found = {f"py3.{sys.version_info[1]}": sys.executable}
    pyenv = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    for minor in range(10, 14):
        pattern = os.path.join(pyenv, "versions", f"3.{minor}.*", "bin", f"python3.{minor}")
        for path in sorted(glob.glob(pattern)):
            found.setdefault(f"py3.{minor}", path)
    return dict(sorted(found.items()))


INTERPRETERS = _interpreters()
PYTHONS = pytest.mark.parametrize(
    "python", list(INTERPRETERS.values()), ids=list(INTERPRETERS)
)


@pytest.fixture(scope="module")
def deps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding only the runtime dependencies, for foreign interpreters."""
    folder = tmp_path_factory.mktemp("deps")
    for module in (urllib3, certifi):
        source = Path(module.__file__ or "").parent
        (folder / source.name).symlink_to(source)
    return folder


def run(python: str, deps: Path, script: str, *args: str, timeout: float = 60) -> tuple[
    subprocess.CompletedProcess[str], float
]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(deps)])
    env.pop("SENTRY_DSN", None)
    started = time.monotonic()
    proc = subprocess.run(
        [python, "-c", textwrap.dedent(script), *args],
        env=env, capture_output=True, text=True, timeout=timeout, check=False,
    )
    return proc, time.monotonic() - started


CAPTURE_50 = """
    import sys
    import sentry_lite
    sentry_lite.init(dsn=sys.argv[1], default_integrations=False)
    for n in range(50):
        sentry_lite.capture_message(f"message {n}")
    # no flush(): the transport's exit hook must deliver
"""


@PYTHONS
def test_fifty_events_arrive_without_flush(python: str, deps: Path) -> None:
    with LoopbackServer() as server:
        proc, _ = run(python, deps, CAPTURE_50, server.dsn)
        assert proc.returncode == 0, proc.stderr
        assert server.wait_for_events(50, timeout=10)
        messages = sorted(event["message"] for event in server.events)
        assert messages == sorted(f"message {n}" for n in range(50))


BURST_2000 = """
    import sys
    import sentry_lite
    sentry_lite.init(dsn=sys.argv[1], default_integrations=False, shutdown_timeout=30)
    for n in range(2000):
        sentry_lite.capture_message(f"burst {n}")
    # no flush(): the exit hook delivers the queue and the overflow lane
"""


@PYTHONS
def test_a_burst_of_2000_arrives_without_flush(python: str, deps: Path) -> None:
    with LoopbackServer() as server:
        # (the caller outruns the sender about ten to one: most wait packed in the lane)
        proc, _ = run(python, deps, BURST_2000, server.dsn)
        assert proc.returncode == 0, proc.stderr
        assert server.wait_for_events(2000, timeout=10)
        assert [event["message"] for event in server.events] == [
            f"burst {n}" for n in range(2000)]
        assert server.discarded() == 0


CAPTURE_IN_AN_EXIT_HOOK = """
    import atexit, sys
    import sentry_lite
    sentry_lite.init(dsn=sys.argv[1], default_integrations=False)

    def last_words():  # registered after init(): runs before the transport's hook
        for n in range(5):
            sentry_lite.capture_message(f"at exit {n}")

    atexit.register(last_words)
"""


@PYTHONS
def test_events_captured_in_an_exit_hook_arrive(python: str, deps: Path) -> None:
    # The worker thread was never started: on 3.12 it cannot start now, so the
    # exit hook sends from the main thread.
    with LoopbackServer() as server:
        proc, _ = run(python, deps, CAPTURE_IN_AN_EXIT_HOOK, server.dsn)
        assert proc.returncode == 0, proc.stderr
        assert server.wait_for_events(5, timeout=10)
        assert sorted(e["message"] for e in server.events) == [f"at exit {n}" for n in range(5)]


CAPTURE_AFTER_THE_TRANSPORT_HOOK = """
    import atexit, sys
    import sentry_lite

    def very_last_words():  # registered before init(): runs after the transport's hook
        sentry_lite.capture_message("after the hook")

    atexit.register(very_last_words)
    sentry_lite.init(dsn=sys.argv[1], default_integrations=False)
"""


@PYTHONS
def test_an_event_captured_after_the_exit_hook_still_arrives(python: str, deps: Path) -> None:
    with LoopbackServer() as server:
        proc, _ = run(python, deps, CAPTURE_AFTER_THE_TRANSPORT_HOOK, server.dsn)
        assert proc.returncode == 0, proc.stderr
        assert server.wait_for_events(1, timeout=10)
        assert server.events[0]["message"] == "after the hook"


HUNG = """
    import sys
    import sentry_lite
    sentry_lite.init(dsn=sys.argv[1], default_integrations=False, shutdown_timeout=1)
    if sys.argv[2] == "worker":
        sentry_lite.capture_message("into the void")
    else:
        import atexit
        atexit.register(lambda: sentry_lite.capture_message("into the void, at exit"))
"""


@PYTHONS
@pytest.mark.parametrize("where", ["worker", "exit-hook"])
def test_a_server_that_never_answers_does_not_hold_the_process(
    python: str, deps: Path, where: str
) -> None:
    with LoopbackServer() as server:
        server.hang()
        proc, elapsed = run(python, deps, HUNG, server.dsn, where)
        assert proc.returncode == 0, proc.stderr
        assert server.wait_for_requests(1)  # the request went out and was never answered
        assert server.statuses == [None]
        # The process waited for shutdown_timeout (1 s), not for the socket's own
        # read timeout: a generous bound that only tells the two apart.
        assert elapsed < READ_TIMEOUT
        server.release()


def test_init_does_not_load_the_network_stack() -> None:
    script = """
        import sys
        import sentry_lite
        sentry_lite.init(dsn="http://key@127.0.0.1:9/1", default_integrations=False)
        heavy = [m for m in ("urllib3", "ssl", "certifi", "http.client", "gzip", "zlib")
                 if m in sys.modules]
        print(",".join(heavy))
    """
    proc, _ = run(sys.executable, Path(), script)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
