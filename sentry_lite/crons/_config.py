"""Checking a ``monitor_config`` before it is sent (Sentry rejects a bad one silently).

A config is a dict with ``schedule`` (``{"type": "crontab", "value": "0 * * * *"}`` or
``{"type": "interval", "value": 2, "unit": "hour"}``) and optionally ``checkin_margin``,
``max_runtime`` (minutes), ``timezone`` (an IANA name), ``failure_issue_threshold``,
``recovery_threshold`` (counts of check-ins) and ``owner``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

INTERVAL_UNITS = ("year", "month", "week", "day", "hour", "minute")
_COUNTS = {  # option: smallest value
    "checkin_margin": 0,
    "max_runtime": 0,
    "failure_issue_threshold": 1,
    "recovery_threshold": 1,
}
_KEYS = frozenset(("schedule", "timezone", "owner", *_COUNTS))
_CRON_FIELD = frozenset("0123456789*/,-?LW#ABCDEFGHIJKMNOPRSTUVYabcdefghijkmnoprstuvy")


class MonitorConfigError(ValueError):
    """A ``monitor_config`` Sentry would not accept; the message says which part."""


def validate_monitor_config(config: Any) -> None:
    """Raise :class:`MonitorConfigError` naming the first part of ``config`` that is wrong."""
    if config is None:
        return
    if not isinstance(config, dict):
        raise MonitorConfigError(f"monitor_config must be a dict, got {type(config).__name__}")
    unknown = sorted(set(config) - _KEYS)
    if unknown:
        raise MonitorConfigError(
            f"monitor_config: unknown key {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})"
        )
    if "schedule" in config:
        _check_schedule(config["schedule"])
    for key, minimum in _COUNTS.items():
        if key in config:
            _check_count(key, config[key], minimum)
    if "timezone" in config:
        _check_timezone(config["timezone"])
    owner = config.get("owner")
    if owner is not None and not isinstance(owner, str):
        raise MonitorConfigError(f"monitor_config['owner'] must be a string, got {owner!r}")


def _check_schedule(schedule: Any) -> None:
    if not isinstance(schedule, dict):
        raise MonitorConfigError(f"monitor_config['schedule'] must be a dict, got {schedule!r}")
    kind, value = schedule.get("type"), schedule.get("value")
    if kind == "crontab":
        fields = value.split() if isinstance(value, str) else []
        if len(fields) != 5 or not all(set(f) <= _CRON_FIELD for f in fields):
            raise MonitorConfigError(
                "monitor_config['schedule']: a crontab value is five fields, such as "
                f"'0 * * * *', got {value!r}"
            )
    elif kind == "interval":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise MonitorConfigError(
                f"monitor_config['schedule']: an interval value is an integer >= 1, got {value!r}"
            )
        unit = schedule.get("unit")
        if unit not in INTERVAL_UNITS:
            raise MonitorConfigError(
                f"monitor_config['schedule']: unit must be one of {', '.join(INTERVAL_UNITS)}, "
                f"got {unit!r}"
            )
    else:
        raise MonitorConfigError(
            f"monitor_config['schedule']['type'] must be 'crontab' or 'interval', got {kind!r}"
        )


def _check_count(key: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise MonitorConfigError(
            f"monitor_config[{key!r}] must be an integer >= {minimum}, got {value!r}"
        )


def _check_timezone(name: Any) -> None:
    if not isinstance(name, str) or not name:
        raise MonitorConfigError(f"monitor_config['timezone'] must be a string, got {name!r}")
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        if zoneinfo.available_timezones():  # without a tz database nothing can be checked
            raise MonitorConfigError(
                f"monitor_config['timezone']: unknown time zone {name!r} (an IANA name such "
                "as 'Europe/Vienna' or 'UTC')"
            ) from None


__all__ = ["INTERVAL_UNITS", "MonitorConfigError", "validate_monitor_config"]
