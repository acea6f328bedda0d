"""The package's layering: each module imports (at module level) only from layers below it.

stdlib-only leaves -> tracing -> scope -> transport -> client -> api -> __init__
-> integrations, testing. Imports inside functions (loaded lazily) and under
``if TYPE_CHECKING:`` are not part of the layering and are not checked.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "sentry_lite"

LEAVES = (
    "sentry_lite.types",
    "sentry_lite.consts",
    "sentry_lite.alias",
    "sentry_lite._options",
    "sentry_lite._dsn",
    "sentry_lite._log",
    "sentry_lite._ids",
    "sentry_lite._reexport",
    "sentry_lite.envelope",
    "sentry_lite.attachments",
    "sentry_lite._event",
    "sentry_lite.scrubber",
    "sentry_lite.tracing._propagation",
    "sentry_lite._attrs",
    "sentry_lite._flags",
    "sentry_lite.tracing._headers",
    "sentry_lite.tracing._sampling",
    "sentry_lite.transport._ratelimit",
    # the sentry_sdk compatibility modules and their code (stdlib and the leaves above)
    "sentry_lite._types",
    "sentry_lite._conventions",
    "sentry_lite._constructor",
    "sentry_lite._text",
    "sentry_lite._errors",
    "sentry_lite._runtime",
    "sentry_lite._compat",
    "sentry_lite._reexports",
    "sentry_lite.utils",
    "sentry_lite.serializer",
    "sentry_lite.session",
)
LAYERS = (
    ("sentry_lite.tracing", 1),
    ("sentry_lite.tracing_utils", 1),
    ("sentry_lite.traces", 1),
    ("sentry_lite._scope_compat", 2),
    ("sentry_lite._scope_extras", 2),
    ("sentry_lite.scope", 2),
    ("sentry_lite._merge", 2),
    ("sentry_lite._blocks", 2),
    ("sentry_lite._health", 2),
    ("sentry_lite.sessions", 3),
    ("sentry_lite.transport", 3),
    ("sentry_lite._batcher", 3),
    ("sentry_lite._telemetry", 3),
    ("sentry_lite._spotlight", 3),
    ("sentry_lite.profiler", 3),  # beside the transport: uses tracing, loaded at init()
    ("sentry_lite.worker", 3),
    ("sentry_lite.client", 4),
    ("sentry_lite.api", 5),
    ("sentry_lite.hub", 5),
    ("sentry_lite.logger", 5),
    ("sentry_lite.metrics", 5),
    ("sentry_lite.feature_flags", 5),
    ("sentry_lite.crons", 5),
    ("sentry_lite.integrations", 7),
    ("sentry_lite.testing", 7),
    ("sentry_lite._loopback", 7),
)


def rank(module: str) -> int:
    if module == "sentry_lite":
        return 6
    if any(module == leaf or module.startswith(leaf + ".") for leaf in LEAVES):
        return 0
    for prefix, value in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return value
    raise AssertionError(f"{module} has no layer: add it to tests/test_layering.py")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def module_level_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found: list[str] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and _is_type_checking(node):
                visit(node.orelse)
                continue
            if isinstance(node, (ast.If, ast.Try)):
                for block in (node.body, getattr(node, "orelse", []),
                              getattr(node, "finalbody", [])):
                    visit(block)
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
            elif isinstance(node, ast.Import):
                found.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == "sentry_lite":
                    found.extend(f"sentry_lite.{alias.name}" for alias in node.names)
                else:
                    found.append(node.module)

    visit(tree.body)
    return [name for name in found if name.split(".")[0] == "sentry_lite"]


def _modules() -> dict[str, list[str]]:
    return {module_name(p): module_level_imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_imports_only_from_its_layer_or_below() -> None:
    wrong = []
    for module, imports in _modules().items():
        for target in imports:
            if rank(target) > rank(module):
                wrong.append(f"{module} (layer {rank(module)}) imports {target} "
                             f"(layer {rank(target)})")
    assert wrong == []


def test_the_core_never_imports_the_package_itself() -> None:
    offenders = [
        module
        for module, imports in _modules().items()
        if rank(module) < 6 and "sentry_lite" in imports
    ]
    assert offenders == []


def test_no_import_cycles_at_module_level() -> None:
    graph = _modules()

    def resolve(target: str) -> str | None:
        while target and target not in graph:
            target = target.rpartition(".")[0]
        return target or None

    edges = {m: {t for t in (resolve(i) for i in imps) if t and t != m}
             for m, imps in graph.items()}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle.extend([*path, node, nxt])
                return
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    assert cycle == []
