"""``install_as_sentry_sdk()``: ``import sentry_sdk`` gives sentry_lite, in fresh interpreters.

Every test runs in a subprocess: the test process itself imports the official SDK.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from sentry_lite.consts import SENTRY_SDK_API_VERSION

ROOT = Path(__file__).resolve().parents[1]


def run(code: str, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
        python_flags: tuple[str, ...] = ()) -> str:
    """Run ``code`` (or ``args`` when ``code`` is empty) in a new interpreter; its stdout."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "PYTHON"))}
    command = [sys.executable, *python_flags]
    command += ["-c", textwrap.dedent(code), *args] if code else list(args)
    done = subprocess.run(command, check=False, capture_output=True, text=True, cwd=cwd,
                          env={**base, **(env or {})}, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_sentry_sdk_names_are_sentry_lite_modules() -> None:
    out = run("""
        import sys, sentry_lite
        sentry_lite.install_as_sentry_sdk()
        import sentry_sdk
        import sentry_sdk.scope
        import sentry_sdk.integrations.logging
        from sentry_sdk.transport import HttpTransport
        from sentry_sdk.envelope import Envelope
        checks = {
            "top": sentry_sdk is sentry_lite,
            "scope": sys.modules["sentry_sdk.scope"] is sys.modules["sentry_lite.scope"],
            "nested": sentry_sdk.integrations.logging
                      is sys.modules["sentry_lite.integrations.logging"],
            "from": HttpTransport is sentry_lite.HttpTransport,
            "envelope": Envelope.__module__ == "sentry_lite.envelope",
            # the module keeps its own identity (importlib.reload, pickling by name)
            "spec": sentry_sdk.scope.__spec__.name == "sentry_lite.scope",
            "name": sentry_sdk.scope.__name__ == "sentry_lite.scope",
        }
        print(checks)
    """)
    checks = ast.literal_eval(out)
    assert all(checks.values()), checks


def test_a_missing_module_fails_like_any_missing_module() -> None:
    out = run("""
        import sentry_lite
        sentry_lite.install_as_sentry_sdk()
        for name in ("sentry_sdk.no_such_module", "sentry_sdk.integrations.no_such_one"):
            try:
                __import__(name)
            except ModuleNotFoundError as error:
                print(repr((error.name, str(error))))
    """)
    lines = [ast.literal_eval(line) for line in out.splitlines()]
    assert lines == [
        ("sentry_sdk.no_such_module", "No module named 'sentry_sdk.no_such_module'"),
        ("sentry_sdk.integrations.no_such_one",
         "No module named 'sentry_sdk.integrations.no_such_one'"),
    ]


def test_install_is_idempotent_and_imports_nothing_heavy() -> None:
    out = run("""
        import sys
        import sentry_lite
        before = set(sys.modules)
        sentry_lite.install_as_sentry_sdk()
        sentry_lite.install_as_sentry_sdk()
        added = sorted(set(sys.modules) - before)
        finders = sum(1 for f in sys.meta_path if getattr(f, "sentry_lite_alias", False))
        print(repr((added, finders)))
    """)
    added, finders = ast.literal_eval(out)
    assert finders == 1
    # the alias module itself, and the names of what sentry_lite had already loaded
    assert [m for m in added if not m.startswith("sentry_sdk")] == ["sentry_lite.alias"]
    assert "sentry_sdk.scope" in added


def test_metadata_reports_the_api_level_sentry_lite_implements() -> None:
    out = run("""
        import sentry_lite
        sentry_lite.install_as_sentry_sdk()
        from importlib import metadata
        dist = metadata.distribution("sentry_sdk")
        print(repr((metadata.version("sentry-sdk"), dist.metadata["Name"],
                    metadata.packages_distributions()["sentry_sdk"][0])))
    """)
    assert ast.literal_eval(out) == (SENTRY_SDK_API_VERSION, "sentry-sdk", "sentry-sdk")
    major = int(SENTRY_SDK_API_VERSION.split(".")[0])
    assert major == 2


def test_works_when_the_official_sdk_is_not_installed(tmp_path: Path) -> None:
    # -S: no site-packages, so neither sentry_sdk nor its dist-info can be found;
    # only the project's source tree is on the path.
    out = run("""
        import importlib.util, sys
        from importlib import metadata
        official = importlib.util.find_spec("sentry_sdk")
        try:
            metadata.version("sentry-sdk")
            before = "found"
        except metadata.PackageNotFoundError:
            before = "not found"
        import sentry_lite
        sentry_lite.install_as_sentry_sdk()
        import sentry_sdk
        sent = []
        sentry_sdk.init(transport=lambda event: sent.append(event))
        sentry_sdk.capture_message("through the alias")
        sentry_sdk.flush()
        print(repr((official, before, metadata.version("sentry-sdk"),
                    sentry_sdk.__name__, [e["message"] for e in sent])))
    """, python_flags=("-S",), env={"PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    official, before, version, name, messages = ast.literal_eval(out)
    assert (official, before) == (None, "not found")
    assert (version, name, messages) == (SENTRY_SDK_API_VERSION, "sentry_lite",
                                         ["through the alias"])


def test_after_the_official_sdk_it_names_the_importer(tmp_path: Path) -> None:
    (tmp_path / "legacy_plugin.py").write_text("from sentry_sdk import capture_message\n")
    out = run("""
        import legacy_plugin, sentry_lite
        from sentry_lite.alias import SentrySdkAlreadyImportedError
        try:
            sentry_lite.install_as_sentry_sdk()
        except SentrySdkAlreadyImportedError as error:
            print(repr((isinstance(error, RuntimeError), str(error))))
    """, cwd=tmp_path, env={"PYTHONPATH": str(tmp_path)})
    is_runtime_error, message = ast.literal_eval(out)
    assert is_runtime_error
    assert "already imported" in message
    assert "referenced by: legacy_plugin" in message


def test_runner_runs_a_script_and_a_module_with_the_alias(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import sys, sentry_sdk\nprint(repr((sentry_sdk.__name__, sys.argv, __name__)))\n"
    )
    out = run("", "-m", "sentry_lite.alias", str(tmp_path / "app.py"), "--flag", cwd=tmp_path)
    assert ast.literal_eval(out) == ("sentry_lite", [str(tmp_path / "app.py"), "--flag"],
                                     "__main__")
    out = run("", "-m", "sentry_lite.alias", "-m", "app", "x", cwd=tmp_path)
    name, argv, main = ast.literal_eval(out)
    assert (name, argv[1:], main) == ("sentry_lite", ["x"], "__main__")


def test_sitecustomize_one_liner(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(
        "import sentry_lite; sentry_lite.install_as_sentry_sdk()\n"
    )
    out = run("import sentry_sdk.scope; print(sentry_sdk.__name__, sentry_sdk.scope.__name__)",
              env={"PYTHONPATH": str(tmp_path)})
    assert out.split() == ["sentry_lite", "sentry_lite.scope"]


def test_submodules_resolve_as_attributes_lazily() -> None:
    # The submodules the official SDK exposes as attributes; those another issue has not
    # added yet must raise AttributeError rather than anything else.
    names = ["transport", "client", "envelope", "utils", "tracing_utils", "hub", "integrations",
             "scope", "consts", "types", "tracing", "serializer", "worker", "api", "sessions",
             "crons", "logger", "metrics", "profiler", "feature_flags", "attachments",
             "scrubber", "session", "traces"]
    out = run(f"""
        import importlib.util, sys
        import sentry_lite
        names = {names!r}
        exists = {{n: importlib.util.find_spec("sentry_lite." + n) is not None for n in names}}
        loaded_before = sorted(n for n in names if "sentry_lite." + n in sys.modules)
        result = {{}}
        for name in names:
            try:
                value = getattr(sentry_lite, name)
                result[name] = value is sys.modules["sentry_lite." + name]
            except AttributeError:
                result[name] = None
        sentry_lite.install_as_sentry_sdk()
        import sentry_sdk
        via_alias = sentry_sdk.transport is sys.modules["sentry_lite.transport"]
        try:
            sentry_lite.no_such_module
            missing = "no error"
        except AttributeError as error:
            missing = str(error)
        print(repr((exists, result, via_alias, missing, loaded_before)))
    """)
    exists, result, via_alias, missing, loaded_before = ast.literal_eval(out)
    assert result == {n: (True if exists[n] else None) for n in names}
    assert "transport" not in loaded_before and "client" not in loaded_before
    assert via_alias
    assert missing == "module 'sentry_lite' has no attribute 'no_such_module'"
