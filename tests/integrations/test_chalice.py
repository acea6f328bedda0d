"""Chalice: a real Chalice app called as the Lambda runtime calls it (an API Gateway proxy
event or an event-source event, and awslambdaric's own ``LambdaContext`` with a deadline),
through the handler wrapper the AWS Lambda integration puts around it; a loopback Sentry
server tells what was sent before the app returned."""

from __future__ import annotations

import time
from typing import Any

import pytest

chalice = pytest.importorskip("chalice")
pytest.importorskip("awslambdaric")

from awslambdaric.lambda_context import LambdaContext  # noqa: E402
from chalice.app import BadRequestError, Chalice  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.aws_lambda import AwsLambdaIntegration, wrap_handler  # noqa: E402
from sentry_lite.integrations.chalice import ChaliceIntegration  # noqa: E402
from sentry_lite.testing import assert_valid_event  # noqa: E402

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:shop-dev"
TRACE_ID = "771a43a4192642f0b136d5159a501700"
PARENT = "b0e6f15b45c36b12"

app = Chalice(app_name="shop")


@app.route("/orders/{order_id}")
def order(order_id: str) -> dict[str, Any]:
    sentry_lite.set_tag("order", order_id)
    if order_id == "bad":
        raise BadRequestError("no such order")  # an HTTP answer, not an error
    if order_id == "slow":
        time.sleep(0.7)
    if order_id == "boom":
        raise RuntimeError("order lookup failed")
    return {"id": order_id}


@app.schedule("rate(1 hour)")
def nightly(event: Any) -> None:
    raise KeyError("missing report")


def api_event(order_id: str) -> dict[str, Any]:
    return {
        "resource": "/orders/{order_id}", "path": f"/orders/{order_id}", "httpMethod": "GET",
        "headers": {"Host": "api.example.com", "X-Forwarded-Proto": "https",
                    "sentry-trace": f"{TRACE_ID}-{PARENT}-1"},
        "multiValueHeaders": {}, "queryStringParameters": {"v": "2"},
        "multiValueQueryStringParameters": {"v": ["2"]},
        "pathParameters": {"order_id": order_id}, "stageVariables": None,
        "requestContext": {"resourcePath": "/orders/{order_id}", "httpMethod": "GET",
                           "path": f"/api/orders/{order_id}", "stage": "api",
                           "requestId": "r-1"},
        "body": None, "isBase64Encoded": False,
    }


def context(seconds: float = 60) -> Any:
    deadline = int((time.time() + seconds) * 1000)
    return LambdaContext("invoke-1", None, None, deadline, ARN)


@pytest.fixture
def invoke(sentry_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "shop-dev")
    sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0,
                     integrations=[ChaliceIntegration(),
                                   AwsLambdaIntegration(timeout_warning=True)])
    return wrap_handler(app)  # what the Lambda runtime hook does to the handler


def test_a_failing_view_is_sent_before_chalice_answers(invoke, sentry_server) -> None:
    response = invoke(api_event("boom"), context())
    assert response["statusCode"] == 500
    assert len(sentry_server.events) == 1  # flushed before the 500 went back
    (error,) = sentry_server.events
    assert_valid_event(error)
    assert error["exception"]["values"][0]["mechanism"] == {"type": "chalice",
                                                            "handled": False}
    assert error["transaction"] == "shop-dev"
    assert error["tags"]["order"] == "boom"
    assert error["contexts"]["trace"]["trace_id"] == TRACE_ID
    assert error["extra"]["lambda"]["invoked_function_arn"] == ARN
    assert error["request"]["url"] == "https://api.example.com/api/orders/boom"
    assert error["request"]["method"] == "GET"
    assert sentry_server.wait_for(lambda s: s.transactions)
    (tx,) = sentry_server.transactions
    assert_valid_event(tx)
    assert (tx["transaction"], tx["contexts"]["trace"]["op"]) == ("shop-dev", "function.aws")
    assert tx["contexts"]["trace"]["parent_span_id"] == PARENT


def test_http_errors_and_successes_are_not_reported(invoke, sentry_server) -> None:
    assert invoke(api_event("bad"), context())["statusCode"] == 400
    assert invoke(api_event("7"), context())["statusCode"] == 200
    assert sentry_server.wait_for(lambda s: len(s.transactions) == 2)
    assert sentry_server.events == []
    assert sorted(t["tags"]["order"] for t in sentry_server.transactions) == ["7", "bad"]


def test_an_event_source_handler_error_is_reported(invoke, sentry_server) -> None:
    event = {"version": "0", "id": "e-1", "detail-type": "Scheduled Event", "source":
             "aws.events", "account": "123456789012", "time": "2026-12-06T00:00:00Z",
             "region": "eu-west-1", "resources": [], "detail": {}}
    with pytest.raises(KeyError):
        wrap_handler(nightly)(event, context())  # the function's own Lambda handler
    (error,) = sentry_server.events
    assert_valid_event(error)
    assert error["exception"]["values"][0]["mechanism"]["type"] == "chalice"
    assert error["extra"]["lambda"]["function_name"] == "shop-dev"


def test_a_slow_view_warns_before_the_deadline(invoke, sentry_server) -> None:
    assert invoke(api_event("slow"), context(seconds=2.0))["statusCode"] == 200
    assert sentry_server.wait_for(lambda s: s.events)
    (warning,) = sentry_server.events
    assert warning["exception"]["values"][0]["type"] == "ServerlessTimeoutWarning"
    assert warning["tags"]["order"] == "slow"


def test_chalice_imported_after_init_is_picked_up(python) -> None:
    result = python(
        """
        import sys, time, sentry_lite
        from sentry_lite.testing import Capturing
        with Capturing() as capture:
            sentry_lite.init()
            assert "chalice" not in sys.modules
            from chalice import Chalice
            from awslambdaric.lambda_context import LambdaContext
            app = Chalice(app_name="late")

            @app.schedule("rate(1 hour)")
            def job(event):
                raise KeyError("late")

            try:
                job({"detail": {}}, LambdaContext("i", None, None, int(time.time() * 1000)
                                                  + 60000, "arn:aws:lambda:eu-west-1:1:f"))
            except KeyError:
                pass
            print([e["exception"]["values"][-1]["mechanism"]["type"] for e in capture.events])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["['chalice']"]
