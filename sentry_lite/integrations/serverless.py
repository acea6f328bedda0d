"""``@serverless_function``: for a function run by a platform without an integration of its own.

Each call runs in an isolation scope of its own, breadcrumbs cleared; an exception is
reported (``mechanism: serverless, handled: false``, as upstream) and raised again; with
``flush=True`` (the default) what the call queued is sent before it returns, because a
serverless platform may freeze the process right after.

    from sentry_lite.integrations.serverless import serverless_function

    @serverless_function
    def handler(event, context): ...
"""

from __future__ import annotations

import sys
from functools import wraps

from sentry_lite._blocks import isolation_scope
from sentry_lite.integrations import capture_exc
from sentry_lite.integrations._serverless import flush as _flush

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])


def serverless_function(f: Any = None, flush: bool = True) -> Any:
    """``@serverless_function`` or ``@serverless_function(flush=False)``."""

    def decorate(function: F) -> F:
        @wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            with isolation_scope() as scope:
                scope.clear_breadcrumbs()
                try:
                    return function(*args, **kwargs)
                except Exception:
                    capture_exc(sys.exc_info(), {"type": "serverless", "handled": False})
                    raise
                finally:
                    if flush:
                        _flush()

        return call  # type: ignore[return-value]

    return decorate if f is None else decorate(f)


__all__ = ["serverless_function"]
