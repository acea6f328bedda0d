"""AWS Lambda: the real Python runtime (``awslambdaric``, what AWS's images run) in a
subprocess, driven by a Lambda Runtime API on 127.0.0.1 that hands out the documented
invocation events and deadlines; the SDK reports to a loopback Sentry server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("awslambdaric")

from sentry_lite.testing import assert_valid_event

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:checkout"
TRACE_ID = "771a43a4192642f0b136d5159a501700"
PARENT = "b0e6f15b45c36b12"

HANDLER = """
import os, time, sentry_lite
from sentry_lite.integrations.aws_lambda import AwsLambdaIntegration

sentry_lite.init(dsn=os.environ["SL_DSN"], traces_sample_rate=1.0,
                 send_default_pii=os.environ.get("SL_PII") == "1",
                 integrations=[AwsLambdaIntegration(timeout_warning=True)])


def handler(event, context):
    n = event[0]["n"] if isinstance(event, list) else event["n"]
    sentry_lite.set_tag("invocation", n)
    sentry_lite.add_breadcrumb(message=f"crumb {n}")
    if not isinstance(event, list) and event.get("slow"):
        time.sleep(event["slow"])
    if not isinstance(event, list) and event.get("fail"):
        raise ValueError(f"invocation {n} failed")
    return {"statusCode": 200, "body": str(n)}
"""


class RuntimeApi(ThreadingHTTPServer):
    """The Lambda Runtime API: ``/next`` hands out queued invocations (and waits when there
    is none), ``/response`` and ``/error`` record the outcome together with how many Sentry
    envelopes had arrived by then."""

    daemon_threads = True

    def __init__(self, sentry: Any) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.sentry = sentry
        self.pending: list[tuple[str, dict[str, str], bytes]] = []
        self.outcomes: dict[str, tuple[str, Any, int]] = {}
        self.cond = threading.Condition()

    def invoke(self, event: Any, deadline_in: float = 60.0) -> str:
        request_id = str(uuid.uuid4())
        headers = {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int((time.time() + deadline_in) * 1000)),
            "Lambda-Runtime-Invoked-Function-Arn": ARN,
            "Lambda-Runtime-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
        }
        with self.cond:
            self.pending.append((request_id, headers, json.dumps(event).encode()))
            self.cond.notify_all()
        return request_id

    def wait(self, request_id: str) -> tuple[str, Any, int]:
        with self.cond:
            assert self.cond.wait_for(lambda: request_id in self.outcomes, 20)
            return self.outcomes[request_id]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: RuntimeApi

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(200 if headers else 202)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        with self.server.cond:
            self.server.cond.wait_for(lambda: self.server.pending)
            _, headers, body = self.server.pending.pop(0)
        self._reply(body, headers)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = self.path.strip("/").split("/")  # 2018-06-01/runtime/invocation/ID/response
        delivered = len(self.server.sentry.envelopes)
        with self.server.cond:
            self.server.outcomes[parts[3]] = (parts[4], json.loads(body or b"null"), delivered)
            self.server.cond.notify_all()
        self._reply()


@pytest.fixture
def lambda_runtime(sentry_server, tmp_path: Path) -> Any:
    (tmp_path / "app.py").write_text(HANDLER)
    api = RuntimeApi(sentry_server)
    threading.Thread(target=api.serve_forever, daemon=True).start()
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{api.server_address[1]}",
               AWS_LAMBDA_FUNCTION_NAME="checkout", AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
               AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/checkout",
               AWS_LAMBDA_LOG_STREAM_NAME="2026/12/06/[$LATEST]abc", AWS_REGION="eu-west-1",
               SL_DSN=sentry_server.dsn, PYTHONPATH=f"{tmp_path}{os.pathsep}{root}")
    process = subprocess.Popen([sys.executable, "-m", "awslambdaric", "app.handler"],
                               cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    yield api
    process.kill()
    process.wait()
    api.shutdown()


def test_a_failing_invocation_is_reported_before_the_runtime_answers(
    lambda_runtime, sentry_server
) -> None:
    event = {
        "n": 1, "fail": True, "httpMethod": "POST", "path": "/orders",
        "headers": {"Host": "api.example.com", "X-Forwarded-Proto": "https",
                    "sentry-trace": f"{TRACE_ID}-{PARENT}-1"},
        "queryStringParameters": {"page": "2"}, "body": '{"card": "4111"}',
    }
    outcome, body, delivered = lambda_runtime.wait(lambda_runtime.invoke(event))
    assert outcome == "error"
    assert body["errorType"] == "ValueError"
    assert delivered >= 1  # the event was out before the runtime reported the failure
    assert sentry_server.wait_for(lambda s: s.events and s.transactions)
    (error,) = sentry_server.events
    assert_valid_event(error)
    (exception,) = error["exception"]["values"]
    assert exception["mechanism"] == {"type": "aws_lambda", "handled": False}
    assert error["tags"] == {"aws_region": "eu-west-1", "invocation": 1}
    assert error["contexts"]["trace"]["trace_id"] == TRACE_ID
    assert error["transaction"] == "checkout"
    assert error["extra"]["lambda"]["invoked_function_arn"] == ARN
    assert error["extra"]["lambda"]["function_name"] == "checkout"
    assert error["extra"]["cloudwatch logs"]["log_group"] == "/aws/lambda/checkout"
    request = error["request"]
    assert request["url"] == "https://api.example.com/orders"
    assert request["method"] == "POST"
    assert request["query_string"] == "page=2"
    assert request["data"] == "[Filtered]"  # the body only with send_default_pii
    (tx,) = sentry_server.transactions
    assert_valid_event(tx)
    trace = tx["contexts"]["trace"]
    assert (trace["op"], trace["status"], trace["parent_span_id"]) == (
        "function.aws", "internal_error", PARENT)
    assert tx["transaction_info"] == {"source": "component"}


def test_invocations_are_isolated_and_flushed_before_the_answer(
    lambda_runtime, sentry_server
) -> None:
    for n in (2, 3):
        outcome, body, delivered = lambda_runtime.wait(lambda_runtime.invoke({"n": n}))
        assert (outcome, body) == ("response", {"statusCode": 200, "body": str(n)})
        assert delivered == n - 1  # this invocation's transaction was out before the answer
    outcome, _, delivered = lambda_runtime.wait(lambda_runtime.invoke([{"n": 4}, {"n": 5}]))
    assert (outcome, delivered) == ("response", 3)
    by_tag = {tx["tags"]["invocation"]: tx for tx in sentry_server.transactions}
    assert sorted(by_tag) == [2, 3, 4]
    for n, tx in by_tag.items():
        assert_valid_event(tx)
        assert tx["contexts"]["trace"]["status"] == "ok"
        assert tx["contexts"]["trace"]["trace_id"] != by_tag[2 if n != 2 else 3][
            "contexts"]["trace"]["trace_id"]
    assert by_tag[4]["tags"]["batch_size"] == 2
    assert sentry_server.events == []


def test_a_slow_invocation_warns_before_its_deadline(lambda_runtime, sentry_server) -> None:
    # A first invocation: the runtime is up and waiting, so the next one starts at once.
    assert lambda_runtime.wait(lambda_runtime.invoke({"n": 5}))[0] == "response"
    # 2.5 s left at the start: the warning is due 1.5 s before the deadline, at 1 s.
    request_id = lambda_runtime.invoke({"n": 6, "slow": 1.5}, deadline_in=2.5)
    outcome, _, delivered = lambda_runtime.wait(request_id)
    assert outcome == "response"
    assert delivered == 3  # the first transaction, the warning (sent by its own thread)
    # and this invocation's transaction
    (warning,) = sentry_server.events
    assert_valid_event(warning)
    (exception,) = warning["exception"]["values"]
    assert exception["type"] == "ServerlessTimeoutWarning"
    assert exception["value"] == ("WARNING : Function is expected to get timed out. "
                                  "Configured timeout duration = 3 seconds.")
    assert warning["tags"]["invocation"] == 6
    assert warning["extra"]["lambda"]["aws_request_id"] == request_id

