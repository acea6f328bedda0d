"""Modules: the installed distributions and their versions, as ``event["modules"]``.

The list is read once, when the first event needs it (reading package metadata takes
tens of milliseconds with many packages installed: never during ``init()``).
"""

from __future__ import annotations

from sentry_lite.integrations import Integration, active, on_uninstall
from sentry_lite.scope import add_global_event_processor, remove_global_event_processor

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sentry_lite.types import Event, Hint

_cache: list[dict[str, str]] = []


def installed_distributions() -> dict[str, str]:
    """``{name: version}`` of installed distributions (read once per process)."""
    if _cache:
        return _cache[0]
    found: dict[str, str] = {}
    try:
        from importlib.metadata import distributions

        for dist in distributions():
            try:
                name = dist.metadata["Name"]
                version = dist.version
            except Exception:
                continue
            if name and version and name not in found:
                found[name] = version
    except Exception:
        pass
    _cache[:] = [dict(sorted(found.items()))]
    return _cache[0]


def _add_modules(event: Event, hint: Hint) -> Event | None:
    if active(ModulesIntegration.identifier) is None or event.get("type") == "transaction":
        return event
    if "modules" not in event:
        event["modules"] = dict(installed_distributions())
    return event


class ModulesIntegration(Integration):
    """Add the installed packages and versions to error events."""

    identifier = "modules"

    @staticmethod
    def setup_once() -> None:
        add_global_event_processor(_add_modules)
        on_uninstall(
            ModulesIntegration.identifier, lambda: remove_global_event_processor(_add_modules)
        )


__all__ = ["ModulesIntegration", "installed_distributions"]
