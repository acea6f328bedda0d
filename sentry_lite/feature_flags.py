"""Feature flags: ``add_feature_flag("new-checkout", True)`` after each evaluation.

The evaluation is kept on the isolation scope (the newest 100; a flag evaluated again
moves to the newest end) and sent with every error event of that scope as
``contexts.flags.values``; forks of the scope start with a copy. It is also recorded
on the active span, as the span data ``flag.evaluation.<name>`` (at most 10 per span,
as in the official SDK).
"""

from __future__ import annotations

from sentry_lite._flags import DEFAULT_FLAG_CAPACITY, FlagBuffer
from sentry_lite.scope import get_current_scope, get_isolation_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SPAN_FLAG_LIMIT = 10
_PREFIX = "flag.evaluation."


def add_feature_flag(flag: str, result: bool) -> None:
    """Record that ``flag`` evaluated to ``result`` (for later error events and the span)."""
    try:
        get_isolation_scope().flags.set(flag, result)
        span = get_current_scope()._span
        if span is not None:
            _on_span(span, flag, result)
    except Exception:
        pass  # recording a flag never breaks the application


def _on_span(span: Any, flag: str, result: bool) -> None:
    setter = getattr(span, "set_flag", None)  # takes the bare name, as upstream's
    if setter is not None:
        setter(flag, result)
        return
    key = _PREFIX + flag
    data = getattr(span, "_data", None) or {}
    if key in data or sum(1 for name in data if name.startswith(_PREFIX)) < SPAN_FLAG_LIMIT:
        span.set_data(key, result)


__all__ = ["DEFAULT_FLAG_CAPACITY", "FlagBuffer", "add_feature_flag"]
