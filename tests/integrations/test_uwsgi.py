"""uWSGI (the ``pyuwsgi`` build): a master forking 2 workers, each worker's events arrive once.

The app inits sentry_lite at import, in the master (preforking, uWSGI's default) or in each
worker (``--lazy-apps``); a graceful reload (SIGHUP to the master) is followed by more requests
whose events must arrive too. ``init()`` warns once when the flags hinder delivery
(``sentry_lite.integrations._uwsgi``).
"""

from __future__ import annotations

import shutil
import signal
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from server_helpers import APP, BIN, ServerProcess, all_arrived_once, free_port

from sentry_lite._loopback import LoopbackServer
from sentry_lite.integrations import _uwsgi

UWSGI = shutil.which("uwsgi", path=str(BIN))
pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(UWSGI is None, reason="pyuwsgi is not installed (test extra)"),
]

FORK_HOOKS_WARNING = "--enable-threads --py-call-uwsgi-fork-hooks"
THREADS_WARNING = "started without --enable-threads"


@pytest.fixture
def sink() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


def start_uwsgi(
    tmp_path: Path, sink: LoopbackServer, *flags: str, capture_at_import: bool = False
) -> ServerProcess:
    (tmp_path / "sl_uwsgi_app.py").write_text(APP)
    port = free_port()
    argv = [
        str(UWSGI), "--http-socket", f"127.0.0.1:{port}", "--master", "--processes", "2",
        "--wsgi-file", str(tmp_path / "sl_uwsgi_app.py"), "--need-app", "--disable-logging",
        "--worker-reload-mercy", "20", *flags,
    ]
    env = {"SL_DSN": sink.dsn, "SL_CAPTURE_AT_IMPORT": "1" if capture_at_import else ""}
    return ServerProcess(argv, env, tmp_path / "uwsgi.log", port)


def serve_reload_serve(server: ServerProcess, sink: LoopbackServer) -> None:
    """Both workers serve, every event arrives once; SIGHUP; the same again."""
    server.wait_ready()
    before = server.visit_workers("before", 8)
    assert len(before) == 2, before
    assert all_arrived_once(sink, "before", before), server.log
    server.signal(signal.SIGHUP)  # graceful reload: old workers exit, new ones come
    server.wait_new_workers(before)
    after = server.visit_workers("after", 8)
    assert len(after) == 2 and not set(after) & set(before), (before, after)
    assert all_arrived_once(sink, "after", after), server.log


def test_preforking_with_enable_threads_delivers_every_worker_once_across_a_reload(
    tmp_path: Path, sink: LoopbackServer
) -> None:
    server = start_uwsgi(tmp_path, sink, "--enable-threads")
    try:
        serve_reload_serve(server, sink)
    finally:
        assert server.stop() == 0, server.log
    # Fork hooks are off: init() in the master said so once (and once more after the
    # reload, which re-executes the master).
    assert server.log.count(FORK_HOOKS_WARNING) == 2, server.log


def test_without_enable_threads_it_warns_once_and_still_delivers(
    tmp_path: Path, sink: LoopbackServer
) -> None:
    # pyuwsgi (2.0.30, CPython 3.11) runs Python threads even without the flag, so the
    # sender works; older uWSGI releases do not, hence the warning, given once.
    server = start_uwsgi(tmp_path, sink)
    try:
        server.wait_ready()
        handled = server.visit_workers("plain", 8)
        assert len(handled) == 2, handled
        assert all_arrived_once(sink, "plain", handled), server.log
    finally:
        assert server.stop() == 0, server.log
    assert server.log.count("RuntimeWarning: sentry_lite: uWSGI") == 1, server.log
    assert FORK_HOOKS_WARNING in server.log
    assert "python threads support enabled" in server.log  # uWSGI's own word: why it works


def test_lazy_apps_deliver_every_worker_once_across_a_reload_without_warning(
    tmp_path: Path, sink: LoopbackServer
) -> None:
    server = start_uwsgi(tmp_path, sink, "--lazy-apps", "--enable-threads",
                         capture_at_import=True)
    try:
        serve_reload_serve(server, sink)
    finally:
        assert server.stop() == 0, server.log
    assert "RuntimeWarning: sentry_lite" not in server.log
    imports = [e["message"] for e in sink.events if e["message"].startswith("import ")]
    assert len(imports) == len(set(imports)) == 4  # one per worker, two before, two after


def test_fork_hooks_let_workers_deliver_after_the_master_sent_something(
    tmp_path: Path, sink: LoopbackServer
) -> None:
    server = start_uwsgi(tmp_path, sink, "--enable-threads", "--py-call-uwsgi-fork-hooks",
                         capture_at_import=True)
    try:
        server.wait_ready()
        handled = server.visit_workers("hooks", 8)
        assert len(handled) == 2, handled
        assert all_arrived_once(sink, "hooks", handled), server.log
    finally:
        assert server.stop() == 0, server.log
    assert "RuntimeWarning: sentry_lite" not in server.log
    assert sum(e["message"].startswith("import ") for e in sink.events) == 1


def test_without_fork_hooks_workers_deliver_after_the_master_sent_something(
    tmp_path: Path, sink: LoopbackServer
) -> None:
    # uWSGI forks in C and skips Python's fork hooks: each worker finds the master's
    # sender thread gone at its first capture (its pid is not the SDK's) and starts its own.
    server = start_uwsgi(tmp_path, sink, "--enable-threads", capture_at_import=True)
    try:
        server.wait_ready()
        handled = server.visit_workers("nohooks", 6)
        assert len(handled) == 2, handled
        assert all_arrived_once(sink, "nohooks", handled, timeout=3), server.log
    finally:
        # Nothing is left waiting at exit: the workers stop well within the grace period.
        assert server.stop(grace=4) == 0, server.log
    assert sum(e["message"].startswith("import ") for e in sink.events) == 1
    # Each worker drew fresh event ids, not the master's sequence.
    ids = [e["event_id"] for e in sink.events]
    assert len(set(ids)) == len(ids), ids


# -- the check itself, on uwsgi.opt as uWSGI fills it (bytes values, True for bare flags) --


@pytest.mark.parametrize(
    ("opt", "expected"),
    [
        ({"master": True}, "--py-call-uwsgi-fork-hooks"),
        ({"enable-threads": True}, "--py-call-uwsgi-fork-hooks"),
        ({"enable-threads": True, "py-call-uwsgi-fork-hooks": True}, None),
        ({"threads": b"4", "py-call-uwsgi-fork-hooks": b"true"}, None),
        ({"enable-threads": b"false", "py-call-uwsgi-fork-hooks": True}, "fork-hooks"),
        ({"lazy-apps": True}, "started without --enable-threads"),
        ({"lazy-apps": True, "enable-threads": True}, None),
        ({"lazy": b"1", "threads": b"2"}, None),
        ({"lazy-apps": b"0", "enable-threads": [b"1", b"1"]}, "fork-hooks"),
    ],
)
def test_problem_names_the_missing_flags(opt: dict[str, object], expected: str | None) -> None:
    found = _uwsgi.problem(opt)
    if expected is None:
        assert found is None
    else:
        assert found is not None and expected in found


def test_the_warning_is_given_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    fake = types.ModuleType("uwsgi")
    fake.opt = {"master": True}  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "uwsgi", fake)
    monkeypatch.setattr(_uwsgi, "_warned", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _uwsgi.warn_if_uwsgi_cannot_send()
        assert _uwsgi.warn_if_uwsgi_cannot_send()
    assert [str(w.message).count(FORK_HOOKS_WARNING) for w in caught] == [1]
    assert caught[0].category is RuntimeWarning
