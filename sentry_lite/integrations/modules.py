"""Modules: the installed distributions and their versions, as ``event["modules"]``.

The list is read once, when the first event needs it, never during ``init()``.
"""

from __future__ import annotations

import os
import sys

from sentry_lite.integrations import Integration, active, on_uninstall
from sentry_lite.scope import add_global_event_processor, remove_global_event_processor

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sentry_lite.types import Event, Hint

_cache: list[dict[str, str]] = []


def installed_distributions() -> dict[str, str]:
    """``{name: version}`` of the distributions installed on ``sys.path`` (read once).

    Reads the ``Name`` and ``Version`` headers of each ``*.dist-info/METADATA`` and
    ``*.egg-info/PKG-INFO`` directly: ``importlib.metadata`` parses every file whole with
    the email package, about twenty times slower.
    """
    if _cache:
        return _cache[0]
    found: dict[str, str] = {}
    try:
        for entry in list(sys.path):
            _scan(entry or ".", found)
    except Exception:
        pass
    _cache[:] = [dict(sorted(found.items(), key=lambda item: item[0].lower()))]
    return _cache[0]


def _scan(directory: str, found: dict[str, str]) -> None:
    try:
        entries = os.scandir(directory)
    except OSError:
        return
    with entries:
        for entry in entries:
            name = entry.name
            if name.endswith(".dist-info"):
                headers = _headers(os.path.join(entry.path, "METADATA"))
            elif name.endswith(".egg-info"):
                path = entry.path
                headers = _headers(os.path.join(path, "PKG-INFO") if entry.is_dir() else path)
            else:
                continue
            dist, version = headers.get("name"), headers.get("version")
            if dist and version and dist not in found:
                found[dist] = version


def _headers(path: str) -> dict[str, str]:
    """The ``Name`` and ``Version`` of a metadata file (its first lines are enough)."""
    headers: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if not line.strip():
                    break  # end of the header block
                key, sep, value = line.partition(":")
                key = key.lower()
                if sep and key in ("name", "version"):
                    headers[key] = value.strip()
                    if len(headers) == 2:
                        break
    except OSError:
        pass
    return headers


def _add_modules(event: Event, hint: Hint) -> Event | None:
    if event.get("type") == "transaction" or active(ModulesIntegration.identifier) is None:
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
