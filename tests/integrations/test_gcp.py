"""Google Cloud Functions: a local harness in the shape of the Python runtime's worker
(``__main__.worker_v1.FunctionHandler.invoke_user_function``, called with the HTTP request
as a real ``flask.Request``), ``FUNCTION_*`` variables as the platform sets them, and a
loopback Sentry server (so that what was sent before the function returned is known)."""

from __future__ import annotations

import threading
import time
import types
from typing import Any

import pytest

import __main__

flask = pytest.importorskip("flask")

from werkzeug.test import EnvironBuilder  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.gcp import GcpIntegration  # noqa: E402
from sentry_lite.testing import assert_valid_event  # noqa: E402

TRACE_ID = "771a43a4192642f0b136d5159a501700"
PARENT = "b0e6f15b45c36b12"


class FunctionHandler:
    """What the runtime's worker does per request: call the user's function with it."""

    def __init__(self, function: Any) -> None:
        self.function = function

    def invoke_user_function(self, request: Any) -> Any:
        return self.function(request)


def entry_point(request: Any) -> str:
    n = int(request.args.get("n", 0))
    sentry_lite.set_tag("invocation", n)
    sentry_lite.add_breadcrumb(message=f"crumb {n}")
    time.sleep(float(request.args.get("sleep", 0)))
    if request.args.get("fail"):
        raise ValueError(f"invocation {n} failed")
    return f"ok {n}"


def make_request(query: str, headers: dict[str, str] | None = None) -> Any:
    builder = EnvironBuilder(method="POST", path="/", query_string=query,
                             headers=list((headers or {}).items()), data=b'{"card": "4111"}',
                             content_type="application/json")
    return flask.Request(builder.get_environ())


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch, sentry_server: Any) -> Any:
    worker = types.ModuleType("worker_v1")
    worker.FunctionHandler = FunctionHandler  # type: ignore[attr-defined]
    monkeypatch.setattr(__main__, "worker_v1", worker, raising=False)
    for key, value in {"FUNCTION_NAME": "checkout", "ENTRY_POINT": "entry_point",
                       "FUNCTION_REGION": "europe-west1", "GCP_PROJECT": "shop",
                       "FUNCTION_TIMEOUT_SEC": "60"}.items():
        monkeypatch.setenv(key, value)
    sentry_lite.init(dsn=sentry_server.dsn, traces_sample_rate=1.0,
                     integrations=[GcpIntegration(timeout_warning=True)])
    return FunctionHandler(entry_point)


def test_a_failing_invocation_is_sent_before_the_function_returns(runtime, sentry_server):
    request = make_request("n=1&fail=1", {"sentry-trace": f"{TRACE_ID}-{PARENT}-1"})
    with pytest.raises(ValueError):
        runtime.invoke_user_function(request)
    assert len(sentry_server.events) == 1  # already delivered: flushed before returning
    assert len(sentry_server.transactions) == 1
    (error,) = sentry_server.events
    assert_valid_event(error)
    assert error["exception"]["values"][0]["mechanism"] == {"type": "gcp", "handled": False}
    assert error["tags"] == {"gcp_region": "europe-west1", "invocation": 1}
    assert error["contexts"]["trace"]["trace_id"] == TRACE_ID
    functions = error["extra"]["google cloud functions"]
    assert functions["function_name"] == "checkout"
    assert functions["configured_timeout_in_seconds"] == 60
    assert "project=shop" in error["extra"]["google cloud logs"]["url"]
    assert error["request"]["url"] == "gcp:///checkout"
    assert error["request"]["method"] == "POST"
    assert error["request"]["query_string"] == "n=1&fail=1"
    assert error["request"]["data"] == "[Filtered]"
    (tx,) = sentry_server.transactions
    assert_valid_event(tx)
    trace = tx["contexts"]["trace"]
    assert (tx["transaction"], trace["op"], trace["status"], trace["parent_span_id"]) == (
        "checkout", "function.gcp", "internal_error", PARENT)
    assert tx["transaction_info"] == {"source": "component"}


def test_twenty_concurrent_invocations_are_isolated(runtime, sentry_server) -> None:
    results: dict[int, str] = {}

    def call(n: int) -> None:
        fail = "&fail=1" if n % 2 else ""  # odd ones fail
        results[n] = runtime.invoke_user_function(make_request(f"n={n}&sleep=0.01{fail}"))

    threads = [threading.Thread(target=lambda n=n: _quiet(call, n)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == list(range(0, 20, 2))
    assert sentry_server.wait_for(lambda s: len(s.events) == 10 and len(s.transactions) == 20)
    for event in sentry_server.events + sentry_server.transactions:
        n = event["tags"]["invocation"]
        assert event["tags"]["gcp_region"] == "europe-west1"
        if event.get("type") != "transaction":
            assert n % 2 == 1
            assert [c["message"] for c in event["breadcrumbs"]["values"]] == [f"crumb {n}"]
    assert len({t["contexts"]["trace"]["trace_id"] for t in sentry_server.transactions}) == 20


def _quiet(call: Any, n: int) -> None:
    try:
        call(n)
    except ValueError:
        pass


def test_a_slow_invocation_warns_before_its_timeout(runtime, sentry_server, monkeypatch):
    monkeypatch.setenv("FUNCTION_TIMEOUT_SEC", "2")  # the warning is due at 0.5 s
    assert runtime.invoke_user_function(make_request("n=3&sleep=0.8")) == "ok 3"
    (warning,) = sentry_server.events
    assert_valid_event(warning)
    (exception,) = warning["exception"]["values"]
    assert exception["type"] == "ServerlessTimeoutWarning"
    assert exception["value"].endswith("Configured timeout duration = 2 seconds.")
    assert warning["tags"]["invocation"] == 3


def test_without_the_runtime_or_the_timeout_variable_nothing_happens(
    runtime, sentry_server, monkeypatch
) -> None:
    monkeypatch.delenv("FUNCTION_TIMEOUT_SEC")  # as upstream: no configuration, no wrapping
    with pytest.raises(ValueError):
        runtime.invoke_user_function(make_request("n=4&fail=1"))
    sentry_lite.flush()
    assert sentry_server.transactions == []
