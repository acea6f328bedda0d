"""Defaults every event gets: release (from git without git), environment, SDK, runtime."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import sentry_lite
from sentry_lite._event import release
from sentry_lite._event.defaults import hostname
from sentry_lite.consts import SDK_NAME, VERSION

SHA = "0123456789abcdef0123456789abcdef01234567"
OTHER = "fedcba9876543210fedcba9876543210fedcba98"


@pytest.fixture(autouse=True)
def _fresh_release_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in release.COMMIT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SENTRY_RELEASE", raising=False)
    release.forget()
    yield
    release.forget()


def make_repo(root: Path, head: str, refs: dict[str, str] | None = None, packed: str = "") -> Path:
    git = root / ".git"
    git.mkdir(parents=True)
    (git / "HEAD").write_text(head + "\n")
    for name, sha in (refs or {}).items():
        path = git / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sha + "\n")
    if packed:
        (git / "packed-refs").write_text(packed)
    return git


def test_branch_ref_as_a_loose_file(tmp_path: Path) -> None:
    make_repo(tmp_path, "ref: refs/heads/main", {"refs/heads/main": SHA})
    assert release.detect_release(str(tmp_path)) == SHA


def test_branch_ref_in_packed_refs(tmp_path: Path) -> None:
    packed = (
        "# pack-refs with: peeled fully-peeled sorted\n"
        f"{OTHER} refs/heads/other\n{SHA} refs/heads/main\n^{OTHER}\n"
    )
    make_repo(tmp_path, "ref: refs/heads/main", packed=packed)
    assert release.detect_release(str(tmp_path)) == SHA


def test_detached_head(tmp_path: Path) -> None:
    make_repo(tmp_path, SHA)
    assert release.detect_release(str(tmp_path)) == SHA


def test_found_from_a_subdirectory(tmp_path: Path) -> None:
    make_repo(tmp_path, SHA)
    deep = tmp_path / "src" / "pkg"
    deep.mkdir(parents=True)
    assert release.detect_release(str(deep)) == SHA


def test_worktree_with_a_gitdir_file_and_commondir(tmp_path: Path) -> None:
    main = make_repo(tmp_path / "main", "ref: refs/heads/main", {"refs/heads/feature": OTHER})
    worktree_git = main / "worktrees" / "feature"
    worktree_git.mkdir(parents=True)
    (worktree_git / "HEAD").write_text("ref: refs/heads/feature\n")
    (worktree_git / "commondir").write_text("../..\n")
    checkout = tmp_path / "feature"
    checkout.mkdir()
    (checkout / ".git").write_text(f"gitdir: {worktree_git}\n")
    assert release.detect_release(str(checkout)) == OTHER


def test_unborn_branch_and_garbage_give_nothing(tmp_path: Path) -> None:
    make_repo(tmp_path / "unborn", "ref: refs/heads/main")
    assert release.detect_release(str(tmp_path / "unborn")) is None
    make_repo(tmp_path / "garbage", "not a ref")
    assert release.detect_release(str(tmp_path / "garbage")) is None


def test_ci_variables_come_after_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEROKU_SLUG_COMMIT", "heroku-sha")
    assert release.detect_release(str(tmp_path)) == "heroku-sha"
    make_repo(tmp_path, SHA)
    assert release.detect_release(str(tmp_path)) == SHA


def test_this_repository_matches_git(sentry_events: list[Any]) -> None:
    import shutil
    import subprocess

    here = os.path.dirname(os.path.abspath(__file__))
    found = release.detect_release(here)
    if shutil.which("git") is None or found is None:
        pytest.skip("not a git checkout with git installed")
    expected = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == expected


def test_release_precedence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sentry_init: Any, sentry_events: list[Any]
) -> None:
    make_repo(tmp_path, SHA)
    monkeypatch.chdir(tmp_path)
    sentry_init()
    sentry_lite.capture_message("from git")
    monkeypatch.setenv("SENTRY_RELEASE", "env-release")
    sentry_init()
    sentry_lite.capture_message("from the environment")
    sentry_init(release="option-release")
    sentry_lite.capture_message("from the option")
    assert [e["release"] for e in sentry_events] == [SHA, "env-release", "option-release"]


def test_the_git_release_is_read_once_per_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sentry_init: Any, sentry_events: list[Any]
) -> None:
    git = make_repo(tmp_path, SHA)
    monkeypatch.chdir(tmp_path)
    sentry_init()
    sentry_lite.capture_message("one")
    (git / "HEAD").write_text(OTHER + "\n")
    sentry_lite.capture_message("two")
    assert [e["release"] for e in sentry_events] == [SHA, SHA]


def test_no_release_when_nothing_says_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sentry_init: Any, sentry_events: list[Any]
) -> None:
    monkeypatch.chdir(tmp_path)
    sentry_init()
    sentry_lite.capture_message("x")
    assert "release" not in sentry_events[0]


def test_other_defaults(
    monkeypatch: pytest.MonkeyPatch, sentry_init: Any, sentry_events: list[Any]
) -> None:
    monkeypatch.setenv("SENTRY_ENVIRONMENT", "staging")
    sentry_init(dist="42", default_integrations=False)
    sentry_lite.capture_message("x")
    event = sentry_events[0]
    assert event["environment"] == "staging"
    assert event["dist"] == "42"
    assert event["platform"] == "python"
    assert event["server_name"] == hostname() == platform.node()
    assert event["sdk"] == {
        "name": SDK_NAME,
        "version": VERSION,
        "packages": [{"name": "pypi:sentry-lite", "version": VERSION}],
        "integrations": [],
    }
    assert event["contexts"]["runtime"] == {
        "name": "CPython" if sys.implementation.name == "cpython" else sys.implementation.name,
        "version": platform.python_version(),
        "build": sys.version,
    }


def test_option_values_and_event_values_win(sentry_init: Any, sentry_events: list[Any]) -> None:
    sentry_init(environment="qa", server_name="web-1")
    sentry_lite.capture_message("x")
    sentry_lite.capture_event(
        {"message": "own", "environment": "mine", "server_name": "mine", "release": "mine",
         "contexts": {"runtime": {"name": "custom"}}}
    )  # fmt: skip
    first, second = sentry_events
    assert (first["environment"], first["server_name"]) == ("qa", "web-1")
    assert (second["environment"], second["server_name"], second["release"]) == ("mine",) * 3
    assert second["contexts"]["runtime"] == {"name": "custom"}


def test_environment_defaults_to_production(sentry_init: Any, sentry_events: list[Any]) -> None:
    sentry_init()
    sentry_lite.capture_message("x")
    assert sentry_events[0]["environment"] == os.environ.get("SENTRY_ENVIRONMENT", "production")
