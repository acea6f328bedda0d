"""The scope context managers: ``new_scope()``, ``isolation_scope()``, ``use_scope()``...

Each installs scopes in the context vars for a ``with`` block and restores them after.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

from sentry_lite._scope_vars import _current_var, _isolation_var
from sentry_lite.scope import _current_get, _isolation_get, get_current_scope, get_isolation_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType
    from typing import Any

    from sentry_lite.scope import Scope



class _Use:
    """Install scopes in the context vars for a ``with`` block, restore them after."""

    __slots__ = ("_current", "_current_token", "_isolation", "_isolation_token")

    def __init__(self, current: Scope, isolation: Scope | None = None) -> None:
        self._current = current
        self._isolation = isolation
        self._current_token: Token[Scope | None] | None = None
        self._isolation_token: Token[Scope | None] | None = None

    def __enter__(self) -> Scope:
        if self._isolation is not None:
            self._isolation_token = _isolation_var.set(self._isolation)
        self._current_token = _current_var.set(self._current)
        return self._current

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        token = self._current_token
        if token is not None:
            try:
                _current_var.reset(token)
            except (ValueError, RuntimeError):
                _restore(_current_var, token)
        token = self._isolation_token
        if token is not None:
            try:
                _isolation_var.reset(token)
            except (ValueError, RuntimeError):
                _restore(_isolation_var, token)


def _restore(var: ContextVar[Scope | None], token: Token[Scope | None]) -> None:
    # The block was left in another context than it was entered in (a generator
    # resumed elsewhere): set the previous value by hand instead of raising.
    old = token.old_value
    var.set(None if old is Token.MISSING else old)


class _ForkOnEnter(_Use):
    """``new_scope()`` / ``isolation_scope()``: fork when the block is entered."""

    __slots__ = ("_both",)

    def __init__(self, both: bool) -> None:
        self._both = both
        self._isolation_token = None
        self._current_token = None

    def __enter__(self) -> Scope:
        current = (_current_get() or get_current_scope()).fork()
        self._current = current
        if self._both:
            isolation = (_isolation_get() or get_isolation_scope()).fork()
            self._isolation = isolation
            self._isolation_token = _isolation_var.set(isolation)
        else:
            self._isolation = None
        self._current_token = _current_var.set(current)
        return current


def new_scope() -> _Use:
    """``with new_scope() as scope:``: a fork of the current scope for the block."""
    return _ForkOnEnter(both=False)


def isolation_scope() -> _Use:
    """``with isolation_scope() as scope:``: forks of both isolation and current scope.

    The isolation scope is yielded: it is where module-level setters write.
    """
    return _IsolationBlock(both=True)


class _IsolationBlock(_ForkOnEnter):
    __slots__ = ()

    def __enter__(self) -> Scope:
        super().__enter__()
        return self._isolation  # type: ignore[return-value]


def use_scope(scope: Scope) -> _Use:
    """``with use_scope(scope):``: make ``scope`` the current scope for the block.

    A span entered in the block is also set on ``scope`` itself (``scope.span``), as the
    official SDK does: the caller chose to share that object.
    """
    return _Pin(scope)


# The scope use_scope() installed in this context: spans entered while it is the current
# scope show on it (other current scopes are forked, so concurrent tasks stay apart).
_pinned_var: ContextVar[Scope | None] = ContextVar("sentry_lite_pinned_scope", default=None)


class _Pin(_Use):
    __slots__ = ("_pin_token",)

    def __enter__(self) -> Scope:
        self._pin_token = _pinned_var.set(self._current)
        return super().__enter__()

    def __exit__(self, *exc: Any) -> None:
        super().__exit__(*exc)
        try:
            _pinned_var.reset(self._pin_token)
        except (ValueError, RuntimeError):
            _restore(_pinned_var, self._pin_token)


def use_isolation_scope(isolation_scope: Scope) -> _Use:
    """``with use_isolation_scope(scope):``: make ``scope`` the isolation scope."""
    return _UseIsolation(isolation_scope)


class _UseIsolation(_Use):
    __slots__ = ()

    def __init__(self, isolation: Scope) -> None:
        super().__init__(isolation, isolation)

    def __enter__(self) -> Scope:
        self._current = get_current_scope().fork()
        super().__enter__()
        return self._isolation  # type: ignore[return-value]


def _deprecated(name: str, instead: str) -> None:
    import warnings

    warnings.warn(f"{name}() is deprecated; use {instead}", DeprecationWarning, stacklevel=3)


def push_scope(callback: Callable[[Scope], None] | None = None) -> _Use | None:
    """Old API: ``with push_scope() as scope:`` is ``with new_scope() as scope:``."""
    _deprecated("push_scope", "new_scope()")
    if callback is None:
        return new_scope()
    with new_scope() as scope:
        callback(scope)
    return None


class _Configure:
    __slots__ = ()

    def __enter__(self) -> Scope:
        return get_isolation_scope()

    def __exit__(self, *args: object) -> None:
        return None


def configure_scope(callback: Callable[[Scope], None] | None = None) -> _Configure | None:
    """Old API: changes made in the block or the callback go to the isolation scope."""
    _deprecated("configure_scope", "get_isolation_scope()")
    if callback is None:
        return _Configure()
    callback(get_isolation_scope())
    return None


__all__ = [
    "configure_scope",
    "isolation_scope",
    "new_scope",
    "push_scope",
    "use_isolation_scope",
    "use_scope",
]
