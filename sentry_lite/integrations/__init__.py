"""Integrations: code that hooks into libraries and reports what they see.

An integration subclasses :class:`Integration`, names itself with ``identifier`` and
installs its hooks in ``setup_once()``, which runs at most once per process.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class DidNotEnable(Exception):
    """Raised by ``setup_once()`` when the integration cannot work here."""


class Integration:
    """Base class of integrations."""

    identifier: str = ""

    @staticmethod
    def setup_once() -> None:
        """Install process-wide hooks. Called once per process, at the first ``init()``."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.identifier!r}>"


_installed: set[str] = set()


def setup_integrations(options: Any, log: Any = None) -> dict[str, Integration]:
    """Set up the integrations ``options`` ask for; return those that are active."""
    active: dict[str, Integration] = {}
    for given in options.integrations:
        integration = given() if isinstance(given, type) else given
        name = getattr(integration, "identifier", None) or type(integration).__name__
        if name in active:
            continue
        if name not in _installed:
            try:
                type(integration).setup_once()
            except DidNotEnable as exc:
                if log is not None:
                    log(f"integration {name} not enabled: {exc}")
                continue
            _installed.add(name)
        active[name] = integration
    return active


__all__ = ["DidNotEnable", "Integration", "setup_integrations"]
