"""The names third-party serverless integrations import from sentry_sdk (sentry-lwa:
``utils.TimeoutThread``, ``integrations.aws_lambda._make_request_event_processor``,
``integrations._processed_integrations``)."""

from __future__ import annotations

from typing import Any


def test_the_helpers_third_party_lambda_integrations_import(sentry_init: Any,
                                                           sentry_events: list[Any]) -> None:
    # sentry-lwa imports these three from sentry_sdk: the timeout thread with upstream's
    # signature, the request event processor, and the set of integrations set up.
    import sentry_lite
    from sentry_lite.integrations import _processed_integrations
    from sentry_lite.integrations.aws_lambda import _make_request_event_processor
    from sentry_lite.utils import ServerlessTimeoutWarning, TimeoutThread

    sentry_init()
    with sentry_lite.isolation_scope() as isolation:
        isolation.set_tag("invocation", "7")
        thread = TimeoutThread(0.05, 2.5, isolation_scope=isolation,
                               current_scope=sentry_lite.get_current_scope())
    thread.start()
    thread.join(10)
    (event,) = sentry_events
    (value,) = event["exception"]["values"]
    assert value["type"] == ServerlessTimeoutWarning.__name__
    assert value["value"].endswith("Configured timeout duration = 3 seconds.")
    assert value["mechanism"] == {"type": "threading", "handled": False}
    assert event["tags"] == {"invocation": "7"}

    stopped = TimeoutThread(0.05, 1)
    stopped.stop()
    stopped.start()
    stopped.join(10)
    assert len(sentry_events) == 1  # stopped in time: no warning

    class Context:
        function_name, function_version = "fn", "$LATEST"
        invoked_function_arn = "arn:aws:lambda:eu-west-1:1:function:fn"
        aws_request_id, log_group_name, log_stream_name = "req-1", "/aws/lambda/fn", "s"

        def get_remaining_time_in_millis(self) -> int:
            return 1000

    processor = _make_request_event_processor({"httpMethod": "GET", "headers": {}},
                                              Context(), 3000)
    out = processor({}, {})
    assert out["extra"]["lambda"]["execution_duration_in_millis"] == 2000
    assert out["request"]["method"] == "GET"
    assert isinstance(_processed_integrations, set)


def test_serverless_function_reports_raises_and_isolates(sentry_init: Any,
                                                        sentry_events: list[Any]) -> None:
    import pytest

    import sentry_lite
    from sentry_lite.integrations.serverless import serverless_function

    sentry_init()
    sentry_lite.add_breadcrumb(message="before the call")

    @serverless_function
    def handler(event: dict[str, Any]) -> str:
        sentry_lite.set_tag("invocation", event["id"])
        if event.get("fail"):
            raise KeyError("missing order")
        return "done"

    @serverless_function(flush=False)
    def quiet() -> int:
        return 3

    assert handler({"id": "1"}) == "done" and quiet() == 3
    with pytest.raises(KeyError):
        handler({"id": "2", "fail": True})
    (event,) = sentry_events
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "serverless",
                                                             "handled": False}
    assert event["tags"] == {"invocation": "2"}
    assert "breadcrumbs" not in event or event["breadcrumbs"]["values"] == []
    sentry_lite.capture_message("outside")
    assert "tags" not in sentry_events[1]  # the call's scope stayed its own
    assert [c["message"] for c in sentry_events[1]["breadcrumbs"]["values"]] == [
        "before the call"]
