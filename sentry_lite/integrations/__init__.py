"""Integrations: code that hooks into libraries and reports what they see.

An integration subclasses :class:`Integration`, names itself with ``identifier`` and
installs its hooks in ``setup_once()``, which runs at most once per process (until the
integration is uninstalled). Hooks are process-wide, but each one asks the client in
charge whether it has the integration, so a later ``init()`` without it switches the
hook's effect off, and the integration instance the client holds carries its settings.

Every patch goes through :func:`patch` (or :func:`on_uninstall`), so that
``SomeIntegration.uninstall()`` / :func:`uninstall_all` put the process back as it was.

Which integrations a client gets:

1. the ``integrations=[...]`` it was given (instances or classes);
2. the defaults (unless ``default_integrations=False``): argv, atexit, dedupe,
   excepthook, logging, modules, stdlib, threading;
3. with ``auto_enabling_integrations`` (default on, and only with the defaults):
   integrations of frameworks the application has imported, now or later
   (``_auto.py``); nothing is imported on the application's behalf;

minus ``disabled_integrations`` (classes, instances or identifiers).
"""

from __future__ import annotations

import _thread

from sentry_lite import _log
from sentry_lite.scope import get_client, get_current_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sentry_lite.types import ExcInfo, Mechanism


class DidNotEnable(Exception):
    """Raised by ``setup_once()`` when the integration cannot work here."""


class Integration:
    """Base class of integrations."""

    identifier: str = ""
    install = None  # the official SDK's legacy hook: never called, do not implement

    @staticmethod
    def setup_once() -> None:
        """Install process-wide hooks. Called once per process, at the first ``init()``."""

    def setup_once_with_options(self, options: Any = None) -> None:
        """Called on the instance right after ``setup_once()``, with the client's options."""

    def _activate(self) -> None:
        """Called at every ``init()`` that keeps this integration, after the transport exists."""

    @classmethod
    def uninstall(cls) -> None:
        """Undo every patch ``setup_once()`` made; the next ``init()`` sets it up again."""
        uninstall(cls.identifier)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.identifier!r}>"


DEFAULT_INTEGRATIONS = (
    "sentry_lite.integrations.argv.ArgvIntegration",
    "sentry_lite.integrations.atexit.AtexitIntegration",
    "sentry_lite.integrations.dedupe.DedupeIntegration",
    "sentry_lite.integrations.excepthook.ExcepthookIntegration",
    "sentry_lite.integrations.logging.LoggingIntegration",
    "sentry_lite.integrations.modules.ModulesIntegration",
    "sentry_lite.integrations.stdlib.StdlibIntegration",
    "sentry_lite.integrations.threading.ThreadingIntegration",
)

_installed: set[str] = set()
# Re-entrant: a setup_once() may import a framework whose integration then switches on.
_setup_lock = _thread.RLock()
_undo: dict[str, list[Callable[[], None]]] = {}


# -- patches and their undoing --------------------------------------------------------


def patch(owner: str, target: Any, name: str, replacement: Any) -> Any:
    """Set ``target.name = replacement``; return what ``target.name`` was.

    ``uninstall(owner)`` restores the original, unless someone has since replaced
    ``replacement`` in turn (then it stays: hooks check the client and pass through).
    """
    own = vars(target)
    had_own = name in own
    raw = own.get(name)
    original = getattr(target, name)
    setattr(target, name, replacement)

    def undo() -> None:
        if vars(target).get(name) is not replacement:
            return
        if had_own:
            setattr(target, name, raw)
        else:
            delattr(target, name)

    _undo.setdefault(owner, []).append(undo)
    return original


def on_uninstall(owner: str, func: Callable[[], None]) -> None:
    """Call ``func()`` when ``owner`` is uninstalled."""
    _undo.setdefault(owner, []).append(func)


def uninstall(identifier: str) -> None:
    """Undo the patches of one integration (latest first)."""
    with _setup_lock:
        for undo in reversed(_undo.pop(identifier, [])):
            try:
                undo()
            except Exception:
                _debug(f"undoing a patch of {identifier} failed")
        _installed.discard(identifier)


def uninstall_all() -> None:
    """Undo every integration's patches, the import watcher included (for tests)."""
    for identifier in list(_undo):
        uninstall(identifier)
    _installed.clear()


def installed() -> frozenset[str]:
    """Identifiers whose ``setup_once()`` has run in this process."""
    return frozenset(_installed)


# -- helpers for hooks -------------------------------------------------------------


def active(identifier: str) -> Any:
    """The integration ``identifier`` of the client in charge here, or ``None``."""
    return get_client().integrations.get(identifier)  # (get_integration, one call less)


_sdk_thread_check: list[Callable[[], bool]] = []


def in_sdk_thread() -> bool:
    """True in the SDK's own worker thread (its requests and log records are not reported)."""
    if not _sdk_thread_check:
        try:
            from sentry_lite.transport._worker import is_sdk_thread
        except ImportError:  # pragma: no cover - part of the package
            return False
        _sdk_thread_check.append(is_sdk_thread)
    return _sdk_thread_check[0]()


def capture_exc(exc_info: ExcInfo, mechanism: Mechanism, **scope_kwargs: Any) -> str | None:
    """Capture ``exc_info`` with ``mechanism`` through the current scope; never raises."""
    try:
        from sentry_lite._event.exceptions import event_from_exception

        client = get_client()
        event, hint = event_from_exception(exc_info, client.options, mechanism)
        return get_current_scope().capture_event(event, hint, **scope_kwargs)
    except Exception:
        _debug("capturing an exception from an integration failed", exc_info=True)
        return None


def _debug(message: str, exc_info: bool = False) -> None:
    try:
        debug = bool(get_client().options.debug)
    except Exception:
        debug = False
    _log.log(debug, "debug", message, exc_info=exc_info)


# -- setting up ---------------------------------------------------------------------


def load(path: str) -> Any:
    """The object at ``package.module.Name``."""
    import importlib

    module_name, _, attribute = path.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def identifier_of(entry: Any) -> str:
    """The identifier of an integration class, instance or identifier string."""
    if isinstance(entry, str):
        return entry
    name = getattr(entry, "identifier", None)
    return name if isinstance(name, str) and name else type(entry).__name__


def _instances(options: Any, log: Callable[[str], None]) -> list[tuple[Integration, bool]]:
    """(integration, is_default) in the order they are set up, explicit ones first."""
    chosen: list[tuple[Integration, bool]] = []
    for given in options.integrations:
        chosen.append((given() if isinstance(given, type) else given, False))
    if options.default_integrations:
        explicit = {identifier_of(i) for i, _ in chosen}
        for path in DEFAULT_INTEGRATIONS:
            try:
                cls = load(path)
            except Exception:
                log(f"default integration {path} could not be imported")
                continue
            if cls.identifier not in explicit:
                chosen.append((cls(), True))
    return chosen


def setup_one(integration: Integration, options: Any, log: Callable[[str], None]) -> None:
    """Run ``setup_once()`` unless it has run; may raise :class:`DidNotEnable`."""
    name = identifier_of(integration)
    with _setup_lock:
        if name in _installed:
            return
        type(integration).setup_once()
        setup_with_options = getattr(integration, "setup_once_with_options", None)
        if setup_with_options is not None:
            setup_with_options(options)
        _installed.add(name)
    log(f"integration {name} set up")


def disabled_identifiers(options: Any) -> set[str]:
    return {identifier_of(entry) for entry in options.disabled_integrations or ()}


def setup_from_options(options: Any, log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Set up the integrations ``options`` ask for; return those that are active.

    An integration given explicitly that raises :class:`DidNotEnable` makes ``init()``
    raise (as the official SDK does); a default one is skipped with a debug message.
    """
    say: Callable[[str], None] = log if log is not None else _debug
    disabled = disabled_identifiers(options)
    active_integrations: dict[str, Any] = {}
    for integration, is_default in _instances(options, say):
        name = identifier_of(integration)
        if name in active_integrations or name in disabled:
            continue
        try:
            setup_one(integration, options, say)
        except DidNotEnable as exc:
            if not is_default:
                raise
            say(f"integration {name} not enabled: {exc}")
            continue
        except Exception as exc:
            if not is_default:
                raise
            say(f"integration {name} failed to set up: {exc!r}")
            continue
        active_integrations[name] = integration
        activate = getattr(integration, "_activate", None)
        if activate is not None:
            activate()
    if options.default_integrations and options.auto_enabling_integrations:
        from sentry_lite.integrations._auto import enable_auto_integrations

        enable_auto_integrations(active_integrations, options, disabled, say)
    return active_integrations


_OFFICIAL = frozenset((
    "setup_integrations", "iter_default_integrations", "_check_minimum_version", "_MIN_VERSIONS",
    "_DEFAULT_INTEGRATIONS", "_AUTO_ENABLING_INTEGRATIONS", "_DEFAULT_FAILED_REQUEST_STATUS_CODES",
    "_installed_integrations", "_processed_integrations",
))


def __getattr__(name: str) -> Any:
    # The official SDK's hand set-up API (and the names third-party integrations import).
    if name in _OFFICIAL:
        from sentry_lite.integrations import _official

        if name == "_AUTO_ENABLING_INTEGRATIONS":
            return _official._auto_enabling()
        return getattr(_official, name)
    raise AttributeError(f"module 'sentry_lite.integrations' has no attribute {name!r}")


__all__ = [
    "DidNotEnable",
    "Integration",
    "active",
    "iter_default_integrations",
    "on_uninstall",
    "patch",
    "setup_from_options",
    "setup_integrations",
    "uninstall",
    "uninstall_all",
]
