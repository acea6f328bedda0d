"""sys.exit: a call that ends the process unsuccessfully is reported.

``sys.exit`` is replaced by a function that calls the original and, when the
``SystemExit`` it raises carries a status other than ``0`` / ``None`` (any status with
``capture_successful_exits=True``), captures it (``mechanism: sys_exit, handled: false``)
before letting it propagate. A ``SystemExit`` raised directly (``raise SystemExit(2)``)
is not seen, as upstream. Not enabled by default: pass ``SysExitIntegration()``.
"""

from __future__ import annotations

import sys

from sentry_lite.integrations import Integration, active, capture_exc, patch

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn

IDENTIFIER = "sys_exit"


class SysExitIntegration(Integration):
    """Capture ``sys.exit()`` calls with a failure status."""

    identifier = IDENTIFIER

    def __init__(self, *, capture_successful_exits: bool = False) -> None:
        self._capture_successful_exits = bool(capture_successful_exits)

    @staticmethod
    def setup_once() -> None:
        original = sys.exit

        def exit(status: Any = 0, /) -> NoReturn:
            try:
                original(status)
            except SystemExit as exc:
                integration = active(IDENTIFIER)
                if integration is not None and (
                    integration._capture_successful_exits or status not in (0, None)
                ):
                    capture_exc((SystemExit, exc, exc.__traceback__),
                                {"type": IDENTIFIER, "handled": False})
                raise
            raise SystemExit(status)  # pragma: no cover - the original always raises

        exit.__doc__ = original.__doc__
        patch(IDENTIFIER, sys, "exit", exit)


__all__ = ["SysExitIntegration"]
