"""Fields every event carries: release, environment, server name, SDK, runtime."""

from __future__ import annotations

import sys

from sentry_lite.consts import SDK_NAME, VERSION

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sentry_lite._options import Options
    from sentry_lite.types import Event


def apply_defaults(event: Event, options: Options, integrations: list[str]) -> None:
    event.setdefault("platform", "python")
    if options.release and "release" not in event:
        event["release"] = options.release
    if options.environment and "environment" not in event:
        event["environment"] = options.environment
    if options.dist and "dist" not in event:
        event["dist"] = options.dist
    if "server_name" not in event:
        import socket

        event["server_name"] = options.server_name or socket.gethostname()
    event["sdk"] = {
        "name": SDK_NAME,
        "version": VERSION,
        "packages": [{"name": "pypi:sentry-lite", "version": VERSION}],
        "integrations": sorted(integrations),
    }
    contexts = event.setdefault("contexts", {})
    if "runtime" not in contexts:
        contexts["runtime"] = {
            "name": sys.implementation.name.replace("cpython", "CPython"),
            "version": ".".join(map(str, sys.version_info[:3])),
            "build": sys.version,
        }
