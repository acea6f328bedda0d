"""Bugsink, a real Sentry-compatible server, on 127.0.0.1 for the end-to-end tests and the demo.

``start()`` installs Bugsink (once) into its own virtual environment under ``.bugsink/`` in the
project (it pins Django, so it stays apart from the project's environment), configures it in a
fresh temporary directory (SQLite databases, ingest store), creates a user and a project, serves
it with gunicorn on a free port and returns a ``Bugsink`` handle holding the project's DSN.
``Bugsink.events()`` reads what the server stored, straight from its database. ``stop()`` ends the
server; ``running()`` is the same as a context manager.

Standard library only: the project's test environment imports this, Bugsink's runs the rest.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REQUIREMENTS = HERE / "bugsink-requirements.txt"
SETUP_SCRIPT = HERE / "bugsink_setup.py"
STATE_DIR = ROOT / ".bugsink"
USERNAME = "admin"
PASSWORD = "admin"  # a throw-away local server on 127.0.0.1 only
READY_TIMEOUT = 60.0


class BugsinkUnavailable(RuntimeError):
    """Bugsink cannot run here (no CPython 3.11+, or the install failed)."""


class NoSuitablePython(BugsinkUnavailable):
    """No CPython 3.11 or newer was found to run Bugsink with."""


def _quiet(message: str) -> None:
    pass


# --- the virtual environment -------------------------------------------------------------------


def _is_modern_python(executable: str) -> bool:
    try:
        probe = subprocess.run(
            [executable, "-c", "import sys; sys.exit(sys.version_info < (3, 11))"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def find_python() -> str | None:
    """A CPython >= 3.11: this one, one on PATH, or one that pyenv installed."""
    if sys.version_info >= (3, 11):
        return sys.executable
    candidates = [shutil.which(f"python3.{minor}") for minor in (11, 12, 13, 14)]
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    pattern = os.path.join(pyenv_root, "versions", "3.1[1-9]*", "bin", "python3")
    candidates += sorted(glob.glob(pattern))
    for candidate in candidates:
        if candidate and _is_modern_python(candidate):
            return candidate
    return None


def _requirements_digest() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


@contextlib.contextmanager
def _locked(state_dir: Path) -> Iterator[None]:
    """Serialize installs between concurrent runs (a test session and the demo)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / "lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _install(venv: Path, log: Callable[[str], None]) -> None:
    python = find_python()
    if python is None:
        raise NoSuitablePython(
            "Bugsink needs CPython 3.11 or newer; none found (tried this interpreter, "
            "python3.11-3.14 on PATH and ~/.pyenv/versions)"
        )
    log(f"Installing Bugsink into {venv} (once; about 15 s) ...")
    shutil.rmtree(venv, ignore_errors=True)
    commands = [
        [python, "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", "-r", str(REQUIREMENTS)],
    ]
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            output = (done.stdout + done.stderr)[-3000:]
            raise BugsinkUnavailable(f"{' '.join(command)} failed:\n{output}")


def ensure_venv(state_dir: Path = STATE_DIR, log: Callable[[str], None] = _quiet) -> Path:
    """Bugsink's virtual environment, (re)built when missing or when the pinned version changed."""
    venv = state_dir / "venv"
    stamp = venv / "bugsink-requirements.sha256"
    wanted = _requirements_digest()
    with _locked(state_dir):
        usable = (venv / "bin" / "python").resolve().exists()  # its base Python may be gone
        if usable and stamp.exists() and stamp.read_text() == wanted:
            return venv
        _install(venv, log)
        shutil.rmtree(state_dir / "db-template", ignore_errors=True)
        stamp.write_text(wanted)
    return venv


# --- one server ---------------------------------------------------------------------------------

_CONF = """\
from bugsink.settings.default import *  # noqa: F403

SECRET_KEY = {secret!r}
DATABASES["default"]["NAME"] = {db!r}
DATABASES["snappea"]["NAME"] = {snappea!r}
SNAPPEA = {{"TASK_ALWAYS_EAGER": True}}  # digest inside the ingest request: no worker, no polling
EMAIL_BACKEND = "bugsink.email_backends.QuietConsoleEmailBackend"
TIME_ZONE = "UTC"
BUGSINK = {{
    "BASE_URL": {base_url!r},
    "SINGLE_USER": True,
    "SINGLE_TEAM": True,
    "PHONEHOME": False,
    "INGEST_STORE_BASE_DIR": {ingest!r},
    "KEEP_ENVELOPES": 1000,
}}
"""


@dataclass
class StoredEvent:
    """One event as Bugsink stored it: the JSON it received, plus what it derived."""

    data: dict[str, Any]
    title: str
    tags: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


@dataclass
class Bugsink:
    """A running Bugsink server and the project made for this run."""

    base_url: str
    dsn: str
    project_id: str
    workdir: Path
    process: subprocess.Popen[bytes]
    username: str = USERNAME
    password: str = PASSWORD
    _owns_workdir: bool = False

    @property
    def database(self) -> Path:
        return self.workdir / "db.sqlite3"

    @property
    def log_file(self) -> Path:
        return self.workdir / "gunicorn.log"

    def events(self) -> list[StoredEvent]:
        """Every event of the project, oldest first, read from Bugsink's own database."""
        with contextlib.closing(_connect_readonly(self.database)) as db:
            rows = db.execute(
                "SELECT id, data, storage_backend, calculated_type, calculated_value"
                " FROM events_event WHERE project_id = ? ORDER BY digest_order",
                (self.project_id,),
            ).fetchall()
            tags = _tags_by_event(db)
        stored = []
        for event_pk, data, backend, calc_type, calc_value in rows:
            if backend is not None:
                raise RuntimeError(f"event stored outside the database ({backend}); not supported")
            title = ": ".join(part for part in (calc_type, calc_value) if part)
            stored.append(StoredEvent(json.loads(data), title, tags.get(event_pk, {})))
        return stored

    def envelopes(self) -> list[bytes]:
        """Every envelope the server received (decompressed, the last 1000), oldest first.

        Bugsink keeps them all, also those whose items it drops (transactions, client reports).
        """
        with contextlib.closing(_connect_readonly(self.database)) as db:
            rows = db.execute("SELECT data FROM ingest_envelope ORDER BY id").fetchall()
        return [bytes(data) for (data,) in rows]

    def event(self, event_id: str) -> StoredEvent:
        """The stored event with this ``event_id`` (32 hex digits); KeyError if absent."""
        for stored in self.events():
            if stored.data.get("event_id", "").replace("-", "") == event_id.replace("-", ""):
                return stored
        raise KeyError(event_id)

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, size: int = 3000) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def stop(self) -> None:
        """End the server (its whole process group) and remove the temporary directory."""
        _terminate(self.process)
        if self._owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _connect_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


def _tags_by_event(db: sqlite3.Connection) -> dict[str, dict[str, str]]:
    """The tags Bugsink indexed for each event (its own tables, not the raw JSON)."""
    rows = db.execute(
        "SELECT et.event_id, k.key, v.value FROM tags_eventtag et"
        " JOIN tags_tagvalue v ON v.id = et.value_id JOIN tags_tagkey k ON k.id = v.key_id"
    ).fetchall()
    tags: dict[str, dict[str, str]] = {}
    for event_pk, key, value in rows:
        tags.setdefault(event_pk, {})[key] = value
    return tags


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # gunicorn's master stops its workers on SIGTERM
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _bound_socket() -> socket.socket:
    """A listening socket on a free port, handed to gunicorn as a file descriptor (no race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def _write_conf(workdir: Path, base_url: str) -> None:
    conf = _CONF.format(
        secret=os.urandom(24).hex(),
        db=str(workdir / "db.sqlite3"),
        snappea=str(workdir / "snappea.sqlite3"),
        base_url=base_url,
        ingest=str(workdir / "ingest"),
    )
    (workdir / "bugsink_conf.py").write_text(conf)


def _bugsink_env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "DJANGO_"))}
    env["PYTHONPATH"] = str(workdir)
    env["DJANGO_SETTINGS_MODULE"] = "bugsink_conf"
    env.pop("PYTHONHOME", None)
    return env


def _create_project(venv: Path, workdir: Path, state_dir: Path) -> dict[str, str]:
    command = [str(venv / "bin" / "python"), str(SETUP_SCRIPT), str(state_dir / "db-template"),
               USERNAME, PASSWORD]
    with _locked(state_dir):  # the first run writes the migrated template
        done = subprocess.run(command, cwd=workdir, env=_bugsink_env(workdir),
                              capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"Bugsink setup failed:\n{(done.stdout + done.stderr)[-3000:]}")
    result: dict[str, str] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _wait_ready(server: Bugsink, deadline: float) -> None:
    url = server.base_url + "/health/ready"
    while True:
        if not server.is_alive():
            raise RuntimeError(f"Bugsink exited while starting:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"Bugsink not ready after {READY_TIMEOUT} s:\n{server.log_tail()}")
        time.sleep(0.05)


def start(
    workdir: Path | None = None,
    state_dir: Path = STATE_DIR,
    log: Callable[[str], None] = _quiet,
) -> Bugsink:
    """Install if needed, configure, create a project and serve; returns once it answers."""
    venv = ensure_venv(state_dir, log)
    owns_workdir = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="bugsink-")) if workdir is None else workdir
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return _serve(venv, workdir, state_dir, owns_workdir)
    except BaseException:
        if owns_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        raise


def _serve(venv: Path, workdir: Path, state_dir: Path, owns_workdir: bool) -> Bugsink:
    sock = _bound_socket()
    try:
        base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        _write_conf(workdir, base_url)
        project = _create_project(venv, workdir, state_dir)
        with open(workdir / "gunicorn.log", "wb") as log_file:
            process = subprocess.Popen(
                [str(venv / "bin" / "python"), "-m", "gunicorn", "--bind", f"fd://{sock.fileno()}",
                 "--workers", "2", "--no-control-socket", "--access-logfile", "-",
                 "bugsink.wsgi"],
                cwd=workdir, env=_bugsink_env(workdir), stdin=subprocess.DEVNULL,
                stdout=log_file, stderr=subprocess.STDOUT, pass_fds=(sock.fileno(),),
                start_new_session=True,
            )
    finally:
        sock.close()
    server = Bugsink(base_url, project["dsn"], project["project_id"], workdir, process,
                     _owns_workdir=owns_workdir)
    try:
        _wait_ready(server, time.monotonic() + READY_TIMEOUT)
    except BaseException:
        _terminate(process)
        raise
    return server


@contextlib.contextmanager
def running(**kwargs: Any) -> Iterator[Bugsink]:
    """``start()`` as a context manager that always stops the server."""
    server = start(**kwargs)
    try:
        yield server
    finally:
        server.stop()
