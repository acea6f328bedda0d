"""arq: every job in its own scopes and transaction, failures reported, traces carried
from the enqueuing code to the worker.

- ``ArqRedis.enqueue_job``: inside a ``queue.submit.arq`` span when a span is active; the
  current trace's ``sentry-trace`` / ``baggage`` are added to the serialized job under
  the key ``sentry`` (through the job serializer, so any serializer works; arq ignores
  keys it does not know, so a worker without the SDK runs the job unchanged). The
  official SDK does not propagate arq traces;
- ``Worker.run_job``: once arq has read the job (``deserialize_job_raw``), the job runs
  in :class:`~sentry_lite.integrations._jobs.JobRun` (op ``queue.task.arq``, name = the
  function, source ``task``) until ``run_job`` returns;
- every function of a ``Worker`` (however it was built) is wrapped: an exception is
  captured (``mechanism: arq, handled: false``); arq's control flow (``Retry``,
  ``RetryJob``, ``JobExecutionFailed``, cancellation) is not reported and marks the
  transaction ``aborted``. Events carry the tags ``arq_task_id``, ``arq_task_retry`` and
  ``extra["arq-job"]`` (task, try number, args and kwargs ``[Filtered]`` without PII).

With ``monitor_cron_jobs=True`` every run of a worker's cron job is reported to Sentry
Crons (``in_progress``, then ``ok`` / ``error`` with the duration; slug: the job's name
without arq's ``cron:`` prefix; ``monitor_config`` from its schedule and the worker's time
zone). Jobs matching ``exclude_cron_jobs`` (regular expressions) and schedules cron cannot
express (seconds other than 0, both day and weekday, a zone without an IANA name) are left
alone. See :mod:`sentry_lite.integrations._arq_cron`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import pickle
from contextvars import ContextVar

from sentry_lite.integrations import DidNotEnable, Integration, _debug, active, capture_exc, patch
from sentry_lite.integrations._arq_cron import monitor_cron_jobs
from sentry_lite.integrations._jobs import JobRun, job_args, outgoing_headers, quiet_loggers
from sentry_lite.scope import get_current_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sentry_lite.types import Event, Hint

IDENTIFIER = "arq"
ORIGIN = "auto.queue.arq"
TASK_OP = "queue.task.arq"
SUBMIT_OP = "queue.submit.arq"
JOB_KEY = "sentry"
_WRAPPED = "_sentry_lite_wrapped"


class _Job:
    """One ``run_job`` call: what the worker learnt about the job."""

    __slots__ = ("args", "job_id", "job_try", "kwargs", "name", "queue", "run")

    def __init__(self, job_id: str, queue: Any) -> None:
        self.job_id = job_id
        self.queue = queue
        self.run: JobRun | None = None
        self.name = "unknown arq task"
        self.args: Any = ()
        self.kwargs: Any = {}
        self.job_try = 1


_outgoing: ContextVar[dict[str, str] | None] = ContextVar("sentry_lite_arq_out", default=None)
_job: ContextVar[_Job | None] = ContextVar("sentry_lite_arq_job", default=None)


class ArqIntegration(Integration):
    """Trace and report arq jobs."""

    identifier = IDENTIFIER
    origin = ORIGIN

    def __init__(self, monitor_cron_jobs: bool = False,
                 exclude_cron_jobs: list[str] | None = None) -> None:
        self.monitor_cron_jobs = monitor_cron_jobs
        self.exclude_cron_jobs = exclude_cron_jobs

    @staticmethod
    def setup_once() -> None:
        try:
            import arq.connections
            import arq.worker
        except ImportError as exc:
            raise DidNotEnable(f"arq is not installed ({exc})") from None
        redis, worker = arq.connections.ArqRedis, arq.worker.Worker
        patch(IDENTIFIER, redis, "enqueue_job", _enqueuing(redis.enqueue_job))
        patch(IDENTIFIER, arq.connections, "serialize_job",
              _serializing(getattr(arq.connections, "serialize_job")))  # noqa: B009
        patch(IDENTIFIER, worker, "__init__", _constructing(worker.__init__))
        patch(IDENTIFIER, worker, "run_job", _running(worker.run_job))
        patch(IDENTIFIER, arq.worker, "deserialize_job_raw",
              _deserializing(getattr(arq.worker, "deserialize_job_raw")))  # noqa: B009
        quiet_loggers(IDENTIFIER, ("arq.worker",))


# -- enqueuing side -------------------------------------------------------------------


def _enqueuing(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def enqueue_job(self: Any, function: str, *args: Any, **kwargs: Any) -> Any:
        if active(IDENTIFIER) is None:
            return await original(self, function, *args, **kwargs)
        parent = get_current_scope().span
        if parent is None:
            token = _outgoing.set(outgoing_headers())
            try:
                return await original(self, function, *args, **kwargs)
            finally:
                _outgoing.reset(token)
        with parent.start_child(op=SUBMIT_OP, name=str(function), origin=ORIGIN):
            token = _outgoing.set(outgoing_headers())
            try:
                return await original(self, function, *args, **kwargs)
            finally:
                _outgoing.reset(token)

    return enqueue_job


def _serializing(original: Callable[..., Any]) -> Callable[..., Any]:
    def serialize_job(*args: Any, serializer: Any = None, **kwargs: Any) -> Any:
        headers = _outgoing.get()
        if not headers:
            return original(*args, serializer=serializer, **kwargs)
        real = serializer or pickle.dumps

        def with_headers(data: Any) -> Any:
            if isinstance(data, dict):
                data = {**data, JOB_KEY: headers}
            return real(data)

        return original(*args, serializer=with_headers, **kwargs)

    return serialize_job


# -- worker side ----------------------------------------------------------------------


def _constructing(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        try:
            self.functions = {name: _wrapped(f) for name, f in self.functions.items()}
            integration = active(IDENTIFIER)
            if integration is not None and integration.monitor_cron_jobs:
                monitor_cron_jobs(self, integration.exclude_cron_jobs)
        except Exception:
            _debug("arq: could not wrap the worker's functions", exc_info=True)

    return __init__


def _wrapped(function: Any) -> Any:
    coroutine = function.coroutine
    if getattr(coroutine, _WRAPPED, False):
        return function

    @functools.wraps(coroutine)
    async def run(ctx: dict[Any, Any], *args: Any, **kwargs: Any) -> Any:
        job = _job.get()
        if job is not None and isinstance(ctx, dict):
            job.job_try = int(ctx.get("job_try") or 1)
        try:
            return await coroutine(ctx, *args, **kwargs)
        except (Exception, asyncio.CancelledError) as exc:
            if job is not None and active(IDENTIFIER) is not None:
                _on_failure(job, exc)
            raise

    setattr(run, _WRAPPED, True)
    return dataclasses.replace(function, coroutine=run)


def _on_failure(job: _Job, exc: BaseException) -> None:
    from arq.worker import JobExecutionFailed, Retry, RetryJob

    tx = job.run.transaction if job.run is not None else None
    if isinstance(exc, (Retry, RetryJob, JobExecutionFailed, asyncio.CancelledError)):
        if tx is not None:
            tx.set_status("aborted")
        return
    if tx is not None:
        tx.set_status("internal_error")
    capture_exc((type(exc), exc, exc.__traceback__), {"type": IDENTIFIER, "handled": False})


def _running(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    async def run_job(self: Any, job_id: str, score: int) -> Any:
        if active(IDENTIFIER) is None:
            return await original(self, job_id, score)
        job = _Job(job_id, getattr(self, "queue_name", None))
        token = _job.set(job)
        try:
            return await original(self, job_id, score)
        finally:
            run, job.run = job.run, None
            if run is not None:
                run.__exit__(None, None, None)
            _job.reset(token)

    return run_job


def _deserializing(original: Callable[..., Any]) -> Callable[..., Any]:
    def deserialize_job_raw(raw: Any, *, deserializer: Any = None) -> Any:
        job = _job.get()
        if job is None or job.run is not None:
            return original(raw, deserializer=deserializer)
        real = deserializer or pickle.loads
        carrier: dict[str, Any] = {}

        def reading(data: Any) -> Any:
            decoded = real(data)
            if isinstance(decoded, dict) and isinstance(decoded.get(JOB_KEY), dict):
                carrier.update(decoded[JOB_KEY])
            return decoded

        result = original(raw, deserializer=reading)
        _start(job, result, carrier)
        return result

    return deserialize_job_raw


def _start(job: _Job, result: Any, carrier: dict[str, Any]) -> None:
    try:
        job.name, job.args, job.kwargs, job.job_try = str(result[0]), result[1], result[2], \
            int(result[3] or 1)
    except Exception:
        pass
    job.run = JobRun(carrier, op=TASK_OP, name=job.name, origin=ORIGIN,
                     processor=_event_processor(job), sampling={"arq_job": job.name})
    tx = job.run.__enter__()
    if tx is not None:
        tx.set_data("messaging.message.id", job.job_id)
        tx.set_data("messaging.system", "arq")
        if job.queue is not None:
            tx.set_data("messaging.destination.name", job.queue)


def _event_processor(job: _Job) -> Callable[..., Any]:
    def add_job(event: Event, hint: Hint) -> Event:
        tags = event.setdefault("tags", {})
        tags["arq_task_id"] = job.job_id
        tags["arq_task_retry"] = job.job_try > 1
        args, kwargs = job_args(job.args, job.kwargs)
        event.setdefault("extra", {})["arq-job"] = {
            "task": job.name, "retry": job.job_try, "args": args, "kwargs": kwargs,
        }
        return event

    return add_job


__all__ = ["ArqIntegration"]
