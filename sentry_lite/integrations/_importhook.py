"""Run code right after a module is imported, without ever importing it ourselves.

``when_imported("flask", callback, owner)`` calls ``callback(module)`` at once when
``flask`` is already in ``sys.modules``; otherwise a finder at the front of
``sys.meta_path`` waits for the application to import it. The finder answers ``None``
for every other name after one dict lookup, leaves the search to the finders behind it,
and only wraps the found loader's ``exec_module`` for that one module (an instance
attribute, removed again once the module has run). When nothing is left to wait for,
the finder takes itself out of ``sys.meta_path``; ``uninstall(owner)`` drops an owner's
callbacks and the finder with the last of them.
"""

from __future__ import annotations

import sys

from sentry_lite.integrations import _debug, on_uninstall

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Any

    Callback = Callable[[ModuleType], object]

OWNER = "_importhook"


class ImportWatcher:
    """A ``sys.meta_path`` finder that reports when watched modules finish importing."""

    def __init__(self) -> None:
        self.pending: dict[str, list[tuple[str, Callback]]] = {}

    # The finder protocol: one dict lookup for names nobody waits for.
    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in self.pending:
            return None
        spec = self._spec_from_others(fullname, path, target)
        if spec is not None and spec.loader is not None:
            self._wrap(spec)
        return spec

    def _spec_from_others(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None
    ) -> ModuleSpec | None:
        for finder in list(sys.meta_path):
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec: ModuleSpec | None = find(fullname, path, target)
            if spec is not None:
                return spec
        return None

    def _wrap(self, spec: ModuleSpec) -> None:
        loader: Any = spec.loader
        exec_module = getattr(loader, "exec_module", None)
        if exec_module is None:
            return
        name = spec.name
        proxy: _LoaderProxy | None = None

        def exec_and_report(module: ModuleType) -> None:
            if getattr(module, "__name__", None) != name:
                # A loader shared by several modules (zipimport): not ours to report.
                exec_module(module)
                return
            try:
                exec_module(module)
            finally:
                if proxy is None:
                    try:
                        del loader.exec_module
                    except AttributeError:
                        pass
            self.fire(name, module)

        if isinstance(loader, type):
            # A class used as a loader (builtin, frozen): never patch the class itself.
            proxy = _LoaderProxy(loader, exec_and_report)
            spec.loader = proxy  # type: ignore[assignment]
            return
        try:
            loader.exec_module = exec_and_report
        except (AttributeError, TypeError):
            proxy = _LoaderProxy(loader, exec_and_report)
            spec.loader = proxy  # type: ignore[assignment]

    # -- bookkeeping ----------------------------------------------------------------

    def add(self, name: str, owner: str, callback: Callback) -> None:
        entries = self.pending.setdefault(name, [])
        if all(existing is not callback for _, existing in entries):
            entries.append((owner, callback))

    def fire(self, name: str, module: ModuleType) -> None:
        """Call the callbacks waiting for ``name``; each runs once."""
        entries = self.pending.pop(name, None)
        for _, callback in entries or ():
            _call(callback, module)
        self.detach_if_idle()

    def drop(self, owner: str) -> None:
        for name in list(self.pending):
            kept = [entry for entry in self.pending.get(name, ()) if entry[0] != owner]
            if kept:
                self.pending[name] = kept
            else:
                self.pending.pop(name, None)
        self.detach_if_idle()

    def attach(self) -> None:
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def detach_if_idle(self) -> None:
        if not self.pending:
            detach(self)

    def __repr__(self) -> str:
        return f"<sentry_lite ImportWatcher waiting for {sorted(self.pending)}>"


class _LoaderProxy:
    """Stands in for a loader we must not modify: delegates all but ``exec_module``."""

    def __init__(self, loader: Any, exec_module: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self.exec_module = exec_module

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


def _call(callback: Callback, module: ModuleType) -> None:
    try:
        callback(module)
    except Exception:
        _debug(f"a post-import hook for {module.__name__} failed", exc_info=True)


_watcher: list[ImportWatcher] = []


def detach(watcher: ImportWatcher) -> None:
    try:
        sys.meta_path.remove(watcher)
    except ValueError:
        pass


def watcher() -> ImportWatcher:
    if not _watcher:
        _watcher.append(ImportWatcher())
        on_uninstall(OWNER, _forget)
    return _watcher[0]


def _forget() -> None:
    _owners.clear()
    while _watcher:
        finder = _watcher.pop()
        finder.pending.clear()
        detach(finder)


def when_imported(name: str, callback: Callback, owner: str) -> None:
    """``callback(module)`` once ``name`` is imported: now if it is, else when it is.

    A module still being imported (partially initialised) counts as imported.
    """
    module = sys.modules.get(name)
    if module is not None:
        _call(callback, module)
        return
    finder = watcher()
    finder.add(name, owner, callback)
    finder.attach()
    if owner not in _owners:
        _owners.add(owner)
        on_uninstall(owner, lambda: _drop(owner))


_owners: set[str] = set()


def _drop(owner: str) -> None:
    _owners.discard(owner)
    if _watcher:
        _watcher[0].drop(owner)


def waiting_for() -> list[str]:
    """Module names with callbacks still waiting (for tests and debugging)."""
    return sorted(_watcher[0].pending) if _watcher else []


__all__ = ["ImportWatcher", "waiting_for", "when_imported"]
