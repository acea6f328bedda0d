"""Dramatiq: every message in its own scopes and transaction, failures reported, traces
carried from the enqueuing code to the worker.

Official SDK users add nothing: upstream inserts its ``SentryMiddleware`` into brokers
created after ``init()``. Here the middleware's hooks are called from ``Broker.emit_before``
/ ``Broker.emit_after`` themselves, so brokers created before ``init()`` are covered too
(a broker that already lists a :class:`SentryMiddleware` is left to it):

- ``before_enqueue``: the current trace's ``sentry-trace`` / ``baggage`` go into the
  message's options under ``_sentry_headers`` (the official SDK's key);
- ``before_process_message``: the message runs in
  :class:`~sentry_lite.integrations._jobs.JobRun` (op ``queue.task.dramatiq``, name =
  the actor, source ``task``) until ``after_process_message`` / ``after_skip_message``;
- a failure (not ``Retry``, not in the actor's ``throws``) is captured with
  ``mechanism: dramatiq, handled: false``, every failed attempt. Events carry
  ``extra["dramatiq_message_id"]`` and ``contexts["dramatiq"]`` (the message, its args
  and kwargs ``[Filtered]`` without PII; upstream sends them always).

Not enabled by default (as upstream): pass ``DramatiqIntegration()``.
"""

from __future__ import annotations

from sentry_lite.integrations import DidNotEnable, Integration, active, capture_exc, patch
from sentry_lite.integrations._jobs import JobRun, job_args, outgoing_headers, quiet_loggers

try:
    from dramatiq.broker import Broker
    from dramatiq.errors import Retry
    from dramatiq.middleware import Middleware
except ImportError as exc:
    raise DidNotEnable(f"dramatiq is not installed ({exc})") from None

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sentry_lite.types import Event, Hint

IDENTIFIER = "dramatiq"
ORIGIN = "auto.queue.dramatiq"
TASK_OP = "queue.task.dramatiq"
_RUN_ATTRIBUTE = "_sentry_lite_run"


class DramatiqIntegration(Integration):
    """Trace and report Dramatiq messages."""

    identifier = IDENTIFIER
    origin = ORIGIN

    @staticmethod
    def setup_once() -> None:
        patch(IDENTIFIER, Broker, "emit_before", _emitting(Broker.emit_before, before=True))
        patch(IDENTIFIER, Broker, "emit_after", _emitting(Broker.emit_after, before=False))
        quiet_loggers(IDENTIFIER, ("dramatiq.worker.WorkerThread",))


class SentryMiddleware(Middleware):
    """The integration's hooks as a Dramatiq middleware (added for you; see above)."""

    SENTRY_HEADERS_NAME = "_sentry_headers"

    def before_enqueue(self, broker: Any, message: Any, delay: int) -> None:
        if active(IDENTIFIER) is not None:
            message.options[self.SENTRY_HEADERS_NAME] = outgoing_headers()

    def before_process_message(self, broker: Any, message: Any) -> None:
        if active(IDENTIFIER) is None:
            return
        run = JobRun(message.options.get(self.SENTRY_HEADERS_NAME), op=TASK_OP,
                     name=str(message.actor_name), origin=ORIGIN,
                     processor=_event_processor(message), sampling={"dramatiq_message": message})
        tx = run.__enter__()
        setattr(message, _RUN_ATTRIBUTE, run)
        if tx is not None:
            tx.set_data("messaging.destination.name", message.queue_name)
            tx.set_data("messaging.message.id", message.message_id)
            tx.set_data("messaging.message.retry.count", message.options.get("retries", 0))
            tx.set_data("messaging.system", "dramatiq")

    def after_process_message(self, broker: Any, message: Any, *, result: Any = None,
                              exception: BaseException | None = None) -> None:
        run: JobRun | None = vars(message).pop(_RUN_ATTRIBUTE, None)
        if run is None:
            return
        tx = run.transaction
        if exception is not None and _reportable(broker, message, exception):
            capture_exc((type(exception), exception, exception.__traceback__),
                        {"type": IDENTIFIER, "handled": False})
            if tx is not None:
                tx.set_status("internal_error")
        elif exception is not None and tx is not None:
            tx.set_status("aborted")
        run.__exit__(None, None, None)

    after_skip_message = after_process_message


_middleware = SentryMiddleware()
# Only the signals we act on (Middleware's other hooks are no-ops).
_HOOKS: dict[str, Callable[..., Any]] = {
    name: getattr(_middleware, name)
    for name in ("before_enqueue", "before_process_message", "after_process_message",
                 "after_skip_message")
}


def _emitting(original: Callable[..., Any], *, before: bool) -> Callable[..., Any]:
    prefix = "before_" if before else "after_"

    def emit(self: Any, signal: str, *args: Any, **kwargs: Any) -> Any:
        hook = _HOOKS.get(prefix + signal)
        if hook is None or _has_own(self.middleware):
            return original(self, signal, *args, **kwargs)
        if before:  # ours first, the broker's middleware inside the job's scope
            hook(self, *args, **kwargs)
            return original(self, signal, *args, **kwargs)
        try:
            return original(self, signal, *args, **kwargs)
        finally:
            hook(self, *args, **kwargs)

    return emit


def _has_own(middleware: list[Any]) -> bool:
    """The broker lists a SentryMiddleware itself (then Dramatiq calls it)."""
    # a loop, not any(<generator>): no Python call per entry
    for entry in middleware:  # noqa: SIM110
        if isinstance(entry, SentryMiddleware):
            return True
    return False


def _reportable(broker: Any, message: Any, exception: BaseException) -> bool:
    if isinstance(exception, Retry):
        return False
    throws = message.options.get("throws")
    if not throws:
        try:
            throws = broker.get_actor(message.actor_name).options.get("throws")
        except Exception:
            throws = None
    try:
        return not (throws and isinstance(exception, throws))
    except TypeError:
        return True


def _event_processor(message: Any) -> Callable[..., Any]:
    # The message as it came in: the Retries middleware changes its options before the
    # failure is captured.
    snapshot = dict(message.asdict())
    snapshot["options"] = dict(snapshot.get("options") or {})

    def add_message(event: Event, hint: Hint) -> Event:
        data = dict(snapshot)
        data["args"], data["kwargs"] = job_args(data.get("args"), data.get("kwargs"))
        event.setdefault("extra", {})["dramatiq_message_id"] = message.message_id
        event.setdefault("contexts", {})["dramatiq"] = {"type": "dramatiq", "data": data}
        return event

    return add_message


__all__ = ["DramatiqIntegration", "SentryMiddleware"]
