"""Hand-checked event structures for the cases issue 3 names.

The code that raises lives in ``event_samples.py`` (its line numbers are part of the
expected structures). Source context lines are read from that file with ``open()``,
independently of the SDK's linecache-based reader.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import event_samples as samples
import pytest

import sentry_lite
from sentry_lite.testing import assert_valid_event

SAMPLES = os.path.abspath(samples.__file__)
with open(SAMPLES, encoding="utf-8") as _file:
    LINES = _file.read().splitlines()

FILTERED_META = {"": {"rem": [["!config", "s"]]}}


def frame(function: str, lineno: int, variables: dict[str, Any]) -> dict[str, Any]:
    """An expected frame of event_samples.py."""
    return {
        "filename": "event_samples.py",
        "abs_path": SAMPLES,
        "function": function,
        "module": "event_samples",
        "lineno": lineno,
        "pre_context": LINES[max(lineno - 6, 0) : lineno - 1],
        "context_line": LINES[lineno - 1],
        "post_context": LINES[lineno : lineno + 5],
        "vars": variables,
        "in_app": True,
    }


FAIL_FRAME = frame("fail", 8, {"amount": "12", "limit": "10"})


def test_plain_exception(sentry_events: list[Any]) -> None:
    samples.capture_plain()
    (event,) = sentry_events
    assert event["level"] == "error"
    assert event["exception"] == {
        "values": [
            {
                "type": "ValueError",
                "value": "12 exceeds 10",
                "mechanism": {"type": "generic", "handled": True},
                "stacktrace": {"frames": [frame("capture_plain", 13, {}), FAIL_FRAME]},
            }
        ]
    }
    assert "_meta" not in event
    assert_valid_event(event)


def test_explicit_chain_lists_the_cause_first(sentry_events: list[Any]) -> None:
    samples.capture_explicit_chain()
    (event,) = sentry_events
    assert event["exception"] == {
        "values": [
            {
                "type": "ValueError",
                "value": "12 exceeds 10",
                "mechanism": {"type": "chained", "handled": True},
                "stacktrace": {"frames": [frame("capture_explicit_chain", 21, {}), FAIL_FRAME]},
            },
            {
                "type": "RuntimeError",
                "value": "payment failed",
                "mechanism": {"type": "generic", "handled": True},
                "stacktrace": {"frames": [frame("capture_explicit_chain", 23, {})]},
            },
        ]
    }
    assert_valid_event(event)


def test_implicit_chain_lists_the_context_first(sentry_events: list[Any]) -> None:
    samples.capture_implicit_chain()
    (event,) = sentry_events
    assert event["exception"] == {
        "values": [
            {
                "type": "ValueError",
                "value": "12 exceeds 10",
                "mechanism": {"type": "chained", "handled": True},
                "stacktrace": {"frames": [frame("capture_implicit_chain", 31, {}), FAIL_FRAME]},
            },
            {
                "type": "KeyError",
                "value": "'refund'",
                "mechanism": {"type": "generic", "handled": True},
                "stacktrace": {"frames": [frame("capture_implicit_chain", 33, {})]},
            },
        ]
    }
    assert_valid_event(event)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception groups are new in 3.11")
def test_nested_exception_group(sentry_events: list[Any]) -> None:
    samples.capture_group()
    (event,) = sentry_events
    chained = {"type": "chained", "handled": True}
    assert event["exception"] == {
        "values": [
            {
                "type": "FileNotFoundError",
                "value": "[Errno 2] gone",
                "mechanism": {
                    **chained,
                    "exception_id": 3,
                    "source": "exceptions[0]",
                    "parent_id": 2,
                    "meta": {"errno": {"number": 2}},
                },
            },
            {
                "type": "ExceptionGroup",
                "value": "inner",
                "mechanism": {
                    **chained,
                    "exception_id": 2,
                    "source": "exceptions[1]",
                    "parent_id": 0,
                    "is_exception_group": True,
                },
            },
            {
                "type": "ValueError",
                "value": "first",
                "mechanism": {
                    **chained,
                    "exception_id": 1,
                    "source": "exceptions[0]",
                    "parent_id": 0,
                },
            },
            {
                "type": "ExceptionGroup",
                "value": "batch",
                "mechanism": {
                    "type": "generic",
                    "handled": True,
                    "exception_id": 0,
                    "is_exception_group": True,
                },
                "stacktrace": {"frames": [frame("capture_group", 40, {})]},
            },
        ]
    }
    assert_valid_event(event)


def test_recursion_error_keeps_both_ends_of_the_stack(sentry_events: list[Any]) -> None:
    exc = samples.capture_recursion()
    assert exc is not None
    total = 0
    tb = exc.__traceback__
    while tb is not None:
        total += 1
        tb = tb.tb_next
    assert total > 500  # the traceback really is deep

    (event,) = sentry_events
    (value,) = event["exception"]["values"]
    assert value["type"] == "RecursionError"
    assert value["mechanism"] == {"type": "generic", "handled": True}
    stacktrace = value["stacktrace"]
    frames = stacktrace["frames"]
    # the default max_stack_frames is 100: the oldest 50 and the newest 50
    assert len(frames) == 100
    assert stacktrace["frames_omitted"] == [50, total - 50]
    assert frames[0] == frame("capture_recursion", 53, {"exc": repr(exc)})
    assert frames[1] == frame("recurse", 48, {"depth": "0"})
    assert frames[49] == frame("recurse", 48, {"depth": "48"})
    # the newest frame is the last recursion level the interpreter reached
    assert frames[50] == frame("recurse", 48, {"depth": str(total - 51)})
    assert frames[99] == frame("recurse", 48, {"depth": str(total - 2)})
    assert event["_meta"] == {
        "exception": {"values": {"0": {"stacktrace": {"frames": {"": {"len": total}}}}}}
    }
    assert_valid_event(event)


def test_message_with_attach_stacktrace(sentry_init: Any, sentry_events: list[Any]) -> None:
    sentry_init(attach_stacktrace=True)
    samples.message_with_stack()
    (event,) = sentry_events
    assert event["message"] == "checkout done"
    assert event["level"] == "info"
    (thread,) = event["threads"]["values"]
    assert thread["crashed"] is False and thread["current"] is True
    frames = thread["stacktrace"]["frames"]
    # the newest frame is the caller of capture_message; the SDK's own frames are left out
    assert frames[-1] == frame("message_with_stack", 62, {"note": "'checkout'"})
    this_test = frames[-2]
    assert this_test["function"] == "test_message_with_attach_stacktrace"
    assert this_test["module"] == "test_acceptance" and this_test["in_app"] is True
    assert this_test["filename"] == "test_acceptance.py"
    assert not any(str(f["module"]).startswith("sentry_lite") for f in frames)
    # pytest's frames come from site-packages: not in app
    pytest_frames = [f for f in frames if str(f["module"]).startswith("_pytest")]
    assert pytest_frames and not any(f["in_app"] for f in pytest_frames)
    assert "exception" not in event
    assert_valid_event(event)


def test_secrets_in_locals_extra_breadcrumbs_and_headers_arrive_filtered(
    sentry_events: list[Any],
) -> None:
    def handler(password: str, api_key: str) -> None:
        session_token = "tok-123"  # noqa: F841 - a local the event must not show
        raise PermissionError("denied")

    def add_request(event: Any, hint: Any) -> Any:
        event["request"] = {
            "url": "https://shop.invalid/pay",
            "method": "POST",
            "headers": {"Authorization": "Bearer abc", "X-Api-Key": "k", "Accept": "*/*"},
            "cookies": {"sessionid": "s1", "theme": "dark"},
            "data": {"card": {"number": "4111", "cvv_secret": "123"}, "password": "pw"},
            "query_string": "page=2&access_token=xyz",
        }
        return event

    sentry_lite.get_current_scope().add_event_processor(add_request)
    sentry_lite.set_extra("credentials", {"user": "u", "pass": "p"})
    sentry_lite.set_extra("config", {"db": {"password": "hunter2", "host": "db"}})
    sentry_lite.add_breadcrumb(message="login", data={"token": "t-1", "user": "jane"})
    try:
        handler("hunter2", "key-1")
    except PermissionError:
        sentry_lite.capture_exception()

    (event,) = sentry_events
    frames = event["exception"]["values"][0]["stacktrace"]["frames"]
    assert frames[-1]["vars"] == {
        "password": "[Filtered]",
        "api_key": "[Filtered]",
        "session_token": "[Filtered]",
    }
    assert event["extra"] == {
        "credentials": "[Filtered]",
        "config": {"db": {"password": "[Filtered]", "host": "db"}},
    }
    assert event["breadcrumbs"]["values"][0]["data"] == {"token": "[Filtered]", "user": "jane"}
    request = event["request"]
    assert request["headers"] == {
        "Authorization": "[Filtered]",
        "X-Api-Key": "[Filtered]",
        "Accept": "*/*",
    }
    assert request["cookies"] == {"sessionid": "[Filtered]", "theme": "dark"}
    assert request["data"] == {
        "card": {"number": "4111", "cvv_secret": "[Filtered]"},
        "password": "[Filtered]",
    }
    assert request["query_string"] == "page=2&access_token=[Filtered]"
    meta = event["_meta"]
    assert meta["extra"]["credentials"] == FILTERED_META
    assert meta["extra"]["config"]["db"]["password"] == FILTERED_META
    assert meta["request"]["headers"]["Authorization"] == FILTERED_META
    assert meta["breadcrumbs"]["values"]["0"]["data"]["token"] == FILTERED_META
    frame_meta = meta["exception"]["values"]["0"]["stacktrace"]["frames"][str(len(frames) - 1)]
    assert frame_meta["vars"]["password"] == FILTERED_META
    for f in frames:  # the source lines quote the literals; everything else must not
        del f["pre_context"], f["context_line"], f["post_context"]
    assert "hunter2" not in repr(event) and "tok-123" not in repr(event)
    assert_valid_event(event)
