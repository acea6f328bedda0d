"""The release an application runs when none is configured: its git commit.

Found without running ``git``: starting from the project root (or the working
directory) and going up, the first ``.git`` (a directory, or a file ``gitdir: ...`` for
worktrees and submodules) gives ``HEAD``, which is either a commit id or
``ref: refs/heads/<branch>``, resolved through the loose ref file or ``packed-refs``
(in the common directory for worktrees). Then a few CI/hosting variables that carry the
commit. Computed once per process.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Variables set by hosting and CI platforms to the deployed commit, tried after git.
COMMIT_VARIABLES = (
    "HEROKU_SLUG_COMMIT",
    "SOURCE_VERSION",
    "CODEBUILD_RESOLVED_SOURCE_VERSION",
    "CIRCLE_SHA1",
    "GAE_DEPLOYMENT_ID",
)
_HEX = frozenset("0123456789abcdef")
_cached: list[str | None] = []


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as file:
            return file.read(4096)
    except (OSError, UnicodeDecodeError):
        return None


def _is_sha(text: str) -> bool:
    return len(text) in (40, 64) and set(text) <= _HEX


def find_git_dir(start: str) -> str | None:
    """The git directory of the repository containing ``start``, if any."""
    directory = os.path.abspath(start)
    while True:
        candidate = os.path.join(directory, ".git")
        if os.path.isdir(candidate):
            return candidate
        if os.path.isfile(candidate):
            content = _read(candidate) or ""
            if content.startswith("gitdir:"):
                return os.path.normpath(os.path.join(directory, content[7:].strip()))
            return None
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def head_commit(git_dir: str) -> str | None:
    """The commit ``HEAD`` points to in ``git_dir``."""
    head = (_read(os.path.join(git_dir, "HEAD")) or "").strip()
    if _is_sha(head):
        return head
    if not head.startswith("ref:"):
        return None
    ref = head[4:].strip()
    common = git_dir
    pointer = _read(os.path.join(git_dir, "commondir"))
    if pointer:
        common = os.path.normpath(os.path.join(git_dir, pointer.strip()))
    for base in (git_dir, common):
        loose = (_read(os.path.join(base, *ref.split("/"))) or "").strip()
        if _is_sha(loose):
            return loose
    return _packed_ref(common, ref)


def _packed_ref(common: str, ref: str) -> str | None:
    try:
        with open(os.path.join(common, "packed-refs"), encoding="utf-8") as file:
            for line in file:
                sha, _, name = line.strip().partition(" ")
                if name == ref and _is_sha(sha):
                    return sha
    except (OSError, UnicodeDecodeError):
        return None
    return None


def detect_release(start: str | None = None) -> str | None:
    """The commit of the repository around ``start`` (default: cwd), else a CI variable."""
    try:
        git_dir = find_git_dir(start or os.getcwd())
        commit = head_commit(git_dir) if git_dir else None
    except (OSError, ValueError):
        commit = None
    if commit:
        return commit
    for name in COMMIT_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def default_release(options: Any) -> str | None:
    """``detect_release`` for the project root, computed once per process."""
    if not _cached:
        _cached.append(detect_release(options.project_root if options is not None else None))
    return _cached[0]


def forget() -> None:
    """Drop the cached release (for tests)."""
    del _cached[:]


__all__ = ["default_release", "detect_release", "find_git_dir", "forget", "head_commit"]
