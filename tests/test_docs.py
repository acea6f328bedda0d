"""The docs name only things that exist: module paths, dotted names, repository files, links.

Every ``sentry_lite/...`` path and ``sentry_lite.x.y`` name written in ``docs/``, ``README.md``
and ``CONTRIBUTING.md`` must exist in the package: a path as a file or folder, a dotted name as a
module, or as an attribute (of a module, or of a class in one) found by importing the module.
Paths under ``tests/``, ``benchmarks/``, ``demo/`` and ``docs/`` must exist in the repository,
and relative Markdown links must lead to a file. A rename that leaves the docs behind fails here.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md", ROOT / "CONTRIBUTING.md"]

# A path may end in a brace list: ``benchmarks/results/latest.{json,md}``. A quoted name
# (``environ["sentry_lite.request"]``) is a string, not a module path.
_PATH = re.compile(
    r"(?<![\w./'\"-])((?:sentry_lite|tests|benchmarks|demo|docs)/"
    r"(?:[\w./-]|\{[\w.,]+\})*(?:[\w/]|\{[\w.,]+\}))"
)
_DOTTED = re.compile(r"(?<![\w./'\"-])(sentry_lite(?:\.[A-Za-z_]\w*)+)")
_LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")


def _module_file(dotted: str) -> Path | None:
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _bound_names(path: Path) -> set[str]:
    """The names a module binds at its top level (definitions, assignments, imports)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def _has_name(module: str, names: list[str]) -> bool:
    """Whether ``module`` (a real module of ours) has the attribute path ``names``."""
    try:
        obj: object = importlib.import_module(module)
    except Exception:  # an integration whose framework is not installed here
        return names[0] in _bound_names(_module_file(module))  # type: ignore[arg-type]
    for name in names:
        try:
            obj = getattr(obj, name)
        except AttributeError:
            return False
    return True


def dotted_name_exists(dotted: str) -> bool:
    """``sentry_lite.a.b`` is a module of ours, or an attribute path of the longest one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = ".".join(parts[:cut])
        if _module_file(module) is not None:
            return cut == len(parts) or _has_name(module, parts[cut:])
    return False


def path_exists(path: str) -> bool:
    """The path exists; one with a brace list exists in each of its expansions."""
    braces = re.search(r"\{([^}]*)\}", path)
    if braces is None:
        return (ROOT / path.rstrip("/")).exists()
    head, tail = path[:braces.start()], path[braces.end():]
    return all(path_exists(head + choice + tail) for choice in braces.group(1).split(","))


def _mentions(pattern: re.Pattern[str]) -> list[tuple[str, int, str]]:
    found: list[tuple[str, int, str]] = []
    for doc in DOCS:
        for number, line in enumerate(doc.read_text().splitlines(), 1):
            found.extend((str(doc.relative_to(ROOT)), number, m) for m in pattern.findall(line))
    return found


def test_every_path_named_in_the_docs_exists() -> None:
    missing = [f"{doc}:{line}: {path}" for doc, line, path in _mentions(_PATH)
               if not path_exists(path)]
    assert missing == []


def test_every_dotted_sentry_lite_name_in_the_docs_exists() -> None:
    missing = [f"{doc}:{line}: {name}" for doc, line, name in _mentions(_DOTTED)
               if not dotted_name_exists(name)]
    assert missing == []


def test_every_relative_link_in_the_docs_leads_to_a_file() -> None:
    broken = []
    for doc in DOCS:
        for target in _LINK.findall(doc.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target}")
    assert broken == []


@pytest.mark.parametrize(("name", "exists"), [
    ("sentry_lite.transport._http", True),
    ("sentry_lite.transport._http.HttpTransport", True),
    ("sentry_lite.transport._http.HttpTransport.capture_envelope", True),
    ("sentry_lite.transport.HttpTransport", True),  # a lazy attribute of the package
    ("sentry_lite.transport._wire", False),
    ("sentry_lite.scope.NoSuchThing", False),
    ("sentry_lite.transport._http.HttpTransport.no_such_method", False),
])
def test_the_checker_tells_names_that_exist_from_names_that_do_not(name: str,
                                                                    exists: bool) -> None:
    assert dotted_name_exists(name) is exists


def test_the_checker_finds_paths_and_names_in_prose() -> None:
    line = ("see `sentry_lite/transport/_wire.py` and `tests/transport/`, "
            "`sentry_lite.scope.Scope.fork()`, https://example.com/sentry_lite/x, "
            "`environ[\"sentry_lite.request\"]`, `docs/design/{scopes,tracing}.md`")
    assert _PATH.findall(line) == ["sentry_lite/transport/_wire.py", "tests/transport/",
                                   "docs/design/{scopes,tracing}.md"]
    assert _DOTTED.findall(line) == ["sentry_lite.scope.Scope.fork"]
    assert not path_exists("sentry_lite/transport/_wire.py")
    assert path_exists("tests/transport/")
    assert path_exists("docs/design/{scopes,tracing}.md")
    assert not path_exists("docs/design/{scopes,nothing}.md")
