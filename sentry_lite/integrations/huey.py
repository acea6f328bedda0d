"""Huey: every task in its own scopes and transaction, failures reported, traces carried
from the enqueuing code to the consumer.

- ``Huey.enqueue``: inside a ``queue.submit.huey`` span (when a span is active), the
  current trace's ``sentry-trace`` / ``baggage`` go into the task's kwargs under
  ``sentry_headers`` (as the official SDK does; groups, chords and periodic tasks are left
  alone);
- ``Huey._execute`` (what every consumer worker, thread, process or greenlet, calls):
  the headers are taken back out of the kwargs and the task runs in
  :class:`~sentry_lite.integrations._jobs.JobRun` (op ``queue.task.huey``, name = the
  task's name, source ``task``);
- the task's ``execute`` (wrapped on the instance for that run, so before Huey logs the
  failure): an exception is captured (``mechanism: huey, handled: false``), every failed
  attempt, retried or not, as upstream; Huey's control flow (``CancelExecution``,
  ``RetryTask``, ``TaskLockedException``, ``RateLimitExceeded``) is not reported and
  marks the transaction ``aborted``. Events carry the tags ``huey_task_id`` and
  ``huey_task_retry`` and ``extra["huey-job"]`` (task, retry count, args and kwargs
  ``[Filtered]`` without PII).

With ``monitor_periodic_tasks=True`` each run of a periodic task is reported to Sentry
Crons (``in_progress``, then ``ok`` / ``error`` with the duration; slug: the task's name;
``monitor_config`` read back from its ``crontab()``, in UTC). Tasks matching
``exclude_periodic_tasks`` (regular expressions), a Huey with ``utc=False`` and schedules
cron cannot express (custom validators; both day and weekday restricted) are left alone.
"""

from __future__ import annotations

from sentry_lite.crons import monitor
from sentry_lite.integrations import DidNotEnable, Integration, _debug, active, capture_exc, patch
from sentry_lite.integrations._celery_beat import match_regex_list
from sentry_lite.integrations._jobs import JobRun, job_args, outgoing_headers
from sentry_lite.scope import get_current_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sentry_lite.types import Event, Hint

IDENTIFIER = "huey"
ORIGIN = "auto.queue.huey"
TASK_OP = "queue.task.huey"
SUBMIT_OP = "queue.submit.huey"
HEADERS_KWARG = "sentry_headers"


class HueyIntegration(Integration):
    """Trace and report Huey tasks."""

    identifier = IDENTIFIER
    origin = ORIGIN

    def __init__(self, monitor_periodic_tasks: bool = False,
                 exclude_periodic_tasks: list[str] | None = None) -> None:
        self.monitor_periodic_tasks = monitor_periodic_tasks
        self.exclude_periodic_tasks = exclude_periodic_tasks

    @staticmethod
    def setup_once() -> None:
        try:
            from huey.api import Huey
        except ImportError as exc:
            raise DidNotEnable(f"huey is not installed ({exc})") from None
        patch(IDENTIFIER, Huey, "enqueue", _enqueuing(Huey.enqueue))
        patch(IDENTIFIER, Huey, "_execute", _executing(Huey._execute))


def _carries_headers(item: Any) -> bool:
    from huey.api import PeriodicTask, Task

    return isinstance(item, Task) and not isinstance(item, PeriodicTask)


def _enqueuing(original: Callable[..., Any]) -> Callable[..., Any]:
    def enqueue(self: Any, item: Any) -> Any:
        if active(IDENTIFIER) is None:
            return original(self, item)
        parent = get_current_scope().span
        if parent is None:
            if _carries_headers(item):
                item.kwargs[HEADERS_KWARG] = outgoing_headers()
            return original(self, item)
        name = getattr(item, "name", None) or type(item).__name__
        with parent.start_child(op=SUBMIT_OP, name=str(name), origin=ORIGIN) as span:
            span.set_data("messaging.destination.name", self.name)
            if _carries_headers(item):
                item.kwargs[HEADERS_KWARG] = outgoing_headers()
            return original(self, item)

    return enqueue


def _executing(original: Callable[..., Any]) -> Callable[..., Any]:
    def _execute(self: Any, task: Any, *args: Any, **kwargs: Any) -> Any:
        kw = getattr(task, "kwargs", None)
        carrier = kw.pop(HEADERS_KWARG, None) if isinstance(kw, dict) else None
        if active(IDENTIFIER) is None:
            return original(self, task, *args, **kwargs)
        with JobRun(carrier, op=TASK_OP, name=str(task.name), origin=ORIGIN,
                    processor=_event_processor(task), sampling={"huey_task": task}) as tx:
            if tx is not None:
                tx.set_data("messaging.destination.name", self.name)
                tx.set_data("messaging.message.id", task.id)
                tx.set_data("messaging.message.retry.count", _retry_count(task))
                tx.set_data("messaging.system", "huey")
            task.execute = _monitored(self, task, _capturing(task.execute))
            try:
                return original(self, task, *args, **kwargs)
            finally:
                vars(task).pop("execute", None)

    return _execute


def _capturing(execute: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return execute(*args, **kwargs)
        except Exception as exc:
            _on_failure(exc)
            raise

    return run


def _on_failure(exc: Exception) -> None:
    from huey.exceptions import (
        CancelExecution,
        RateLimitExceeded,
        RetryTask,
        TaskLockedException,
    )

    tx = get_current_scope().transaction
    if isinstance(exc, (CancelExecution, RetryTask, TaskLockedException, RateLimitExceeded)):
        if tx is not None:
            tx.set_status("aborted")
        return
    if tx is not None:
        tx.set_status("internal_error")
    capture_exc((type(exc), exc, exc.__traceback__), {"type": IDENTIFIER, "handled": False})


def _monitored(huey: Any, task: Any, execute: Callable[..., Any]) -> Callable[..., Any]:
    from huey.api import PeriodicTask

    integration = active(IDENTIFIER)
    if (integration is None or not integration.monitor_periodic_tasks
            or not isinstance(task, PeriodicTask)
            or match_regex_list(task.name, integration.exclude_periodic_tasks)):
        return execute
    try:
        config = _monitor_config(huey, task)
        if config is None:
            _debug(f"huey: periodic task {task.name!r} not monitored: its schedule is not a "
                   "UTC crontab Sentry Crons can express")
            return execute
        check_ins = monitor(monitor_slug=task.name, monitor_config=config)
    except Exception:
        _debug("huey: could not read the schedule of the periodic task", exc_info=True)
        return execute

    def run(*args: Any, **kwargs: Any) -> Any:
        with monitor._copy(check_ins):
            return execute(*args, **kwargs)

    return run


def _cell(func: Any, name: str) -> Any:
    names = getattr(getattr(func, "__code__", None), "co_freevars", ())
    closure = getattr(func, "__closure__", None)
    return closure[names.index(name)].cell_contents if closure and name in names else None


def _cron_field(values: list[int], low: int, high: int) -> str:
    if values == list(range(low, high + 1)):
        return "*"
    if len(values) > 2:
        step = values[1] - values[0]
        if values == list(range(values[0], values[-1] + 1, step)):
            if step == 1:
                return f"{values[0]}-{values[-1]}"
            if values == list(range(low, high + 1, step)):
                return f"*/{step}"
            return f"{values[0]}-{values[-1]}/{step}"
    return ",".join(map(str, values))


def _monitor_config(huey: Any, task: Any) -> dict[str, Any] | None:
    """The Sentry Crons config of a periodic task's ``crontab()``; ``None`` if there is none."""
    from huey.api import crontab

    validator = _cell(type(task).validate_datetime, "validate_datetime")
    settings = _cell(validator, "cron_settings")
    if not huey.utc or getattr(validator, "__code__", None) is not _crontab_code(crontab):
        return None
    months, days, weekdays, hours, minutes = settings
    day = _cron_field(days, 1, 31)
    weekday = _cron_field(sorted({w % 7 for w in weekdays}), 0, 6)  # Huey's 7 is Sunday too
    if day != "*" and weekday != "*":  # Huey wants both to match, cron either
        return None
    fields = (_cron_field(minutes, 0, 59), _cron_field(hours, 0, 23), day,
              _cron_field(months, 1, 12), weekday)
    return {"schedule": {"type": "crontab", "value": " ".join(fields)}, "timezone": "UTC"}


def _crontab_code(crontab: Callable[..., Any]) -> Any:
    return getattr(crontab(), "__code__", None)


def _retry_count(task: Any) -> int:
    return int((task.default_retries or 0) - (task.retries or 0))


def _event_processor(task: Any) -> Callable[..., Any]:
    def add_task(event: Event, hint: Hint) -> Event:
        tags = event.setdefault("tags", {})
        tags["huey_task_id"] = task.id
        tags["huey_task_retry"] = task.default_retries > task.retries
        args, kwargs = job_args(task.args, task.kwargs)
        event.setdefault("extra", {})["huey-job"] = {
            "task": task.name, "retry": _retry_count(task), "args": args, "kwargs": kwargs,
        }
        return event

    return add_task


__all__ = ["HueyIntegration"]
