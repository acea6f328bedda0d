"""Typer: an exception a Typer command lets escape is reported.

Typer installs its own ``sys.excepthook`` (``typer.main.except_hook``, which prints the
pretty traceback), so the excepthook integration does not see these errors. This
integration replaces ``typer.main.except_hook`` by one that captures the exception
(``mechanism: typer, handled: false``) and then calls Typer's. Not enabled by default:
pass ``TyperIntegration()``.
"""

from __future__ import annotations

from sentry_lite.integrations import DidNotEnable, Integration, active, capture_exc, patch

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import TracebackType
    from typing import Any

IDENTIFIER = "typer"


class TyperIntegration(Integration):
    """Capture uncaught exceptions of Typer applications."""

    identifier = IDENTIFIER

    @staticmethod
    def setup_once() -> None:
        try:
            import typer.main
        except ImportError as exc:
            raise DidNotEnable(f"typer is not installed ({exc})") from None
        previous = typer.main.except_hook

        def except_hook(
            exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
        ) -> Any:
            if active(IDENTIFIER) is not None:
                capture_exc((exc_type, exc, tb), {"type": IDENTIFIER, "handled": False})
            return previous(exc_type, exc, tb)

        patch(IDENTIFIER, typer.main, "except_hook", except_hook)


__all__ = ["TyperIntegration"]
