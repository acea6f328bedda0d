"""The package's layering: every import between our modules goes down a layer (or stays in one).

The order, lowest first (``rank`` encodes it):

0. leaves: stdlib-only values and codecs (types, consts, options, DSN, envelope, ``_event``, the
   trace values ``tracing._propagation`` / ``_headers`` / ``_sampling`` / ``_dsc``...)
1. scope: ``scope`` with the parts of its class (``_scope_events``, ``_scope_trace``,
   ``_scope_compat``), the holders ``_scope_vars``, ``_scope_extras``, ``_merge``, ``_blocks``,
   ``_health``
2. tracing: spans and transactions (they activate themselves on a scope)
3. transport and the client's helpers: transport, sessions, batcher, telemetry, spotlight, profiler,
   the client's event pipeline (``_pipeline``)
4. integration machinery: ``sentry_lite.integrations`` itself, ``_auto``, ``_importhook``,
   ``_official``, ``_uwsgi`` (they use the scope, never the client module)
5. client
6. api and the other public modules over it (hub, logger, metrics, feature_flags, crons)
7. the package root ``sentry_lite``
8. integrations (every other ``sentry_lite.integrations.*``), the testing kit and the
   compatibility facades (``utils``, ``serializer``, ``tracing_utils``...): they may import anything

Imports at module level and imports inside functions and methods are both checked; those under
``if TYPE_CHECKING:`` are not (they never run). An import inside a function may go up a layer only
when it is in ``LATE_BINDINGS``, with its reason. Imports made through ``importlib`` (the lazy
attribute tables of ``sentry_lite`` and ``_reexport``) are strings, not checked here.

Ruff's PLC0415 (import-outside-toplevel) stays off: it flags 280 imports in 87 files, the
standard library's included, and deferring imports is how ``import sentry_lite`` stays light
(``tests/test_api.py``) and how ``logging``, ``ssl`` or a framework load only when used. A
``noqa`` on each would justify nothing; the tests below check what matters about our own
imports inside functions instead: their direction, needless reloads and cycles.
"""

from __future__ import annotations

import ast
from collections.abc import Collection
from pathlib import Path
from typing import NamedTuple

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
    "sentry_lite.tracing._dsc",
    "sentry_lite.transport._ratelimit",
    "sentry_lite._types",
    "sentry_lite._conventions",
    "sentry_lite._constructor",
    "sentry_lite._text",
    "sentry_lite.session",
)
LAYERS = (
    ("sentry_lite.scope", 1),
    ("sentry_lite._scope_compat", 1),
    ("sentry_lite._scope_events", 1),
    ("sentry_lite._scope_trace", 1),
    ("sentry_lite._scope_vars", 1),
    ("sentry_lite._scope_extras", 1),
    ("sentry_lite._merge", 1),
    ("sentry_lite._blocks", 1),
    ("sentry_lite._health", 1),
    ("sentry_lite.tracing", 2),
    ("sentry_lite.sessions", 3),
    ("sentry_lite.transport", 3),
    ("sentry_lite._batcher", 3),
    ("sentry_lite._telemetry", 3),
    ("sentry_lite._spotlight", 3),
    ("sentry_lite.profiler", 3),
    ("sentry_lite.worker", 3),
    ("sentry_lite._pipeline", 3),
    ("sentry_lite.client", 5),
    ("sentry_lite.api", 6),
    ("sentry_lite.hub", 6),
    ("sentry_lite.logger", 6),
    ("sentry_lite.metrics", 6),
    ("sentry_lite.feature_flags", 6),
    ("sentry_lite.crons", 6),
    ("sentry_lite.integrations", 8),
    ("sentry_lite.ai", 8),
    ("sentry_lite.testing", 8),
    ("sentry_lite._loopback", 8),
    ("sentry_lite._loopback_records", 8),
    # the sentry_sdk compatibility facades over the core
    ("sentry_lite.utils", 8),
    ("sentry_lite._errors", 8),
    ("sentry_lite._runtime", 8),
    ("sentry_lite._compat", 8),
    ("sentry_lite.serializer", 8),
    ("sentry_lite.tracing_utils", 8),
    ("sentry_lite.traces", 8),
)
# Exact modules whose layer differs from their package's.
EXACT = {
    "sentry_lite": 7,
    "sentry_lite.integrations": 4,
    "sentry_lite.integrations._auto": 4,
    "sentry_lite.integrations._importhook": 4,
    "sentry_lite.integrations._official": 4,
    "sentry_lite.integrations._uwsgi": 4,
}

# Imports inside functions that go up a layer on purpose: (importer, imported, reason).
LATE_BINDINGS = (
    ("sentry_lite.scope", "sentry_lite.client",
     "the scope hands out the client layer's non-recording client before init(): a deliberate "
     "late binding, the client imports the scope"),
    ("sentry_lite._scope_trace", "sentry_lite.tracing._ops",
     "Scope.start_span/start_transaction/continue_trace and the header getters are sentry_sdk's "
     "Scope API over the tracing layer, whose spans activate themselves on a scope: a deliberate "
     "late binding"),
    ("sentry_lite.tracing._propagation", "sentry_lite.tracing._ops",
     "PropagationContext is a value every scope holds; its sentry_sdk methods (from_incoming_data, "
     "baggage, get_baggage) need header parsing and the current client from the tracing layer"),
)

# Imports inside functions, within one layer, that close a cycle: a module loads on first use a
# part of its own API kept in a helper module, and the helper builds on the module (it imports
# it back). Each is a deliberate split: (importer, imported, reason).
CYCLE_BREAKS = (
    ("sentry_lite.consts", "sentry_lite._constructor",
     "sentry_sdk.consts' ClientConstructor and DEFAULT_OPTIONS are built from the options table, "
     "which reads consts' defaults: made when first asked for"),
    ("sentry_lite.scope", "sentry_lite._blocks",
     "new_scope(), isolation_scope()... stay importable from sentry_lite.scope as in sentry_sdk; "
     "they live in _blocks, which builds on the scope holders"),
    ("sentry_lite.tracing._span_compat", "sentry_lite.tracing._continue",
     "Span's deprecated continue_from_headers/continue_from_environ make a Transaction, itself a "
     "subclass of Span"),
    ("sentry_lite.transport", "sentry_lite.transport._http",
     "the HTTP transport builds on the Transport contract this package defines; it loads only "
     "when init() has a DSN and no transport of its own"),
    ("sentry_lite.integrations", "sentry_lite.integrations._auto",
     "auto-enabling builds on the integration machinery and loads only when the options ask "
     "for auto-enabling integrations"),
    ("sentry_lite.utils", "sentry_lite.integrations._serverless",
     "sentry_sdk.utils.TimeoutThread is the serverless integrations' warning thread, which "
     "raises utils' ServerlessTimeoutWarning: loaded when asked for"),
    ("sentry_lite.integrations", "sentry_lite.integrations._official",
     "sentry_sdk's hand set-up API (setup_integrations...) is answered on first access by a "
     "module that builds on this package"),
    ("sentry_lite.integrations.asgi", "sentry_lite.integrations._asgi_compat",
     "the ASGI 2 adapter and sentry_sdk's old middleware arguments, loaded when an application "
     "needs them; they build on the ASGI middleware"),
    ("sentry_lite.integrations.logging", "sentry_lite.integrations._sentry_logs",
     "Sentry Logs' handler subclasses logging.Handler: loaded when asked for, so that init() "
     "does not import logging; it builds on this integration"),
    ("sentry_lite.integrations.logging", "sentry_lite.integrations._logging_handlers",
     "the handler classes subclass logging.Handler: loaded when asked for, so that init() does "
     "not import logging; they build on this integration"),
)


class Import(NamedTuple):
    target: str
    line: int
    lazy: bool  # inside a function or method


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def rank(module: str) -> int:
    if module in EXACT:
        return EXACT[module]
    if any(module == leaf or module.startswith(leaf + ".") for leaf in LEAVES):
        return 0
    for prefix, value in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return value
    raise AssertionError(f"{module} has no layer: add it to tests/test_layering.py")


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_in(source: str, known: set[str] | dict[str, Path] = MODULES) -> list[Import]:
    """Every executed import of a ``sentry_lite`` module in ``source``; ``from X import y`` is
    ``X.y`` when that is a module of ``known``."""
    found: list[Import] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for branch in node.orelse:
                visit(branch, lazy)
            return
        lazy = lazy or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, node.lineno, lazy) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.append(Import(full if full in known else node.module, node.lineno, lazy))
        for child in ast.iter_child_nodes(node):
            visit(child, lazy)

    visit(ast.parse(source), False)
    return [i for i in found if i.target.split(".")[0] == "sentry_lite"]


def upward(module: str, imports: list[Import],
           allowed: tuple[tuple[str, str, str], ...] = LATE_BINDINGS) -> list[str]:
    """The imports of ``module`` that go up a layer and are not an allowed late binding."""
    pairs = {(a, b) for a, b, _ in allowed}
    return [f"{module}:{i.line} (layer {rank(module)}) imports {i.target} (layer {rank(i.target)})"
            f"{' inside a function' if i.lazy else ''}"
            for i in imports
            if rank(i.target) > rank(module) and not (i.lazy and (module, i.target) in pairs)]


def reloads(module: str, imports: list[Import]) -> list[str]:
    """Imports inside functions of a module the file already imports at module level."""
    top = {i.target for i in imports if not i.lazy}
    return [f"{module}:{i.line} imports {i.target} again inside a function"
            for i in imports if i.lazy and i.target in top]


def _resolve(target: str, known: Collection[str]) -> str | None:
    while target and target not in known:
        target = target.rpartition(".")[0]
    return target or None


def graph_of(imports: dict[str, list[Import]],
             allowed: tuple[tuple[str, str, str], ...] = LATE_BINDINGS + CYCLE_BREAKS,
             ) -> dict[str, set[str]]:
    """Module -> modules it imports (at any level), without the allowed imports inside
    functions."""
    pairs = {(a, b) for a, b, i in allowed}
    graph: dict[str, set[str]] = {}
    for module, found in imports.items():
        targets = {_resolve(i.target, imports) for i in found
                   if not (i.lazy and (module, i.target) in pairs)}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while not component or component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _imports() -> dict[str, list[Import]]:
    return {module: imports_in(path.read_text()) for module, path in MODULES.items()}


def test_every_import_goes_down_a_layer_or_is_a_named_late_binding() -> None:
    wrong = [line for module, found in _imports().items() for line in upward(module, found)]
    assert wrong == []


def test_every_late_binding_is_used_goes_up_and_says_why() -> None:
    imports = _imports()
    for importer, imported, reason in LATE_BINDINGS:
        assert rank(imported) > rank(importer), (importer, imported)
        assert any(i.lazy and i.target == imported for i in imports[importer]), (importer, imported)
        assert len(reason.split()) >= 8, reason


def test_every_cycle_break_is_used_closes_a_cycle_and_says_why() -> None:
    imports = _imports()
    full = graph_of(imports, LATE_BINDINGS)
    for importer, imported, reason in CYCLE_BREAKS:
        assert rank(imported) == rank(importer), (importer, imported)
        assert any(i.lazy and i.target == imported for i in imports[importer]), (importer, imported)
        assert importer in _reachable(full, imported), (importer, imported)
        assert len(reason.split()) >= 8, reason


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_no_function_reimports_what_its_module_already_imported() -> None:
    wrong = [line for module, found in _imports().items() for line in reloads(module, found)]
    assert wrong == []


def test_the_core_never_imports_the_package_itself() -> None:
    offenders = [module for module, found in _imports().items()
                 if rank(module) < 7 and any(i.target == "sentry_lite" for i in found)]
    assert offenders == []


def test_no_import_cycles_counting_imports_inside_functions() -> None:
    assert cycles(graph_of(_imports())) == []


def test_new_integration_modules_sit_on_top() -> None:
    assert rank("sentry_lite.integrations.some_new_framework") == 8
    assert rank("sentry_lite.integrations.some_new_framework._patch") == 8


# -- the checker catches what it should: a deliberate violation ----------------------------------

_LOW_MODULE = '''
from __future__ import annotations

from sentry_lite import _log

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sentry_lite.client import Client  # never runs: exempt


def send(event):
    from sentry_lite.api import capture_event  # up from the leaves to the api

    return capture_event(event)


class Holder:
    def client(self):
        from sentry_lite import client  # up, inside a method; `client` is a module

        return client

    def log(self):
        from sentry_lite._log import get_logger  # reloads what the module imported

        return get_logger()
'''


def test_the_checker_reports_an_import_up_a_layer_inside_a_function() -> None:
    found = imports_in(_LOW_MODULE)
    assert upward("sentry_lite._dsn", found) == [
        "sentry_lite._dsn:12 (layer 0) imports sentry_lite.api (layer 6) inside a function",
        "sentry_lite._dsn:19 (layer 0) imports sentry_lite.client (layer 5) inside a function",
    ]
    assert reloads("sentry_lite._dsn", found) == [
        "sentry_lite._dsn:24 imports sentry_lite._log again inside a function"]
    allowed = (("sentry_lite._dsn", "sentry_lite.api", "a reason long enough for the rule"),)
    assert len(upward("sentry_lite._dsn", found, allowed)) == 1


def test_the_checker_reports_a_cycle_through_a_function_level_import() -> None:
    imports = {
        "sentry_lite.scope": imports_in("def f():\n    from sentry_lite.client import x\n"),
        "sentry_lite.client": imports_in("from sentry_lite.scope import Scope\n"),
        "sentry_lite.api": imports_in("import sentry_lite.scope\n"),
    }
    assert cycles(graph_of(imports, ())) == [["sentry_lite.client", "sentry_lite.scope"]]
    allowed = (("sentry_lite.scope", "sentry_lite.client", "the late binding under test"),)
    assert cycles(graph_of(imports, allowed)) == []
