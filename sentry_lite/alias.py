"""Stand in for the official ``sentry_sdk`` package, as ``pymysql.install_as_MySQLdb()`` does.

After :func:`install_as_sentry_sdk`, ``import sentry_sdk`` and ``import sentry_sdk.X.Y``
give sentry_lite's modules (the same module objects), so third-party code written for
the official SDK reports through sentry_lite, and ``importlib.metadata`` finds a
``sentry-sdk`` distribution at the API level sentry_lite implements
(:data:`sentry_lite.consts.SENTRY_SDK_API_VERSION`).

For a program you cannot edit, run it through this module::

    python -m sentry_lite.alias app.py [args...]
    python -m sentry_lite.alias -m package.module [args...]

Only the standard library's import machinery is used; nothing else is loaded.
"""

from __future__ import annotations

import sys

from sentry_lite.consts import SENTRY_SDK_API_VERSION

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Any

ALIAS = "sentry_sdk"
TARGET = "sentry_lite"
_USAGE = "usage: python -m sentry_lite.alias (script.py | -m module) [args...]"
_ModuleType = type(sys)
_FunctionType = type(lambda: None)


class SentrySdkAlreadyImportedError(RuntimeError):
    """``install_as_sentry_sdk()`` ran after the official ``sentry_sdk`` was imported."""


def install_as_sentry_sdk() -> None:
    """Make ``import sentry_sdk`` (and every ``sentry_sdk.X``) give sentry_lite's modules.

    Idempotent. Raises :class:`SentrySdkAlreadyImportedError` when the official SDK is
    already imported: two SDKs in one process would each keep their own scopes.
    """
    lite = sys.modules[TARGET]
    official = _official_modules()
    if official:
        raise SentrySdkAlreadyImportedError(_already_imported_message(official))
    if not any(getattr(finder, "sentry_lite_alias", False) for finder in sys.meta_path):
        sys.meta_path.insert(0, AliasFinder())
    sys.modules[ALIAS] = lite
    for name, module in list(sys.modules.items()):
        if name.startswith(TARGET + "."):
            sys.modules.setdefault(ALIAS + name[len(TARGET) :], module)


def _is_alias_name(name: str) -> bool:
    return name == ALIAS or name.startswith(ALIAS + ".")


def _official_modules() -> dict[str, ModuleType]:
    """The modules named ``sentry_sdk[.X]`` that are not sentry_lite's."""
    return {
        name: module
        for name, module in list(sys.modules.items())
        if _is_alias_name(name)
        and not str(getattr(module, "__name__", "")).startswith(TARGET)
    }


def _holds_official(module: Any, official: Sequence[Any]) -> bool:
    try:
        values = list(vars(module).values())
    except TypeError:
        return False
    for value in values:
        kind = type(value)
        if kind is _ModuleType:
            if any(value is module for module in official):
                return True
        elif kind is _FunctionType or isinstance(value, type):
            owner = getattr(value, "__module__", None)
            if isinstance(owner, str) and _is_alias_name(owner):
                return True
    return False


def importers_of_official_sdk() -> list[str]:
    """Loaded modules (outside ``sentry_sdk``) holding its modules, classes or functions."""
    official = list(_official_modules().values())
    if not official:
        return []
    found = []
    for name, module in list(sys.modules.items()):
        try:
            if not _is_alias_name(name) and _holds_official(module, official):
                found.append(name)
        except Exception:  # an odd object in sys.modules: not what we look for
            continue
    return sorted(found)


def _already_imported_message(official: dict[str, ModuleType]) -> str:
    first = official.get(ALIAS) or next(iter(official.values()))
    where = getattr(first, "__file__", None) or "unknown location"
    importers = importers_of_official_sdk()
    if importers:
        found = "it is referenced by: " + ", ".join(importers)
    else:
        found = "no loaded module keeps a reference to it (imported inside a function?)"
    return (
        f"install_as_sentry_sdk() must run before anything imports sentry_sdk, but the "
        f"official sentry_sdk ({where}) is already imported; {found}. Call it first thing "
        f"(or use sitecustomize.py, or `python -m sentry_lite.alias`)."
    )


class AliasLoader:
    """Gives the already-built ``sentry_lite`` module for a ``sentry_sdk`` name."""

    def __init__(self, real_name: str) -> None:
        self.real_name = real_name
        self._real_spec: ModuleSpec | None = None

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        import importlib

        module = importlib.import_module(self.real_name)
        self._real_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the alias spec on the module: give it back its own.
        if self._real_spec is not None:
            module.__spec__ = self._real_spec


class AliasFinder:
    """A meta path finder mapping ``sentry_sdk[.X]`` onto ``sentry_lite[.X]``."""

    sentry_lite_alias = True

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if not _is_alias_name(fullname):
            return None
        from importlib.machinery import ModuleSpec
        from importlib.util import find_spec

        real_name = TARGET + fullname[len(ALIAS) :]
        try:
            real_spec = find_spec(real_name)
        except ModuleNotFoundError:
            return None
        if real_spec is None:
            return None  # the import system then says "No module named 'sentry_sdk.X'"
        loader: Any = AliasLoader(real_name)  # duck-typed: importlib.abc costs an import
        return ModuleSpec(fullname, loader)

    def find_distributions(self, context: Any = None) -> Iterator[Any]:
        """The ``sentry-sdk`` distribution for ``importlib.metadata``."""
        name = getattr(context, "name", None)
        if name is not None and _normalized(name) != ALIAS:
            return iter(())
        return iter((_distribution_class()(),))

    def invalidate_caches(self) -> None:
        return None


def _normalized(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


_dist_class: list[type] = []


def _distribution_class() -> type:
    """Build (once) the ``importlib.metadata.Distribution`` for the alias."""
    if _dist_class:
        return _dist_class[0]
    import importlib.metadata
    import os

    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: sentry-sdk\nVersion: {SENTRY_SDK_API_VERSION}\n"
        "Summary: provided by sentry_lite (install_as_sentry_sdk)\n"
    )
    files = {"METADATA": metadata, "top_level.txt": ALIAS + "\n", "INSTALLER": "sentry_lite\n"}
    package_dir = os.path.dirname(os.path.abspath(__file__))

    class AliasDistribution(importlib.metadata.Distribution):
        def read_text(self, filename: str) -> str | None:
            return files.get(filename)

        def locate_file(self, path: Any) -> Any:
            import pathlib

            return pathlib.Path(package_dir, str(path))

    _dist_class.append(AliasDistribution)
    return AliasDistribution


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sentry_lite.alias [-m module | script] args...``: run with the alias."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or args == ["-m"]:
        asked = bool(args) and args[0] in ("-h", "--help")
        print(_USAGE, file=sys.stdout if asked else sys.stderr)
        return 0 if asked else 2
    import runpy

    install_as_sentry_sdk()
    if args[0] == "-m":
        sys.argv = args[1:]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    else:
        import os

        sys.argv = args
        sys.path[0] = os.path.dirname(os.path.abspath(args[0]))
        runpy.run_path(args[0], run_name="__main__")
    return 0


__all__ = ["SentrySdkAlreadyImportedError", "importers_of_official_sdk", "install_as_sentry_sdk"]

if __name__ == "__main__":
    from sentry_lite.alias import main as _main  # the importable copy, not this __main__ one

    sys.exit(_main())
