"""Asyncio (opt-in): a scope per task, and errors in tasks nobody awaited."""

from __future__ import annotations

import asyncio
import gc
import sys
from typing import Any

import pytest

import sentry_lite
from sentry_lite.integrations.asyncio import AsyncioIntegration


def run(coro: Any) -> Any:
    return asyncio.run(coro)


@pytest.fixture
def quiet_loop_errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The loop's default handler still runs after our capture: collect what it says."""
    said: list[str] = []
    original = asyncio.BaseEventLoop.default_exception_handler

    def collect(self: Any, context: dict[str, Any]) -> None:
        said.append(context["message"])

    monkeypatch.setattr(asyncio.BaseEventLoop, "default_exception_handler", collect)
    assert original is not collect
    return said


def test_each_task_gets_its_own_isolation_scope(sentry_init, sentry_events) -> None:
    sentry_init(integrations=[AsyncioIntegration()])

    async def handler(n: int) -> dict[str, Any]:
        sentry_lite.set_tag("request", n)
        await asyncio.sleep(0)
        return dict(sentry_lite.get_isolation_scope()._tags)

    async def main() -> list[dict[str, Any]]:
        sentry_lite.set_tag("server", "s1")
        results = await asyncio.gather(*(handler(n) for n in range(3)))
        results.append(dict(sentry_lite.get_isolation_scope()._tags))
        return results

    assert run(main()) == [
        {"server": "s1", "request": 0},
        {"server": "s1", "request": 1},
        {"server": "s1", "request": 2},
        {"server": "s1"},
    ]


def test_without_the_integration_tasks_share_the_scope(sentry_init) -> None:
    sentry_init()

    async def handler() -> None:
        sentry_lite.set_tag("leaked", True)

    async def main() -> dict[str, Any]:
        sentry_lite.get_isolation_scope()  # created in main's context, shared by copies
        await asyncio.create_task(handler())
        return dict(sentry_lite.get_isolation_scope()._tags)

    assert run(main()) == {"leaked": True}


def test_an_exception_in_a_task_nobody_awaits_is_captured(
    sentry_init, sentry_events, quiet_loop_errors
) -> None:
    sentry_init(integrations=[AsyncioIntegration()])

    async def background() -> None:
        sentry_lite.set_tag("job", "cleanup")
        raise RuntimeError("background job failed")

    async def main() -> None:
        sentry_lite.set_tag("app", "a1")
        task = asyncio.get_running_loop().create_task(background())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert task.done()
        del task  # nobody will ever look at its result
        gc.collect()

    run(main())
    gc.collect()
    assert quiet_loop_errors == ["Task exception was never retrieved"]
    (event,) = sentry_events
    values = event["exception"]["values"]
    assert values[-1]["value"] == "background job failed"
    assert values[-1]["mechanism"] == {"type": "asyncio", "handled": False}
    assert event["tags"] == {"app": "a1", "job": "cleanup"}


def test_an_awaited_exception_is_the_awaiter_s(sentry_init, sentry_events) -> None:
    sentry_init(integrations=[AsyncioIntegration()])

    async def failing() -> None:
        raise ValueError("handled by the caller")

    async def main() -> str:
        try:
            await asyncio.create_task(failing())
        except ValueError as exc:
            return str(exc)
        return "no error"

    assert run(main()) == "handled by the caller"
    gc.collect()
    assert sentry_events == []


def test_a_failing_callback_is_captured(sentry_init, sentry_events, quiet_loop_errors) -> None:
    sentry_init(integrations=[AsyncioIntegration()])

    def callback() -> None:
        raise KeyError("in a callback")

    async def main() -> None:
        asyncio.get_running_loop().call_soon(callback)
        await asyncio.sleep(0)

    run(main())
    assert len(quiet_loop_errors) == 1
    assert quiet_loop_errors[0].startswith("Exception in callback")
    assert sentry_events[0]["exception"]["values"][-1]["type"] == "KeyError"


def test_cancelled_tasks_are_not_errors(sentry_init, sentry_events) -> None:
    sentry_init(integrations=[AsyncioIntegration()])

    async def main() -> None:
        task = asyncio.create_task(asyncio.sleep(10))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())
    assert sentry_events == []


@pytest.mark.skipif(sys.version_info < (3, 11), reason="create_task(context=) is 3.11+")
def test_an_explicit_context_is_respected(sentry_init) -> None:
    import contextvars

    sentry_init(integrations=[AsyncioIntegration()])

    async def handler() -> None:
        sentry_lite.set_tag("from_task", True)

    async def main() -> dict[str, Any]:
        sentry_lite.get_isolation_scope()
        context = contextvars.copy_context()
        # context= is 3.11+ (the test is skipped before), mypy reads the code as 3.10
        await asyncio.get_running_loop().create_task(handler(), context=context)  # type: ignore[call-arg]
        return dict(sentry_lite.get_isolation_scope()._tags)

    assert run(main()) == {"from_task": True}
