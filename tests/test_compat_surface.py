"""The drop-in surface: each compat module has the official SDK's public names and signatures.

For every module below, the names the installed ``sentry_sdk`` module exposes (and the public
methods of the classes in ``CLASSES``) must exist in ``sentry_lite.<module>`` with a compatible
signature, except the rows of the table ``## Names left out, module by module`` in
docs/migration.md. A row that is no longer a difference fails too, so the table stays exact.

Public names of an official module: its ``__all__``; else each attribute not starting with ``_``
that is not a module and not a typing construct (``TYPE_CHECKING`` included), whose function or
class comes from ``sentry_sdk``, plus plain constants. The official side is read in a subprocess,
so this process never imports ``sentry_sdk`` (the drop-in tests check ``sys.modules``).
"""

from __future__ import annotations

import enum
import importlib
import importlib.util
import inspect
import json
import re
import subprocess
import sys
import types
from functools import cache
from pathlib import Path
from typing import Any

import pytest

MODULES = (
    "hub", "consts", "utils", "tracing", "tracing_utils", "serializer", "api", "scope", "client",
    "transport", "envelope", "types", "worker", "scrubber", "attachments", "sessions", "session",
    "crons", "logger", "metrics", "feature_flags", "profiler", "traces", "_types", "_compat",
    "integrations", "integrations.logging", "integrations.asgi",
)  # fmt: skip
CLASSES = {
    "hub": ["Hub"], "scope": ["Scope"], "tracing": ["Span", "Transaction", "NoOpSpan"],
    "client": ["Client"], "worker": ["BackgroundWorker"], "envelope": ["Envelope", "Item"],
    "utils": ["Dsn", "AnnotatedValue"], "tracing_utils": ["Baggage", "PropagationContext"],
}  # fmt: skip
CONSTANTS = (str, int, float, bool, tuple, frozenset, dict, list, enum.Enum)
TYPING = frozenset(("typing", "typing_extensions"))
MIGRATION = Path(__file__).resolve().parents[1] / "docs" / "migration.md"
Signature = list[list[Any]]  # [name, kind, default] per parameter; default "?" when opaque
EMPTY = "<no default>"
MISSING = object()


def _signature(obj: Any) -> Signature | None:
    try:
        params = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return None
    plain = (type(None), bool, int, float, str)
    return [[p.name, p.kind.name, EMPTY if p.default is p.empty
             else p.default if type(p.default) in plain else "?"] for p in params]  # fmt: skip


def _public_names(module: types.ModuleType, package: str) -> list[str]:
    if hasattr(module, "__all__"):
        return sorted(module.__all__)
    names = []
    for name, value in vars(module).items():
        if name.startswith("_") or name in ("TYPE_CHECKING", "MYPY"):
            continue
        if isinstance(value, types.ModuleType) or getattr(value, "__module__", "") in TYPING:
            continue
        if inspect.isfunction(value) or inspect.isclass(value):
            if (getattr(value, "__module__", None) or "").startswith(package):
                names.append(name)
        elif isinstance(value, CONSTANTS):
            names.append(name)
    return sorted(names)


def _methods(cls: type, package: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in dir(cls):
        owner = next((c for c in cls.__mro__ if name in vars(c)), None)
        if name.startswith("_") or owner is None or not owner.__module__.startswith(package):
            continue
        raw = vars(owner)[name]
        if isinstance(raw, (property, types.MemberDescriptorType, types.GetSetDescriptorType)):
            found[name] = "property"  # a property or a slot: read and written the same way
        elif isinstance(raw, (classmethod, staticmethod)) or inspect.isfunction(raw):
            found[name] = _signature(getattr(cls, name))
    return found


def describe(module_name: str) -> dict[str, Any]:
    """The official side: {name: signature or None, "Class.method": signature or "property"}."""
    module = importlib.import_module(f"sentry_sdk.{module_name}")
    values = {n: getattr(module, n, None) for n in _public_names(module, "sentry_sdk")}
    names = {n: _signature(v) if callable(v) else None for n, v in values.items()}
    for cls in CLASSES.get(module_name, []):
        found = _methods(getattr(module, cls), "sentry_sdk")
        names.update({f"{cls}.{m}": sig for m, sig in found.items()})
    return names


@cache
def official() -> dict[str, dict[str, Any]]:
    out = subprocess.run([sys.executable, __file__], capture_output=True, text=True, check=True)
    result: dict[str, dict[str, Any]] = json.loads(out.stdout)
    return result


def _compatible(theirs: Any, ours: Any) -> bool:
    """Every official parameter is here by name, kind and position; extras have defaults."""
    if theirs is None or ours is None:
        return True  # a constant, or a callable without a signature
    if "property" in (theirs, ours):
        return bool(theirs == ours)
    by_name = {p[0]: (i, p) for i, p in enumerate(ours)}
    for index, (name, kind, default) in enumerate(theirs):
        i, (_, our_kind, our_default) = by_name.get(name, (-1, (name, "", EMPTY)))
        if our_kind != kind or (kind.startswith("POSITIONAL") and i != index):
            return False
        if default not in (EMPTY, our_default) and "?" not in (default, our_default):
            return False
    extra = [p for p in ours if p[0] not in {t[0] for t in theirs}]
    return all(p[1].startswith("VAR") or p[2] != EMPTY for p in extra)


def _ours(module: types.ModuleType, name: str) -> Any:
    cls, _, method = name.rpartition(".")
    if cls:
        owner = getattr(module, cls, None)
        return MISSING if owner is None else _methods(owner, "sentry_lite").get(method, MISSING)
    value = getattr(module, name, MISSING)  # also the names a module __getattr__ gives
    return _signature(value) if callable(value) else value if value is MISSING else None


def differences(module_name: str) -> set[str]:
    module = importlib.import_module(f"sentry_lite.{module_name}")
    found = set()
    for name, theirs in official()[module_name].items():
        ours = _ours(module, name)
        if ours is MISSING or not _compatible(theirs, ours):
            found.add(name)
    return found


@cache
def allowlist() -> dict[str, set[str]]:
    text = MIGRATION.read_text().split("## Names left out, module by module", 1)[-1]
    rows: dict[str, set[str]] = {}
    found = re.findall(r"^\| `sentry_sdk\.([\w.]+)` \| `([\w.]+)` \|(.*)\|$", text, re.M)
    assert len(found) == text.count("\n| `"), "a row is not: | `module` | `name` | why |"
    for module, name, why in found:
        assert why.strip(), f"the row for {module} {name} gives no reason"
        rows.setdefault(module, set()).add(name)
    return rows


def test_the_allowlist_names_only_modules_of_this_test() -> None:
    assert set(allowlist()) <= set(MODULES)


@pytest.mark.parametrize("module_name", MODULES)
def test_names_and_signatures_match_the_official_sdk(module_name: str) -> None:
    assert importlib.import_module(f"sentry_lite.{module_name}").__name__.endswith(module_name)
    listed = allowlist().get(module_name, set())
    found = differences(module_name)
    unlisted, stale = sorted(found - listed), sorted(listed - found)
    assert not unlisted, f"differ from sentry_sdk, not in docs/migration.md: {unlisted}"
    assert not stale, f"rows of docs/migration.md that now match (remove them): {stale}"


def test_every_module_imports_under_both_names() -> None:
    script = f"""
import importlib, sys, sentry_lite
sentry_lite.install_as_sentry_sdk()
for m in {MODULES!r}:
    ours = importlib.import_module("sentry_lite." + m)
    assert importlib.import_module("sentry_sdk." + m) is ours, m
assert not any(getattr(mod, "__file__", None) and "/sentry_sdk/" in mod.__file__
               for mod in list(sys.modules.values())), "the official SDK was imported"
"""
    subprocess.run([sys.executable, "-c", script], check=True)


if __name__ == "__main__":  # run by official(): the official SDK's side, as JSON
    official_file = importlib.import_module("sentry_sdk").__file__
    assert official_file is not None and "sentry_lite" not in official_file, "not the official"
    surface = {m: describe(m) for m in MODULES}
    json.dump(surface, sys.stdout)
