"""The client's pipeline options: sampling, hooks, ignore_errors, processors, debug."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

import sentry_lite


class PaymentError(Exception):
    pass


class CardDeclined(PaymentError):
    pass


def raise_and_capture(exc: BaseException) -> str | None:
    try:
        raise exc
    except BaseException:
        return sentry_lite.capture_exception()


# -- sample_rate and error_sampler ---------------------------------------------------


def test_sample_rate_zero_drops_errors_and_messages(
    sentry_init: Any, sentry_events: list[Any], sentry_lost: list[Any]
) -> None:
    sentry_init(sample_rate=0.0)
    assert raise_and_capture(ValueError("x")) is None
    assert sentry_lite.capture_message("m") is None
    assert sentry_events == []
    assert sentry_lost == [("sample_rate", "error", 1)] * 2


def test_sample_rate_keeps_about_that_share(sentry_init: Any, sentry_events: list[Any]) -> None:
    sentry_init(sample_rate=0.5)
    ids = [sentry_lite.capture_message(f"m{n}") for n in range(400)]
    kept = [i for i in ids if i is not None]
    assert len(kept) == len(sentry_events)
    assert 120 < len(kept) < 280  # binomial(400, 0.5): outside this range ~1e-12


def test_sample_rate_does_not_apply_to_transactions(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(sample_rate=0.0, traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="kept"):
        pass
    assert [t["transaction"] for t in sentry_transactions] == ["kept"]


def test_error_sampler_sees_the_event_and_hint_and_wins_over_sample_rate(
    sentry_init: Any, sentry_events: list[Any], sentry_lost: list[Any]
) -> None:
    seen: list[Any] = []

    def sampler(event: Any, hint: Any) -> float:
        seen.append((event.get("message"), hint.get("exc_info")))
        exc_info = hint.get("exc_info")
        return 1.0 if exc_info and issubclass(exc_info[0], PaymentError) else 0.0

    sentry_init(sample_rate=0.0, error_sampler=sampler)
    raise_and_capture(CardDeclined("no"))
    raise_and_capture(KeyError("k"))
    sentry_lite.capture_message("dropped")
    assert [e["exception"]["values"][-1]["type"] for e in sentry_events] == ["CardDeclined"]
    assert seen[2] == ("dropped", None)
    assert seen[0][1][0] is CardDeclined
    assert sentry_lost == [("sample_rate", "error", 1)] * 2


@pytest.mark.parametrize(("answer", "kept"), [(True, 1), (False, 0), (1, 1), (0, 0)])
def test_error_sampler_may_answer_a_bool(
    answer: Any, kept: int, sentry_init: Any, sentry_events: list[Any]
) -> None:
    sentry_init(error_sampler=lambda event, hint: answer)
    sentry_lite.capture_message("m")
    assert len(sentry_events) == kept


@pytest.mark.parametrize("answer", [None, "yes", 2.5, -1, [1]])
def test_an_invalid_error_sampler_answer_keeps_the_event(
    answer: Any, sentry_init: Any, sentry_events: list[Any]
) -> None:
    sentry_init(error_sampler=lambda event, hint: answer)
    sentry_lite.capture_message("m")
    assert len(sentry_events) == 1


def test_a_raising_error_sampler_keeps_the_event(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    def sampler(event: Any, hint: Any) -> float:
        raise RuntimeError("sampler bug")

    sentry_init(error_sampler=sampler)
    assert sentry_lite.capture_message("m") is not None
    assert len(sentry_events) == 1


# -- before_send ---------------------------------------------------------------------


def test_before_send_sees_the_final_event_and_hint(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    seen: list[Any] = []

    def before_send(event: Any, hint: Any) -> Any:
        seen.append((event, hint))
        event["tags"]["edited"] = "yes"
        return event

    sentry_init(before_send=before_send, default_integrations=False)
    sentry_lite.set_tag("t", "v")
    sentry_lite.set_extra("password", "p")
    raise_and_capture(KeyError("k"))
    event, hint = seen[0]
    # scopes merged, defaults applied, scrubbed and serialized before the hook
    assert event["extra"] == {"password": "[Filtered]"} and "sdk" in event
    assert hint["exc_info"][0] is KeyError
    assert sentry_events[0]["tags"] == {"t": "v", "edited": "yes"}


def test_before_send_may_drop_and_the_drop_is_counted(
    sentry_init: Any, sentry_events: list[Any], sentry_lost: list[Any]
) -> None:
    sentry_init(before_send=lambda event, hint: None)
    assert sentry_lite.capture_message("m") is None
    assert sentry_events == [] and sentry_lost == [("before_send", "error", 1)]


def test_a_raising_before_send_drops_without_breaking_the_caller(
    sentry_init: Any, sentry_events: list[Any], sentry_lost: list[Any]
) -> None:
    def before_send(event: Any, hint: Any) -> Any:
        raise RuntimeError("hook bug")

    sentry_init(before_send=before_send)
    assert sentry_lite.capture_message("m") is None
    assert sentry_events == [] and sentry_lost == [("before_send", "error", 1)]


@pytest.mark.parametrize("answer", [True, "event", ["not", "an", "event"]])
def test_before_send_answering_something_else_drops(
    answer: Any, sentry_init: Any, sentry_events: list[Any], sentry_lost: list[Any]
) -> None:
    sentry_init(before_send=lambda event, hint: answer)
    assert sentry_lite.capture_message("m") is None
    assert sentry_events == [] and sentry_lost == [("before_send", "error", 1)]


def test_before_send_is_not_called_for_transactions(
    sentry_init: Any, sentry_events: list[Any], sentry_transactions: list[Any]
) -> None:
    calls: list[str] = []

    def before_send(event: Any, hint: Any) -> Any:
        calls.append("error")
        return event

    def before_send_transaction(event: Any, hint: Any) -> Any:
        calls.append("transaction")
        event["transaction"] = "renamed"
        return event

    sentry_init(
        traces_sample_rate=1.0,
        before_send=before_send,
        before_send_transaction=before_send_transaction,
    )
    with sentry_lite.start_transaction(name="original"):
        pass
    sentry_lite.capture_message("m")
    assert calls == ["transaction", "error"]
    assert sentry_transactions[0]["transaction"] == "renamed"


# -- ignore_errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry",
    [PaymentError, CardDeclined, "CardDeclined", "PaymentError", f"{__name__}.CardDeclined",
     f"{__name__}.PaymentError"],
)  # fmt: skip
def test_ignore_errors_matches_classes_subclasses_and_names(
    entry: Any, sentry_init: Any, sentry_events: list[Any], sentry_lost: list[Any]
) -> None:
    sentry_init(ignore_errors=[entry])
    assert raise_and_capture(CardDeclined("no")) is None
    assert sentry_events == [] and sentry_lost == [("event_processor", "error", 1)]


def test_ignore_errors_lets_others_through(sentry_init: Any, sentry_events: list[Any]) -> None:
    sentry_init(ignore_errors=[CardDeclined, "KeyError", "Payment"])
    raise_and_capture(PaymentError("parent class is not ignored"))
    raise_and_capture(ValueError("other"))
    sentry_lite.capture_message("messages are never ignored")
    assert len(sentry_events) == 3


def test_ignore_errors_looks_at_the_captured_exception_only(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    sentry_init(ignore_errors=[KeyError])
    try:
        try:
            raise KeyError("cause")
        except KeyError as cause:
            raise ValueError("reported") from cause
    except ValueError:
        sentry_lite.capture_exception()
    assert len(sentry_events) == 1


# -- processors ------------------------------------------------------------------------


def test_error_processors_run_before_event_processors_and_only_for_errors(
    sentry_events: list[Any],
) -> None:
    order: list[str] = []

    def error_processor(event: Any, exc_info: Any) -> Any:
        order.append(f"error:{exc_info[0].__name__}")
        return event

    def event_processor(event: Any, hint: Any) -> Any:
        order.append("event")
        return event

    scope = sentry_lite.get_isolation_scope()
    scope.add_event_processor(event_processor)
    scope.add_error_processor(error_processor)
    raise_and_capture(KeyError("k"))
    sentry_lite.capture_message("m")
    assert order == ["error:KeyError", "event", "event"]
    assert len(sentry_events) == 2


def test_a_dropping_processor_is_counted(
    sentry_events: list[Any], sentry_lost: list[Any]
) -> None:
    sentry_lite.get_isolation_scope().add_error_processor(lambda event, exc_info: None)
    assert raise_and_capture(KeyError("k")) is None
    assert sentry_events == [] and sentry_lost == [("event_processor", "error", 1)]


def test_processors_may_add_data_that_is_then_serialized_and_scrubbed(
    sentry_events: list[Any],
) -> None:
    def processor(event: Any, hint: Any) -> Any:
        event.setdefault("extra", {})["from_processor"] = {"token": "t", "set": {1}}
        return event

    sentry_lite.get_isolation_scope().add_event_processor(processor)
    sentry_lite.capture_message("m")
    assert sentry_events[0]["extra"]["from_processor"] == {"token": "[Filtered]", "set": [1]}


# -- debug ---------------------------------------------------------------------------


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **env}
    environment.pop("SENTRY_DSN", None)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environment,
    )


DEBUG_SCRIPT = """
    import sentry_lite

    def before_send(event, hint):
        raise RuntimeError("bug in before_send")

    sentry_lite.init(
        dsn="http://key@127.0.0.1:9/1",
        debug={debug},
        before_send=before_send,
        transport=lambda event: None,
        default_integrations=False,
    )
    sentry_lite.capture_message("m")
    print("caller went on")
"""


def test_debug_writes_the_sdk_log_to_stderr() -> None:
    result = run_python(DEBUG_SCRIPT.format(debug=True))
    assert result.returncode == 0 and result.stdout == "caller went on\n"
    assert "before_send raised" in result.stderr
    assert "RuntimeError: bug in before_send" in result.stderr  # with the traceback


def test_without_debug_the_sdk_is_silent() -> None:
    result = run_python(DEBUG_SCRIPT.format(debug=False))
    assert result.returncode == 0 and result.stdout == "caller went on\n"
    assert result.stderr == ""


def test_sentry_debug_variable_turns_debug_on() -> None:
    script = DEBUG_SCRIPT.replace("debug={debug},\n", "")
    result = run_python(script, SENTRY_DEBUG="1")
    assert "before_send raised" in result.stderr


def test_names_code_for_the_official_client_module_imports(sentry_init: Any) -> None:
    import asyncio

    from sentry_lite import client

    sentry_init(release="r1")
    current = sentry_lite.get_client()
    assert isinstance(current, client.BaseClient)
    assert isinstance(client.NonRecordingClient(), client.BaseClient)
    assert client.NonRecordingClient({"debug": True}).options.debug is True
    asyncio.run(client.NonRecordingClient().close_async(timeout=1))  # there before init too
    assert client.serialize({"a": 1}) == {"a": 1}
    assert client.SDK_INFO["name"] == "sentry.python.lite"
    assert client.get_options("https://k@localhost/1", release="x")["release"] == "x"
    assert client.VERSION == sentry_lite.VERSION
    sentry_lite.capture_message("before the async flush")
    asyncio.run(current.flush_async(timeout=2))
    asyncio.run(current.close_async(timeout=2))
    assert current.transport is None
    with pytest.raises(AttributeError):
        _ = client.no_such_name
