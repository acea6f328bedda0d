"""Celery: every task in its own scopes, failures reported, traces from producer to worker.

Worker side, hooked on what every Celery tracer calls (so it works however and whenever the
worker built its tracers, prefork, threads, solo or eager):

- ``task_prerun`` (signal): the task gets forks of the worker's isolation and current
  scopes (breadcrumbs cleared), continues the trace of the message's ``sentry-trace`` /
  ``baggage`` headers and starts a transaction (op ``queue.task.celery``, name = the
  task's name, source ``task``) with a ``queue.process`` span;
- ``TraceInfo.handle_failure`` (Celery calls it inside its ``except`` for a failed task):
  the exception is captured with ``mechanism: celery, handled: false``, unless the task
  declares it expected (``Task.throws``). ``Retry``, ``Ignore`` and ``Reject`` are control
  flow and never reported (a retried task is reported once it finally fails);
- ``task_postrun`` (signal): the status from the outcome, the transaction is sent and the
  worker's scopes come back.

Producer side: ``Task.apply_async`` (so ``delay`` too) and ``Celery.send_task`` add the
trace headers (and the enqueue time) to the message, inside a ``queue.submit.celery`` span
when a span is active. ``CeleryIntegration(propagate_traces=False)``, or the header
``sentry-propagate-traces: False`` on one call, leaves messages alone.
"""

from __future__ import annotations

import sys
from contextvars import ContextVar
from time import time

from sentry_lite._blocks import isolation_scope
from sentry_lite.integrations import (
    DidNotEnable,
    Integration,
    _debug,
    active,
    capture_exc,
    on_uninstall,
    patch,
)
from sentry_lite.integrations._jobs import quiet_loggers
from sentry_lite.scope import get_current_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sentry_lite.types import Event, Hint

IDENTIFIER = "celery"
ORIGIN = "auto.queue.celery"
TASK_OP = "queue.task.celery"
PROCESS_OP = "queue.process"
SUBMIT_OP = "queue.submit.celery"
TRACE_HEADER = "sentry-trace"
BAGGAGE_HEADER = "baggage"
ENQUEUED_HEADER = "sentry-task-enqueued-time"
PROPAGATE_HEADER = "sentry-propagate-traces"
_RUN_ATTRIBUTE = "_sentry_lite_run"
# Celery logs every failure it handles; we report failures ourselves.
_QUIET_LOGGERS = ("celery.worker.job", "celery.app.trace", "celery.redirected")
# True while a patched apply_async / send_task runs: the nested send_task passes through.
_deciding: ContextVar[bool] = ContextVar("sentry_lite_celery_sending", default=False)


class CeleryIntegration(Integration):
    """Report Celery task failures and trace tasks from the producer into the worker."""

    identifier = IDENTIFIER

    def __init__(
        self,
        propagate_traces: bool = True,
        monitor_beat_tasks: bool = False,
        exclude_beat_tasks: list[str] | None = None,
    ) -> None:
        self.propagate_traces = propagate_traces
        # Crons check-ins for beat tasks (integrations/_celery_beat.py)
        self.monitor_beat_tasks = monitor_beat_tasks
        self.exclude_beat_tasks = exclude_beat_tasks

    @staticmethod
    def setup_once() -> None:
        try:
            import celery.app.task
            import celery.app.trace
            from celery import Celery
        except ImportError as exc:
            raise DidNotEnable(f"celery is not installed ({exc})") from None
        _connect_signals()
        patch(IDENTIFIER, celery.app.trace.TraceInfo, "handle_failure",
              _capturing(celery.app.trace.TraceInfo.handle_failure))
        patch(IDENTIFIER, celery.app.task.Task, "apply_async",
              _propagating(celery.app.task.Task.apply_async, _task_name_of_task))
        patch(IDENTIFIER, Celery, "send_task", _propagating(Celery.send_task, _task_name_of_send))
        _patch_pool_worker()
        _quiet_celery_loggers()
        from sentry_lite.integrations import _celery_beat

        _celery_beat.setup()


# -- worker side ----------------------------------------------------------------------


class _TaskRun:
    """What one task execution installed: its scopes, transaction and span."""

    __slots__ = ("block", "span", "transaction")

    def __init__(self, block: Any, transaction: Any, span: Any) -> None:
        self.block = block
        self.transaction = transaction
        self.span = span


def _connect_signals() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_on_prerun, weak=False, dispatch_uid=_on_prerun)
    task_postrun.connect(_on_postrun, weak=False, dispatch_uid=_on_postrun)

    def disconnect() -> None:
        task_prerun.disconnect(dispatch_uid=_on_prerun)
        task_postrun.disconnect(dispatch_uid=_on_postrun)

    on_uninstall(IDENTIFIER, disconnect)


def _on_prerun(sender: Any = None, task: Any = None, args: Any = (), kwargs: Any = None,
               **_: Any) -> None:
    if task is None or active(IDENTIFIER) is None:
        return
    request = task.request
    carrier = _incoming_headers(request)
    block = isolation_scope()
    isolation = block.__enter__()
    try:
        run = _start(task, request, carrier, isolation, args, kwargs)
        run.block = block
        setattr(request, _RUN_ATTRIBUTE, run)
    except Exception:
        block.__exit__(None, None, None)
        _debug("celery: could not set up the task's scope", exc_info=True)


def _start(task: Any, request: Any, carrier: dict[str, Any], isolation: Any,
           args: Any, kwargs: Any) -> _TaskRun:
    current = get_current_scope()
    current._set_trace(None)  # the task's trace is the message's
    current.span = None
    isolation.clear_breadcrumbs()
    name = str(getattr(task, "name", None) or "<unknown celery task>")
    isolation.add_event_processor(_event_processor(name, request.id, args, kwargs))
    tx = isolation.continue_trace(carrier, op=TASK_OP, name=name, source="task", origin=ORIGIN)
    tx.set_status("ok")
    sampling = {"celery_job": {"task": name, "args": list(args or ()), "kwargs": kwargs}}
    tx = current.start_transaction(tx, custom_sampling_context=sampling)
    tx.__enter__()
    span = None
    if tx.sampled:
        span = tx.start_child(op=PROCESS_OP, name=name, origin=ORIGIN)
        _describe_message(span, task, request)
    return _TaskRun(None, tx, span)


def _on_postrun(sender: Any = None, task: Any = None, state: str | None = None,
                **_: Any) -> None:
    if task is None:
        return
    request = task.request
    run: _TaskRun | None = vars(request).pop(_RUN_ATTRIBUTE, None)
    if run is None:
        return
    try:
        if state is None:
            _capture_escaping(task)
        status = _status_of(state)
        if run.span is not None:
            run.span.set_status(status)
            run.span.finish()
        run.transaction.set_status(status)
        run.transaction.__exit__(None, None, None)
    except Exception:
        _debug("celery: could not finish the task's transaction", exc_info=True)
    finally:
        run.block.__exit__(None, None, None)


def _status_of(state: str | None) -> str:
    if state == "SUCCESS":
        return "ok"
    if state in ("RETRY", "IGNORED", "REJECTED"):
        return "aborted"
    return "internal_error"


def _capture_escaping(task: Any) -> None:
    """An eager task run with ``throw=True`` lets its exception escape the tracer."""
    exc = sys.exc_info()[1]
    if isinstance(exc, Exception) and _reportable(task, exc):
        capture_exc((type(exc), exc, exc.__traceback__), {"type": "celery", "handled": False})


def _reportable(task: Any, exc: BaseException) -> bool:
    from celery.exceptions import Ignore, Reject, Retry

    if isinstance(exc, (Retry, Ignore, Reject)):
        return False
    throws = getattr(task, "throws", ())
    try:
        return not (throws and isinstance(exc, throws))
    except TypeError:
        return True


def _capturing(original: Callable[..., Any]) -> Callable[..., Any]:
    def handle_failure(self: Any, task: Any, req: Any, *args: Any, **kwargs: Any) -> Any:
        exc = getattr(self, "retval", None)
        if (
            isinstance(exc, BaseException)
            and active(IDENTIFIER) is not None
            and _reportable(task, exc)
        ):
            capture_exc((type(exc), exc, exc.__traceback__), {"type": "celery", "handled": False})
        return original(self, task, req, *args, **kwargs)

    return handle_failure


def _incoming_headers(request: Any) -> dict[str, Any]:
    """``sentry-trace`` and ``baggage`` of the message (top level, else under ``headers``)."""
    carrier: dict[str, Any] = {}
    own = vars(request)
    nested = own.get("headers")
    nested = nested if isinstance(nested, dict) else {}
    for key in (TRACE_HEADER, BAGGAGE_HEADER, ENQUEUED_HEADER):
        value = own.get(key)
        if value is None:
            value = nested.get(key)
        if value is not None:
            carrier[key] = value
    if TRACE_HEADER not in carrier and own.get("is_eager"):
        # Task.apply() in process without headers: stay in the caller's trace.
        carrier.update(get_current_scope().iter_trace_propagation_headers())
    return carrier


def _event_processor(name: str, task_id: Any, args: Any, kwargs: Any) -> Callable[..., Any]:
    def add_task(event: Event, hint: Hint) -> Event:
        event.setdefault("tags", {})["celery_task_id"] = str(task_id)
        pii = get_current_scope().client.should_send_default_pii()
        job = {
            "task_name": name,
            "args": args if pii else "[Filtered]",
            "kwargs": kwargs if pii else "[Filtered]",
        }
        event.setdefault("extra", {})["celery-job"] = job
        exc_info = hint.get("exc_info")
        if exc_info is not None and type(exc_info[1]).__name__ == "SoftTimeLimitExceeded":
            event["fingerprint"] = ["celery", "SoftTimeLimitExceeded", name]
        return event

    return add_task


def _describe_message(span: Any, task: Any, request: Any) -> None:
    span.set_data("messaging.message.id", request.id)
    span.set_data("messaging.message.retry.count", getattr(request, "retries", 0) or 0)
    delivery = getattr(request, "delivery_info", None) or {}
    routing_key = delivery.get("routing_key")
    if delivery.get("exchange") == "" and routing_key is not None:
        span.set_data("messaging.destination.name", routing_key)
    enqueued = vars(request).get(ENQUEUED_HEADER)
    if enqueued is None:
        enqueued = (getattr(request, "headers", None) or {}).get(ENQUEUED_HEADER)
    if isinstance(enqueued, (int, float)):
        span.set_data("messaging.message.receive.latency", max(0.0, time() - enqueued) * 1000)
    system = _broker_system(task)
    if system:
        span.set_data("messaging.system", system)


_systems: dict[int, str] = {}


def _broker_system(task: Any) -> str | None:
    """The broker's driver type (``amqp``, ``redis``, ``memory``...), once per app."""
    app = getattr(task, "app", None)
    if app is None:
        return None
    system = _systems.get(id(app))
    if system is None:
        try:
            system = str(app.connection_for_write().transport.driver_type)
        except Exception:
            system = ""
        if len(_systems) > 64:
            _systems.clear()
        _systems[id(app)] = system
    return system or None


# -- producer side --------------------------------------------------------------------


def _task_name_of_task(args: tuple[Any, ...]) -> str:
    return str(getattr(args[0], "name", None) or "<unknown celery task>")


def _task_name_of_send(args: tuple[Any, ...]) -> str:
    return str(args[1]) if len(args) > 1 else "<unknown celery task>"


def _propagating(
    original: Callable[..., Any], task_name: Callable[[tuple[Any, ...]], str]
) -> Callable[..., Any]:
    def send(*args: Any, **kwargs: Any) -> Any:
        integration = active(IDENTIFIER)
        if integration is None:
            return original(*args, **kwargs)
        given = kwargs.get("headers")
        if _deciding.get():
            # apply_async -> send_task: the outer call has decided already.
            return original(*args, **kwargs)
        headers = dict(given) if isinstance(given, dict) else {}
        propagate = headers.pop(PROPAGATE_HEADER, integration.propagate_traces)
        token = _deciding.set(True)
        try:
            if not propagate:
                if given is not None and PROPAGATE_HEADER in given:
                    kwargs["headers"] = headers
                return original(*args, **kwargs)
            scope = get_current_scope()
            parent = scope.span
            if parent is None:
                kwargs["headers"] = _with_trace(headers, scope, None)
                return original(*args, **kwargs)
            with parent.start_child(op=SUBMIT_OP, name=task_name(args), origin=ORIGIN) as span:
                kwargs["headers"] = _with_trace(headers, scope, span)
                return original(*args, **kwargs)
        finally:
            _deciding.reset(token)

    send.__name__ = getattr(original, "__name__", "send")
    send.__doc__ = getattr(original, "__doc__", None)
    return send


def _with_trace(headers: dict[str, Any], scope: Any, span: Any) -> dict[str, Any]:
    """``headers`` plus ours, at the top level and under ``headers`` (where Celery's
    ``request.headers`` and other SDKs look)."""
    try:
        ours: dict[str, Any] = dict(scope.iter_trace_propagation_headers(span=span))
    except Exception:
        _debug("celery: could not build the trace headers", exc_info=True)
        return headers
    existing = headers.get(BAGGAGE_HEADER)
    if existing and ours.get(BAGGAGE_HEADER):
        from sentry_lite.tracing._headers import parse_baggage

        others = parse_baggage(existing)[1]
        if others:
            ours[BAGGAGE_HEADER] = ",".join([ours[BAGGAGE_HEADER], *others])
    ours[ENQUEUED_HEADER] = time()
    headers.update(ours)
    nested = headers.get("headers")
    nested = dict(nested) if isinstance(nested, dict) else {}
    nested.update(ours)
    headers["headers"] = nested
    return headers


# -- process exit and logs ------------------------------------------------------------


def _patch_pool_worker() -> None:
    """A prefork child leaves with ``os._exit``: flush what its tasks reported first."""
    try:
        from billiard.pool import Worker  # type: ignore[import-untyped]
    except ImportError:
        return
    original = Worker.workloop

    def workloop(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, *args, **kwargs)
        finally:
            if active(IDENTIFIER) is not None:
                try:
                    get_current_scope().client.flush()
                except Exception:
                    pass

    patch(IDENTIFIER, Worker, "workloop", workloop)


def _quiet_celery_loggers() -> None:
    quiet_loggers(IDENTIFIER, _QUIET_LOGGERS)


__all__ = ["CeleryIntegration"]
