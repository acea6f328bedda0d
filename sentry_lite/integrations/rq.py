"""RQ: every job in its own scopes and transaction, failures reported, traces carried
from the enqueuing code to the worker.

- ``Queue.enqueue_job`` (every ``enqueue*`` ends there): the current trace's
  ``sentry-trace`` / ``baggage`` go into ``job.meta["_sentry_trace_headers"]`` (the key
  the official SDK uses, so either SDK's worker continues the other's trace);
- ``BaseWorker.perform_job`` (all workers, forking or not): the job runs in
  :class:`~sentry_lite.integrations._jobs.JobRun` (op ``queue.task.rq``, name = the job's
  function, source ``task``); a work horse (forked child) flushes before it exits;
- ``BaseWorker.handle_exception``: a job that failed for good (no retry left) is
  captured with ``mechanism: rq, handled: false``; its event has ``extra["rq-job"]``
  (job id, function, description, args and kwargs ``[Filtered]`` without PII, enqueue
  and start times, ``retries_left``) and a ``JobTimeoutException`` gets a fingerprint
  per function.

With ``monitor_cron_jobs=True``, jobs that rq-scheduler re-enqueues (``cron()`` and
``schedule(interval=...)``, which keep their schedule in ``job.meta``) are reported to
Sentry Crons around ``perform_job``; see :mod:`sentry_lite.integrations._rq_cron`.
"""

from __future__ import annotations

import weakref

from sentry_lite.integrations import DidNotEnable, Integration, _debug, active, capture_exc, patch
from sentry_lite.integrations._jobs import JobRun, job_args, outgoing_headers, quiet_loggers
from sentry_lite.integrations._rq_cron import start_check_in

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sentry_lite.types import Event, Hint

IDENTIFIER = "rq"
ORIGIN = "auto.queue.rq"
TASK_OP = "queue.task.rq"
META_KEY = "_sentry_trace_headers"


class RqIntegration(Integration):
    """Trace and report RQ jobs."""

    identifier = IDENTIFIER
    origin = ORIGIN

    def __init__(self, monitor_cron_jobs: bool = False,
                 exclude_cron_jobs: list[str] | None = None) -> None:
        self.monitor_cron_jobs = monitor_cron_jobs
        self.exclude_cron_jobs = exclude_cron_jobs

    @staticmethod
    def setup_once() -> None:
        try:
            import rq.worker
            from rq.queue import Queue
        except ImportError as exc:
            raise DidNotEnable(f"rq is not installed ({exc})") from None
        # rq >= 2 puts the job loop on BaseWorker, older versions on Worker.
        worker = getattr(rq.worker, "BaseWorker", None) or rq.worker.Worker
        patch(IDENTIFIER, worker, "perform_job", _performing(worker.perform_job))
        patch(IDENTIFIER, worker, "handle_exception", _handling(worker.handle_exception))
        patch(IDENTIFIER, Queue, "enqueue_job", _enqueuing(Queue.enqueue_job))
        quiet_loggers(IDENTIFIER, ("rq.worker",))


def _performing(original: Callable[..., Any]) -> Callable[..., Any]:
    def perform_job(self: Any, job: Any, queue: Any, *args: Any, **kwargs: Any) -> Any:
        integration = active(IDENTIFIER)
        if integration is None:
            return original(self, job, queue, *args, **kwargs)
        check_in = start_check_in(job, integration) if integration.monitor_cron_jobs else None
        ok = False
        try:
            with JobRun(job.meta.get(META_KEY), op=TASK_OP, name=_name_of(job), origin=ORIGIN,
                        processor=_event_processor(weakref.ref(job)),
                        sampling={"rq_job": job}) as tx:
                if tx is not None:
                    tx.set_data("messaging.destination.name", queue.name)
                    tx.set_data("messaging.message.id", job.id)
                ok = original(self, job, queue, *args, **kwargs)
                if tx is not None and not ok:
                    tx.set_status("internal_error")
                return ok
        finally:
            if check_in is not None:
                check_in.finish(bool(ok))
            if getattr(self, "is_horse", False):
                _flush()

    return perform_job


def _name_of(job: Any) -> str:
    try:
        return str(job.func_name)
    except Exception:  # a job whose function cannot be deserialized
        return "unknown RQ task"


def _flush() -> None:
    from sentry_lite.scope import get_client

    try:
        get_client().flush()
    except Exception:
        _debug("rq: flushing in the work horse failed", exc_info=True)


def _handling(original: Callable[..., Any]) -> Callable[..., Any]:
    def handle_exception(self: Any, job: Any, *exc_info: Any, **kwargs: Any) -> Any:
        if active(IDENTIFIER) is not None and len(exc_info) == 3 and exc_info[1] is not None:
            retries_left = getattr(job, "retries_left", None)
            if not (isinstance(retries_left, int) and retries_left > 0):
                capture_exc((exc_info[0], exc_info[1], exc_info[2]),
                            {"type": IDENTIFIER, "handled": False})
        return original(self, job, *exc_info, **kwargs)

    return handle_exception


def _enqueuing(original: Callable[..., Any]) -> Callable[..., Any]:
    def enqueue_job(self: Any, job: Any, *args: Any, **kwargs: Any) -> Any:
        if active(IDENTIFIER) is not None:
            headers = outgoing_headers()
            if headers:
                job.meta[META_KEY] = headers
        return original(self, job, *args, **kwargs)

    return enqueue_job


def _event_processor(job_ref: Callable[[], Any]) -> Callable[..., Any]:
    def add_job(event: Event, hint: Hint) -> Event:
        job = job_ref()
        if job is None:
            return event
        args, kwargs = job_args(job.args, job.kwargs)
        block: dict[str, Any] = {"job_id": job.id, "func": _name_of(job),
                                 "description": job.description, "args": args,
                                 "kwargs": kwargs, "retries_left": job.retries_left}
        for key in ("enqueued_at", "started_at"):
            when = getattr(job, key, None)
            if when is not None:
                block[key] = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        event.setdefault("extra", {})["rq-job"] = block
        exc_info = hint.get("exc_info")
        if exc_info is not None and type(exc_info[1]).__name__ == "JobTimeoutException":
            event["fingerprint"] = ["rq", "JobTimeoutException", _name_of(job)]
        return event

    return add_job


__all__ = ["RqIntegration"]
