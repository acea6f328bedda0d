"""FastAPI: a FastAPI application is a Starlette application, reported the same way.

``FastApiIntegration`` takes the same options as
:class:`~sentry_lite.integrations.starlette.StarletteIntegration` and applies them to
FastAPI applications (plain Starlette applications keep the Starlette integration's);
either one alone covers both. Transactions are named after the path operation's template
(``/items/{item_id}``) or, with ``transaction_style="endpoint"``, its function; errors
carry ``mechanism: starlette`` as with the official SDK. Sync path operations run in a
thread that inherits the request's scopes, so what they set stays in their request.
"""

from __future__ import annotations

from sentry_lite.integrations import DidNotEnable
from sentry_lite.integrations.starlette import StarletteIntegration, install


class FastApiIntegration(StarletteIntegration):
    """Report errors and trace requests of FastAPI applications."""

    identifier = "fastapi"

    @staticmethod
    def setup_once() -> None:
        try:
            import fastapi  # noqa: F401
        except ImportError as exc:
            raise DidNotEnable(f"fastapi is not installed ({exc})") from None
        install()


__all__ = ["FastApiIntegration"]
