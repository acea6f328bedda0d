"""``capture_checkin``: one check-in of a monitor, through the current scope."""

from __future__ import annotations

from sentry_lite._ids import new_event_id
from sentry_lite.crons._config import MonitorConfigError, validate_monitor_config
from sentry_lite.scope import get_client, get_current_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite.types import Event


def _check_in_event(
    monitor_slug: str | None,
    check_in_id: str | None,
    status: str | None,
    duration: float | None,
    monitor_config: Any,
    options: Any,
) -> Event:
    event: dict[str, Any] = {
        "type": "check_in",
        "monitor_slug": monitor_slug,
        "check_in_id": check_in_id or new_event_id(),
        "status": status,
        "duration": duration,
        "environment": options.environment,
        "release": options.release,
    }
    if monitor_config:
        event["monitor_config"] = monitor_config
    return event  # type: ignore[return-value]


def capture_checkin(
    monitor_slug: str | None = None,
    check_in_id: str | None = None,
    status: str | None = None,
    duration: float | None = None,
    monitor_config: Any = None,
) -> str | None:
    """Send a check-in; its id (new unless given), or ``None`` if it was not sent.

    ``status`` is ``"in_progress"``, ``"ok"`` or ``"error"``; ``duration`` in seconds. An
    invalid ``monitor_config`` is left out (the check-in still goes) and logged.
    """
    client = get_client()
    if not client.is_active():
        return None
    try:
        validate_monitor_config(monitor_config)
    except MonitorConfigError as exc:
        client.log_error(f"check-in for {monitor_slug!r}: {exc}; sent without the config")
        monitor_config = None
    event = _check_in_event(monitor_slug, check_in_id, status, duration, monitor_config,
                            client.options)
    if get_current_scope().capture_event(event) is None:
        return None
    client.log_debug(f"check-in {event['check_in_id']}: {monitor_slug} -> {status}")  # type: ignore[typeddict-item]
    check_in: str = event["check_in_id"]  # type: ignore[typeddict-item]
    return check_in


__all__ = ["capture_checkin"]
