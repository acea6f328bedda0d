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

``monitor_periodic_tasks`` (Sentry Crons check-ins) is accepted but not implemented yet.
"""

from __future__ import annotations

from sentry_lite.integrations import DidNotEnable, Integration, _debug, active, capture_exc, patch
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

    def setup_once_with_options(self, options: Any = None) -> None:
        if self.monitor_periodic_tasks:
            _debug("HueyIntegration(monitor_periodic_tasks=True): cron check-ins are not "
                   "supported by sentry_lite yet")


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
            task.execute = _capturing(task.execute)
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
