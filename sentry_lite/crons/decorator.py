"""``monitor``: check-ins around a function (sync or async) or a ``with`` block."""

from __future__ import annotations

from functools import wraps
from inspect import iscoroutinefunction
from time import perf_counter

from sentry_lite.crons._config import validate_monitor_config
from sentry_lite.crons.api import capture_checkin
from sentry_lite.crons.consts import MonitorStatus

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from types import TracebackType
    from typing import Any, ParamSpec, TypeVar

    P = ParamSpec("P")
    R = TypeVar("R")


class monitor:
    """Report a job to Sentry Crons: ``in_progress`` at the start, ``ok`` or ``error``
    with the duration at the end; an exception goes on untouched.

    ``@monitor(monitor_slug="nightly")`` on a function, or ``with monitor(...):``. With
    Celery, put it below ``@app.task``. A bad ``monitor_config`` raises ``ValueError``
    here, where the monitor is defined.
    """

    def __init__(self, monitor_slug: str | None = None, monitor_config: Any = None) -> None:
        validate_monitor_config(monitor_config)
        self.monitor_slug = monitor_slug
        self.monitor_config = monitor_config
        self.start_timestamp = 0.0
        self.check_in_id: str | None = None

    def __enter__(self) -> None:
        self.start_timestamp = perf_counter()
        self.check_in_id = capture_checkin(
            monitor_slug=self.monitor_slug,
            status=MonitorStatus.IN_PROGRESS,
            monitor_config=self.monitor_config,
        )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        duration = perf_counter() - self.start_timestamp
        failed = exc_type is not None or exc_value is not None or traceback is not None
        capture_checkin(
            monitor_slug=self.monitor_slug,
            check_in_id=self.check_in_id,
            status=MonitorStatus.ERROR if failed else MonitorStatus.OK,
            duration=duration,
            monitor_config=self.monitor_config,
        )

    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]:
        if iscoroutinefunction(fn):
            return self._async_wrapper(fn)  # type: ignore[return-value]
        return self._sync_wrapper(fn)

    def _async_wrapper(self, fn: Callable[P, Awaitable[Any]]) -> Callable[P, Awaitable[Any]]:
        @wraps(fn)
        async def inner(*args: P.args, **kwargs: P.kwargs) -> Any:
            with monitor._copy(self):
                return await fn(*args, **kwargs)

        inner._sentry_monitored = True  # type: ignore[attr-defined]
        return inner

    def _sync_wrapper(self, fn: Callable[P, R]) -> Callable[P, R]:
        @wraps(fn)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R:
            with monitor._copy(self):
                return fn(*args, **kwargs)

        inner._sentry_monitored = True  # type: ignore[attr-defined]
        return inner

    @staticmethod
    def _copy(template: monitor) -> monitor:
        # One object per call: concurrent calls (threads, tasks) keep their own check-in id.
        run = monitor.__new__(monitor)
        run.monitor_slug = template.monitor_slug
        run.monitor_config = template.monitor_config
        run.start_timestamp = 0.0
        run.check_in_id = None
        return run


__all__ = ["monitor"]
