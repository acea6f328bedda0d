"""How a span becomes the active one for a ``with`` block, and stops being it.

Entering forks the current scope, sets the span on the fork (``scope.span``) and installs the
fork in the current-scope context variable, so that concurrent threads and asyncio tasks each
see their own active span; leaving puts the previous scope back. Under ``use_scope(scope)`` the
span is also set on that scope object, as the official SDK does: the caller chose to share it.
This is the one place where tracing changes which scope is current.
"""

from __future__ import annotations

from sentry_lite._blocks import _pinned_var
from sentry_lite._scope_vars import _current_var
from sentry_lite.scope import get_current_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from contextvars import ContextVar, Token
    from typing import Any, TypeAlias

    from sentry_lite.scope import Scope
    from sentry_lite.tracing._span import Span

    Pinned: TypeAlias = "tuple[Scope, Any] | None"


def activate(span: Span) -> tuple[Token[Scope | None], Pinned]:
    """Make ``span`` the active span of this context; what ``deactivate`` needs back."""
    parent = _current_var.get() or get_current_scope()
    scope = parent.fork()
    scope.span = span
    pinned: Pinned = None
    chosen = _pinned_var.get()
    if chosen is not None and (chosen is parent or chosen._span is parent._span is not None):
        pinned = (chosen, chosen._span)
        chosen.span = span
    span._entered(scope)
    return _current_var.set(scope), pinned


def deactivate(span: Span, token: Token[Scope | None] | None, pinned: Pinned) -> None:
    """Undo ``activate``: the scope current before it comes back."""
    if token is not None:
        restore(_current_var, token)
    if pinned is not None and pinned[0]._span is span:
        pinned[0].span = pinned[1]


def restore(var: ContextVar[Any], token: Token[Any]) -> None:
    """Reset ``var`` to before ``token``, even from another context than the one that set it
    (a generator resumed elsewhere), where ``reset`` refuses."""
    try:
        var.reset(token)
    except (ValueError, RuntimeError):
        old = token.old_value
        var.set(None if old is token.MISSING else old)


__all__ = ["activate", "deactivate", "restore"]
