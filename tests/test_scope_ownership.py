"""Only the scope's own modules write a ``Scope``'s fields.

Tracing, the integrations, release health and the client change a scope through its methods
(``span = ...``, ``_set_transaction``, ``_set_trace``, ``_swap_session``, the public setters),
so that the rules (copy on write, the breadcrumb ring, the transaction's name kept in step) live
in one place. The source is read, not run: every assignment, augmented assignment, ``del``,
in-place container call (``.append``, ``.update``...) and ``setattr`` with a constant name whose
target is one of ``Scope``'s slots counts as a write, unless the receiver is ``self`` in another
class (a ``Span``'s own ``_tags`` is not a scope's).

The one exception, by name: the module-level API's one-store setters, kept inline for speed
(``benchmarks/run.py --only ops``).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import NamedTuple

from sentry_lite.scope import Scope

PACKAGE = Path(__file__).resolve().parents[1] / "sentry_lite"

# The module-level API's setters: one context-variable read and one store each.
ONE_STORE_SETTERS = frozenset(
    ("set_tag", "set_tags", "remove_tag", "set_extra", "set_context", "set_user", "set_level")
)
EXEMPT = frozenset((PACKAGE / "api.py", name) for name in ONE_STORE_SETTERS)
IN_PLACE = frozenset(
    (
        "append", "appendleft", "extend", "extendleft", "update", "pop", "popleft", "popitem",
        "clear", "add", "remove", "insert", "setdefault", "discard", "rotate",
    )
)


def scope_slots() -> frozenset[str]:
    slots: set[str] = set()
    for cls in Scope.__mro__:
        slots.update(getattr(cls, "__slots__", ()))
        slots.update(getattr(cls, "__annotations__", {}))  # the parts' declared fields
    return frozenset(name for name in slots if name.startswith("_") and name != "__weakref__")


def scope_modules() -> frozenset[Path]:
    """The files of ``Scope`` and of the classes it is made of."""
    files = set()
    for cls in Scope.__mro__:
        if cls.__module__.startswith("sentry_lite"):
            module = __import__(cls.__module__, fromlist=["_"])
            files.add(Path(module.__file__ or "").resolve())
    return frozenset(files)


class Write(NamedTuple):
    path: Path
    line: int
    function: str
    text: str

    def __str__(self) -> str:
        where = self.path.relative_to(PACKAGE.parent)
        return f"{where}:{self.line} in {self.function}(): {self.text}"


class _Finder(ast.NodeVisitor):
    def __init__(self, path: Path, slots: frozenset[str]) -> None:
        self.path = path
        self.slots = slots
        self.classes: list[str] = []
        self.functions: list[str] = []
        self.found: list[Write] = []

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node.name)
        self.generic_visit(node)
        self.classes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def _check(self, node: ast.stmt | ast.expr, target: ast.expr) -> None:
        while isinstance(target, ast.Subscript):  # scope._tags[key] = ... writes _tags
            target = target.value
        if not isinstance(target, ast.Attribute) or target.attr not in self.slots:
            return
        own = isinstance(target.value, ast.Name) and target.value.id in ("self", "cls")
        if own and self.classes:
            return  # another class's field of the same name
        function = self.functions[-1] if self.functions else "<module>"
        self.found.append(Write(self.path, node.lineno, function, ast.unparse(node)[:100]))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            for part in target.elts if isinstance(target, ast.Tuple) else [target]:
                self._check(node, part)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check(node, node.target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check(node, node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._check(node, target)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in IN_PLACE:
            self._check(node, func.value)
        if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                attribute = ast.Attribute(value=node.args[0], attr=name.value, ctx=ast.Store())
                self._check(node, attribute)
        self.generic_visit(node)


def writes_in(path: Path, source: str, slots: frozenset[str]) -> list[Write]:
    finder = _Finder(path, slots)
    finder.visit(ast.parse(source))
    return finder.found


def outside_writes() -> list[Write]:
    slots = scope_slots()
    owners = scope_modules()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.resolve() in owners:
            continue
        for write in writes_in(path, path.read_text(encoding="utf-8"), slots):
            if (path, write.function) not in EXEMPT:
                found.append(write)
    return found


def test_no_module_outside_the_scope_writes_its_fields() -> None:
    found = outside_writes()
    assert not found, "Scope fields written outside the scope's modules:\n" + "\n".join(
        map(str, found)
    )


def test_the_scope_is_made_of_the_modules_this_check_trusts() -> None:
    names = sorted(path.name for path in scope_modules())
    assert names == ["_scope_compat.py", "_scope_events.py", "_scope_trace.py", "scope.py"]
    assert {"_span", "_tags", "_breadcrumbs", "_propagation_context", "_session"} <= scope_slots()


def test_the_api_setters_are_the_only_exception_and_each_is_used() -> None:
    api = PACKAGE / "api.py"
    writers = {w.function for w in writes_in(api, api.read_text(encoding="utf-8"), scope_slots())}
    assert writers == ONE_STORE_SETTERS  # add_breadcrumb goes through Scope._add_crumb


def test_the_check_finds_each_kind_of_write() -> None:
    source = '''
def activate(scope, span):
    scope._span = span
def crumb(scope, crumb):
    scope._breadcrumbs.append(crumb)
def count(scope):
    scope._unprepared += 1
def tag(scope):
    scope._tags["a"] = 1
def trace(scope):
    setattr(scope, "_propagation_context", None)
def both(a, b):
    a._level, b._user = None, None
class Span:
    def start(self, scope):
        self._tags = {}
        scope._transaction = "x"
'''
    found = writes_in(PACKAGE / "synthetic.py", source, scope_slots())
    assert [write.function for write in found] == [
        "activate", "crumb", "count", "tag", "trace", "both", "both", "start",
    ]
    assert "scope._transaction" in found[-1].text  # and not the Span's own self._tags
