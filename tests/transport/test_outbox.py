"""The durable outbox: what one process could not send, the next one sends, once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import zlib
from collections import Counter
from pathlib import Path

from sentry_lite._loopback import LoopbackServer
from sentry_lite.transport._outbox import SUFFIX, Outbox

ROOT = Path(__file__).resolve().parents[2]


def test_files_come_back_oldest_first_and_leave_the_disk(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path / "box"))
    assert outbox.claim() is None and len(outbox) == 0  # no folder yet: nothing
    assert outbox.write([b"one", b"two", b"three"]) == 3
    assert len(outbox) == 3
    assert [outbox.claim() for _ in range(4)] == [b"one", b"two", b"three", None]
    assert os.listdir(tmp_path / "box") == []


def test_bounds_keep_the_oldest(tmp_path: Path) -> None:
    by_count = Outbox(str(tmp_path / "count"), max_files=2)
    assert by_count.write([b"a", b"b", b"c"]) == 2
    assert by_count.write([b"d"]) == 0
    assert [by_count.claim(), by_count.claim(), by_count.claim()] == [b"a", b"b", None]
    by_size = Outbox(str(tmp_path / "size"), max_bytes=150)  # gzip: about 83, 25, 83
    assert by_size.write([os.urandom(60), b"small", os.urandom(60)]) == 2


def test_a_damaged_file_is_dropped(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path))
    outbox.write([b"good"])
    (tmp_path / f"0{SUFFIX}").write_bytes(b"not gzip")  # sorts first
    (tmp_path / f"1{SUFFIX}.tmp").write_bytes(b"half written")  # never listed
    assert outbox.claim() == b"good"
    assert outbox.claim() is None


def test_racing_claimers_get_each_file_once(tmp_path: Path) -> None:
    outbox = Outbox(str(tmp_path))
    payloads = [f"envelope {n}".encode() for n in range(200)]
    assert outbox.write(payloads) == 200
    got: list[bytes] = []
    lock = threading.Lock()

    def claim_all() -> None:
        mine = Outbox(str(tmp_path))
        while (data := mine.claim()) is not None:
            with lock:
                got.append(data)

    threads = [threading.Thread(target=claim_all) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(got) == Counter(payloads)


def test_one_folder_per_dsn(tmp_path: Path) -> None:
    one = Outbox.for_dsn(str(tmp_path), "https://key@o1.example/1")
    two = Outbox.for_dsn(str(tmp_path), "https://key@o1.example/2")
    assert one.path != two.path and os.path.dirname(one.path) == str(tmp_path)
    one.write([b"for project 1"])
    assert two.claim() is None and one.claim() == b"for project 1"


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SENTRY_DSN", None)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )


CAPTURE = """
    import sys
    import sentry_lite
    sentry_lite.init(dsn=sys.argv[1], default_integrations=False, shutdown_timeout=2,
                     _experiments={"outbox_path": sys.argv[2]})
    for n in range(int(sys.argv[3])):
        sentry_lite.capture_message(f"{sys.argv[4]} {n}")
"""


def _files(root: Path) -> list[str]:
    return [name for _, _, names in os.walk(root) for name in names]


def test_what_one_process_could_not_send_the_next_one_sends_once(tmp_path: Path) -> None:
    with LoopbackServer() as server:
        dsn = server.dsn
        server.go_down()
        proc = run(CAPTURE, dsn, str(tmp_path), "5", "offline")
        assert proc.returncode == 0, proc.stderr
        assert len(_files(tmp_path)) == 5  # nothing could be sent: all kept on disk
        server.come_up()
        proc = run(CAPTURE, dsn, str(tmp_path), "1", "online")  # captures one of its own
        assert proc.returncode == 0, proc.stderr
        assert server.wait_for_events(6)
        messages = Counter(event["message"] for event in server.events)
        assert messages == Counter([*(f"offline {n}" for n in range(5)), "online 0"])
        assert _files(tmp_path) == []
        proc = run(CAPTURE, dsn, str(tmp_path), "0", "idle")
        assert proc.returncode == 0, proc.stderr
        assert len(server.events) == 6  # none sent twice


def test_two_processes_sharing_an_outbox_send_each_envelope_once(tmp_path: Path) -> None:
    with LoopbackServer() as server:
        dsn = server.dsn
        server.go_down()
        assert run(CAPTURE, dsn, str(tmp_path), "40", "kept").returncode == 0
        assert len(_files(tmp_path)) == 40
        server.come_up()
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", textwrap.dedent(CAPTURE), dsn, str(tmp_path), "0", "x"],
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            for _ in range(2)
        ]
        assert [proc.wait(60) for proc in procs] == [0, 0]
        assert server.wait_for_events(40)
        messages = Counter(event["message"] for event in server.events)
        assert messages == Counter(f"kept {n}" for n in range(40))


def test_the_envelope_in_flight_at_exit_is_not_written(tmp_path: Path) -> None:
    with LoopbackServer() as server:
        server.hang()
        proc = run(CAPTURE, server.dsn, str(tmp_path), "3", "hung")
        assert proc.returncode == 0, proc.stderr
        assert server.wait_for_requests(1)
        (first,) = server.requests  # it reached the server: it may have been stored
        assert first.envelope is not None
        stored = [zlib.decompress((Path(dirpath) / name).read_bytes(), 31)
                  for dirpath, _, names in os.walk(tmp_path) for name in names]
        assert len(stored) == 2
        assert all(b"hung 0" not in data for data in stored)
        server.release()


LATE_CAPTURE = """
    import atexit, sys
    import sentry_lite
    atexit.register(lambda: sentry_lite.capture_message("after the hook"))  # runs last
    sentry_lite.init(dsn=sys.argv[1], default_integrations=False, shutdown_timeout=0.5,
                     _experiments={"outbox_path": sys.argv[2]})
    sentry_lite.capture_message("before exit")
"""


def test_an_unwritable_outbox_never_breaks_the_host(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    with LoopbackServer() as server:
        server.go_down()
        proc = run(LATE_CAPTURE, server.dsn, str(blocked))
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr == ""  # no traceback, from our exit hook or from the late capture
        proc = run(LATE_CAPTURE, server.dsn, str(tmp_path / "box"))
        assert proc.returncode == 0, proc.stderr
        assert len(_files(tmp_path / "box")) == 2  # the late capture was written too
