"""Where the three scopes are held: two context variables and the global scope's slot.

Kept apart from ``scope.py`` so that the parts ``Scope`` is made of (``_scope_events``,
``_scope_trace``, ``_scope_compat``) reach the holders without importing the class that
builds on them. ``sentry_lite.scope`` re-exports every name; the objects are the same.
"""

from __future__ import annotations

from contextvars import ContextVar

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sentry_lite.scope import Scope
    from sentry_lite.types import EventProcessor

_isolation_var: ContextVar[Scope | None] = ContextVar("sentry_lite_isolation", default=None)
_current_var: ContextVar[Scope | None] = ContextVar("sentry_lite_current", default=None)
_global: list[Scope] = []  # the global scope, once made
# The isolation and current scope of the main thread's contexts ([isolation, current], once
# made): what a context of the main thread that never had a scope of its own starts with.
_main: list[Scope] = []
# How many non-global scopes ever had a client bound; while none did, get_client() only
# looks at the global scope.
_scoped_clients = [0]  # one element; a list so tests can reset it in place
_global_processors: list[EventProcessor] = []
