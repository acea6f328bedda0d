"""What the task-queue (rq, huey, dramatiq, arq) and serverless integrations share.

- :class:`JobRun` (a context manager): a job runs in a fork of the worker's isolation and
  current scopes (breadcrumbs cleared), continues the trace the enqueuing side attached
  to the job and inside a transaction (``source: task`` unless told) with the given op and
  name; the worker's scopes come back when the job ends. Set-up failures are logged, never raised:
  the job then runs in the worker's scopes.
- :func:`outgoing_headers`: the ``sentry-trace`` / ``baggage`` headers of the current
  scope, for the enqueuing side to store with the job.
- :func:`quiet_loggers`: the library's own failure logs are not reported again by the
  logging integration (the integration reports the failure itself).
- :func:`job_args`: a job's args and kwargs for an event, both replaced by
  ``[Filtered]`` unless ``send_default_pii``.
"""

from __future__ import annotations

from sentry_lite._blocks import isolation_scope
from sentry_lite.integrations import _debug, on_uninstall
from sentry_lite.scope import get_current_scope

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType
    from typing import Any

FILTERED = "[Filtered]"


class JobRun:
    """``with JobRun(...) as transaction:`` around one job's execution."""

    __slots__ = (
        "_block",
        "_carrier",
        "_name",
        "_op",
        "_origin",
        "_processor",
        "_sampling",
        "_source",
        "transaction",
    )

    def __init__(self, carrier: Any, *, op: str, name: str, origin: str,
                 processor: Callable[..., Any] | None = None,
                 sampling: dict[str, Any] | None = None, source: str = "task") -> None:
        self._carrier = carrier if isinstance(carrier, dict) else {}
        self._op = op
        self._name = name
        self._origin = origin
        self._processor = processor
        self._sampling = sampling
        self._source = source
        self._block: Any = None
        self.transaction: Any = None

    def __enter__(self) -> Any:
        block = isolation_scope()
        isolation = block.__enter__()
        self._block = block
        try:
            current = get_current_scope()
            current._set_trace(None)  # the job's trace is the enqueuer's
            current.span = None
            isolation.clear_breadcrumbs()
            if self._processor is not None:
                isolation.add_event_processor(self._processor)
            tx = isolation.continue_trace(self._carrier, op=self._op, name=self._name,
                                          source=self._source, origin=self._origin)
            tx = current.start_transaction(tx, custom_sampling_context=self._sampling)
            tx.__enter__()
            self.transaction = tx
        except Exception:
            _debug(f"{self._origin}: could not set up the job's scope", exc_info=True)
        return self.transaction

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        tx, self.transaction = self.transaction, None
        try:
            if tx is not None:
                if tx.status is None:
                    tx.set_status("ok" if exc_type is None else "internal_error")
                tx.__exit__(exc_type, exc, tb)
        except Exception:
            _debug(f"{self._origin}: could not finish the job's transaction", exc_info=True)
        finally:
            block, self._block = self._block, None
            if block is not None:
                block.__exit__(None, None, None)


def outgoing_headers(only_in_a_span: bool = False) -> dict[str, str]:
    """The current trace's propagation headers ({} when ``only_in_a_span`` and no span)."""
    try:
        scope = get_current_scope()
        if only_in_a_span and scope.span is None:
            return {}
        return dict(scope.iter_trace_propagation_headers())
    except Exception:
        _debug("could not build the trace headers of a job", exc_info=True)
        return {}


def job_args(args: Any, kwargs: Any) -> tuple[Any, Any]:
    """``(args, kwargs)`` as they may be sent: ``[Filtered]`` unless PII is allowed."""
    if get_current_scope().client.should_send_default_pii():
        return args, kwargs
    return FILTERED, FILTERED


def quiet_loggers(identifier: str, names: tuple[str, ...]) -> None:
    """Ignore the loggers ``names`` in the logging integration until ``identifier`` is
    uninstalled."""
    from sentry_lite.integrations import logging as logging_integration

    added = [name for name in names if name not in logging_integration._ignored]
    for name in added:
        logging_integration.ignore_logger(name)

    def unquiet() -> None:
        for name in added:
            logging_integration._ignored.discard(name)

    on_uninstall(identifier, unquiet)


__all__ = ["FILTERED", "JobRun", "job_args", "outgoing_headers", "quiet_loggers"]
