"""Celery beat and Sentry Crons: check-ins for every scheduled task.

With ``CeleryIntegration(monitor_beat_tasks=True)``, as the official SDK does:

- in the **beat** process, ``Scheduler.apply_entry`` (called for each due entry) sends
  the ``in_progress`` check-in (slug: the schedule entry's name; ``monitor_config`` from
  its crontab or whole-minute interval schedule and time zone) and puts the slug, the
  config, the check-in id and the start time in the message headers; entries matching
  ``exclude_beat_tasks`` (regular expressions) and schedules Sentry cannot express are
  left alone;
- in the **worker** that runs the task, ``task_success`` sends ``ok`` and
  ``task_failure`` / ``task_retry`` send ``error``, with the duration since the start.
"""

from __future__ import annotations

import re
from time import time

from sentry_lite.crons import MonitorStatus, capture_checkin
from sentry_lite.integrations import _debug, active, on_uninstall, patch
from sentry_lite.scope import get_isolation_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

IDENTIFIER = "celery"
SLUG = "sentry-monitor-slug"
CONFIG = "sentry-monitor-config"
CHECK_IN_ID = "sentry-monitor-check-in-id"
STARTED = "sentry-monitor-start-timestamp-s"
_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60))


def setup() -> None:
    """Patch the beat scheduler and listen to task outcomes (checked at run time)."""
    from celery.beat import Scheduler
    from celery.signals import (
        task_failure,
        task_retry,
        task_success,
    )

    patch(IDENTIFIER, Scheduler, "apply_entry", _applying(Scheduler.apply_entry))
    handlers = ((task_success, _on_success), (task_failure, _on_failure),
                (task_retry, _on_failure))
    for signal, handler in handlers:
        signal.connect(handler, weak=False, dispatch_uid=handler)

    def disconnect() -> None:
        for signal, handler in handlers:
            signal.disconnect(dispatch_uid=handler)

    on_uninstall(IDENTIFIER, disconnect)


def _monitoring() -> Any:
    integration = active(IDENTIFIER)
    return integration if integration is not None and integration.monitor_beat_tasks else None


# -- beat side ----------------------------------------------------------------------------


def _applying(original: Callable[..., Any]) -> Callable[..., Any]:
    def apply_entry(scheduler: Any, entry: Any, *args: Any, **kwargs: Any) -> Any:
        integration = _monitoring()
        if integration is not None:
            try:
                get_isolation_scope().set_new_propagation_context()  # each run: a new trace
                _check_in_entry(scheduler, entry, integration.exclude_beat_tasks)
            except Exception:
                _debug("celery beat: could not send the check-in", exc_info=True)
        return original(scheduler, entry, *args, **kwargs)

    apply_entry.__name__ = "apply_entry"
    return apply_entry


def match_regex_list(item: str, patterns: list[str] | None) -> bool:
    """Whether ``item`` ends a match of one of ``patterns`` (the official SDK's rule)."""
    for pattern in patterns or ():
        if re.search(pattern if pattern.endswith("$") else pattern + "$", item):
            return True
    return False


def _check_in_entry(scheduler: Any, entry: Any, exclude: list[str] | None) -> None:
    slug = entry.name
    if match_regex_list(slug, exclude):
        return
    config = monitor_config(entry.schedule, scheduler.app, slug)
    if not config:
        return
    headers = entry.options.pop("headers", None) or {}
    check_in_id = capture_checkin(monitor_slug=slug, monitor_config=config,
                                  status=MonitorStatus.IN_PROGRESS)
    headers.update({SLUG: slug, CONFIG: config, CHECK_IN_ID: check_in_id,
                    STARTED: f"{time():.9f}"})
    entry.options["headers"] = headers


def interval_schedule(seconds: float) -> dict[str, Any] | None:
    """``every N days / hours / minutes`` in the largest unit dividing ``seconds``, or ``None``."""
    for unit, size in _UNITS:
        if seconds >= size and seconds % size == 0:
            return {"type": "interval", "value": int(seconds // size), "unit": unit}
    return None


def monitor_config(schedule: Any, app: Any, slug: str) -> dict[str, Any]:
    """The ``monitor_config`` of a beat schedule; ``{}`` if Sentry cannot express it."""
    from celery.schedules import crontab
    from celery.schedules import schedule as interval

    if isinstance(schedule, crontab):
        value: dict[str, Any] = {"type": "crontab", "value": " ".join(str(part) for part in (
            schedule._orig_minute, schedule._orig_hour, schedule._orig_day_of_month,
            schedule._orig_month_of_year, schedule._orig_day_of_week))}
    elif isinstance(schedule, interval):
        seconds = schedule.seconds
        value = interval_schedule(seconds) or {}
        if not value:
            _debug(f"celery beat: {slug!r} runs every {seconds:g} s; Sentry Crons needs whole "
                   "minutes (exclude it with exclude_beat_tasks)")
            return {}
    else:
        _debug(f"celery beat: schedule type {type(schedule).__name__} of {slug!r} is not "
               "supported by Sentry Crons")
        return {}
    tz = getattr(schedule, "tz", None)
    return {"schedule": value, "timezone": (tz is not None and str(tz)) or app.timezone or "UTC"}


# -- worker side --------------------------------------------------------------------------


def _headers(task: Any) -> dict[str, Any]:
    request = getattr(task, "request", None)
    own = vars(request) if request is not None else {}
    found = dict(own.get("headers") or {})
    found.update(found.pop("headers", None) or {})
    for key in (SLUG, CONFIG, CHECK_IN_ID, STARTED):
        if key in own and key not in found:
            found[key] = own[key]
    return found


def _report(task: Any, status: str) -> None:
    if _monitoring() is None:
        return
    try:
        headers = _headers(task)
        if SLUG not in headers:
            return
        started = headers.get(STARTED)
        capture_checkin(monitor_slug=headers[SLUG], check_in_id=headers.get(CHECK_IN_ID),
                        status=status, monitor_config=headers.get(CONFIG) or {},
                        duration=time() - float(started) if started else None)
    except Exception:
        _debug("celery beat: could not send the task's check-in", exc_info=True)


def _on_success(sender: Any = None, **_: Any) -> None:
    _report(sender, MonitorStatus.OK)


def _on_failure(sender: Any = None, **_: Any) -> None:
    _report(sender, MonitorStatus.ERROR)


__all__ = ["interval_schedule", "match_regex_list", "monitor_config", "setup"]
