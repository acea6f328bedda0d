"""rq-scheduler jobs and Sentry Crons (``RqIntegration(monitor_cron_jobs=True)``).

rq-scheduler's ``cron()`` and ``schedule(interval=...)`` keep the schedule in the job's
``meta`` (``cron_string`` / ``interval``) and re-enqueue the same job each time. Around
``perform_job`` such a job sends ``in_progress``, then ``ok`` / ``error`` (what rq says
of the run) with the duration. The slug is the job's id, or its function's name when the
id is one rq generated (the official SDK's rule); ``monitor_config`` comes from the meta:
a cron line (time zone ``UTC``; rq-scheduler reads it in the host's local time, so only a
host on UTC qualifies) or a whole-minute interval. Jobs with ``repeat`` (they stop),
matching ``exclude_cron_jobs``, or whose schedule Sentry cannot read the same way are left
alone, with a debug line.
"""

from __future__ import annotations

import re
import time

from sentry_lite.crons import MonitorStatus, capture_checkin
from sentry_lite.integrations import _debug
from sentry_lite.integrations._celery_beat import interval_schedule, match_regex_list

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_GENERATED_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# "*", "*/n", "n", "n/m", "a-b", "a-b/m": what rq-scheduler and Sentry read alike
_ITEM = re.compile(r"\*(?:/\d+)?|(\d+)(?:-(\d+)(?:/\d+)?|/\d+)?")


class CheckIn:
    """One run's ``in_progress`` check-in, to be closed by :meth:`finish`."""

    def __init__(self, slug: str, config: dict[str, Any]) -> None:
        self.slug, self.config = slug, config
        self.started = time.perf_counter()
        self.check_in_id = capture_checkin(monitor_slug=slug, monitor_config=config,
                                           status=MonitorStatus.IN_PROGRESS)

    def finish(self, ok: bool) -> None:
        try:
            capture_checkin(monitor_slug=self.slug, monitor_config=self.config,
                            check_in_id=self.check_in_id,
                            duration=time.perf_counter() - self.started,
                            status=MonitorStatus.OK if ok else MonitorStatus.ERROR)
        except Exception:
            _debug("rq: could not send the job's check-in", exc_info=True)


def start_check_in(job: Any, integration: Any) -> CheckIn | None:
    """Send ``in_progress`` for a scheduled job to be monitored; ``None`` for any other."""
    try:
        meta = job.meta
        if "cron_string" not in meta and "interval" not in meta:
            return None
        slug = job.func_name if _GENERATED_ID.fullmatch(job.id) else job.id
        if match_regex_list(slug, integration.exclude_cron_jobs):
            return None
        config = monitor_config(meta)
        if config is None:
            _debug(f"rq: scheduled job {slug!r} not monitored: Sentry Crons cannot read its "
                   "schedule the way rq-scheduler does")
            return None
        return CheckIn(slug, config)
    except Exception:
        _debug("rq: could not send the job's check-in", exc_info=True)
        return None


def _portable(field: str, weekday: bool) -> bool:
    for item in field.split(","):
        found = _ITEM.fullmatch(item)
        if found is None:
            return False
        first, last = found.groups()
        if last is not None and int(last) <= int(first):  # wrap-around ranges differ
            return False
        if weekday and first is not None and last is None and "/" in item:
            return False
    return True


def _host_on_utc() -> bool:
    return time.timezone == 0 and not (time.daylight and time.altzone != 0)


def monitor_config(meta: dict[str, Any]) -> dict[str, Any] | None:
    """The ``monitor_config`` of rq-scheduler's ``meta``; ``None`` if there is none."""
    if meta.get("repeat") is not None:
        return None
    line, interval = meta.get("cron_string"), meta.get("interval")
    if isinstance(line, str):
        fields = line.split()
        if (len(fields) != 5 or not all(_portable(f, i == 4) for i, f in enumerate(fields))
                or (fields[2] != "*" and fields[4] != "*") or not _host_on_utc()):
            return None
        return {"schedule": {"type": "crontab", "value": " ".join(fields)}, "timezone": "UTC"}
    if isinstance(interval, int) and not isinstance(interval, bool):
        schedule = interval_schedule(interval)
        return {"schedule": schedule} if schedule else None
    return None


__all__ = ["CheckIn", "monitor_config", "start_check_in"]
