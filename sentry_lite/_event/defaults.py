"""Fields every event carries: release, environment, server name, SDK, runtime."""

from __future__ import annotations

import os
import sys

from sentry_lite._event.release import default_release
from sentry_lite.consts import SDK_NAME, VERSION

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite._options import Options
    from sentry_lite.types import Event

_host: list[str] = []
_RUNTIME = {
    "name": "CPython" if sys.implementation.name == "cpython" else sys.implementation.name,
    "version": ".".join(map(str, sys.version_info[:3])),
    "build": sys.version,
}


def hostname() -> str:
    """This machine's name, looked up once per process."""
    if not _host:
        name = ""
        try:
            name = os.uname().nodename
        except (AttributeError, OSError):
            pass
        if not name:
            import socket

            name = socket.gethostname()
        _host.append(name)
    return _host[0]


def sdk_info(integrations: list[str]) -> dict[str, Any]:
    return {
        "name": SDK_NAME,
        "version": VERSION,
        "packages": [{"name": "pypi:sentry-lite", "version": VERSION}],
        "integrations": sorted(integrations),
    }


def apply_defaults(event: Event, options: Options, integrations: list[str]) -> None:
    """Fill in what the event does not say yet from the options and the process."""
    event.setdefault("platform", "python")
    if "release" not in event:
        release = options.release or default_release(options)
        if release:
            event["release"] = release
    if "environment" not in event:
        event["environment"] = options.environment or "production"
    if options.dist and "dist" not in event:
        event["dist"] = options.dist
    if "server_name" not in event:
        event["server_name"] = options.server_name or hostname()
    event["sdk"] = sdk_info(integrations)
    contexts = event.get("contexts")
    if contexts is None:
        contexts = event["contexts"] = {}
    if "runtime" not in contexts:
        contexts["runtime"] = dict(_RUNTIME)


__all__ = ["apply_defaults", "hostname", "sdk_info"]
