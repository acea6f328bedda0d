"""arq cron jobs and Sentry Crons (``ArqIntegration(monitor_cron_jobs=True)``).

When a ``Worker`` is built, the function arq runs for each of its cron jobs is wrapped in
:class:`sentry_lite.crons.monitor`: ``in_progress`` before the run, ``ok`` / ``error`` with
the duration after. The slug is the job's name without arq's ``cron:`` prefix (the official
SDK's rule); ``monitor_config`` is the job's schedule as a cron line and the worker's time
zone. A job matching ``exclude_cron_jobs`` or whose schedule cron cannot express is left
alone, with a debug line.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import timedelta, timezone

from sentry_lite.crons import monitor
from sentry_lite.integrations import _debug
from sentry_lite.integrations._celery_beat import match_regex_list

TYPE_CHECKING = False
if TYPE_CHECKING:
    from datetime import tzinfo
    from typing import Any

PREFIX = "cron:"


def monitor_cron_jobs(worker: Any, exclude: list[str] | None) -> None:
    """Wrap, in ``worker.functions``, the function of each cron job to be monitored."""
    for job in worker.cron_jobs:
        slug = job.name[len(PREFIX):] if job.name.startswith(PREFIX) else job.name
        if match_regex_list(slug, exclude) or job.name not in worker.functions:
            continue
        try:
            config = monitor_config(job, getattr(worker, "timezone", None))
            check_ins = monitor(slug, config) if config is not None else None
        except Exception:
            _debug(f"arq: could not read the schedule of cron job {job.name!r}", exc_info=True)
            continue
        if check_ins is None:
            _debug(f"arq: cron job {job.name!r} not monitored: Sentry Crons cannot express its "
                   "schedule or time zone")
            continue
        function = worker.functions[job.name]
        worker.functions[job.name] = dataclasses.replace(
            function, coroutine=_monitored(function.coroutine, check_ins))


def _monitored(coroutine: Any, check_ins: monitor) -> Any:
    @functools.wraps(coroutine)
    async def run(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        with monitor._copy(check_ins):
            return await coroutine(ctx, *args, **kwargs)

    return run


def _field(value: Any, shift: int = 0) -> str | None:
    if value is None:
        return "*"
    values = [value] if isinstance(value, int) else value
    if (not isinstance(values, (set, list, tuple)) or not values
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in values)):
        return None
    return ",".join(str(v) for v in sorted({(v + shift) % 7 if shift else v for v in values}))


def crontab(job: Any) -> str | None:
    """The cron line of an arq ``CronJob``; ``None`` if cron cannot say the same."""
    from arq.typing import WEEKDAYS

    if job.second not in (0, {0}, [0], (0,)):  # cron counts whole minutes
        return None
    weekday = WEEKDAYS.index(job.weekday.lower()) if isinstance(job.weekday, str) else job.weekday
    if job.day is not None and weekday is not None:  # arq: both must match; cron: either
        return None
    # arq's weeks start on Monday = 0, cron's on Sunday = 0
    fields = (_field(job.minute), _field(job.hour), _field(job.day), _field(job.month),
              _field(weekday, shift=1))
    return None if None in fields else " ".join(fields)  # type: ignore[arg-type]


def zone_name(tz: tzinfo | None) -> str | None:
    """The IANA name of ``tz`` (``UTC`` / ``Etc/GMT-2`` for whole-hour fixed offsets)."""
    if tz is None:
        return None
    name = getattr(tz, "key", None) or getattr(tz, "zone", None)
    if isinstance(name, str):
        return name
    if isinstance(tz, timezone):
        offset = tz.utcoffset(None)
        if offset % timedelta(hours=1):
            return None
        hours = offset // timedelta(hours=1)
        return f"Etc/GMT{-hours:+d}" if hours else "UTC"
    return None


def monitor_config(job: Any, tz: tzinfo | None) -> dict[str, Any] | None:
    """The ``monitor_config`` of a cron job run in ``tz``; ``None`` if there is none."""
    line, name = crontab(job), zone_name(tz)
    if line is None or name is None:
        return None
    return {"schedule": {"type": "crontab", "value": line}, "timezone": name}


__all__ = ["crontab", "monitor_config", "monitor_cron_jobs", "zone_name"]
