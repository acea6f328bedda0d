"""Boto3Integration against moto in server mode: a real HTTP endpoint on 127.0.0.1 speaking
the AWS APIs, called through real boto3 clients. The integration is switched on by
``init()`` itself (boto3 is imported)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

import boto3  # noqa: E402
import botocore.exceptions  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.boto3 import Boto3Integration  # noqa: E402


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    try:
        server.start()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"moto's server could not start: {exc!r}")
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def caller(transactions: list[Any]) -> Any:
    (tx,) = [t for t in transactions if t["transaction"] == "caller"]
    return tx


def test_init_enables_it_because_boto3_is_imported(sentry_init: Any) -> None:
    client = sentry_init()
    assert isinstance(client.integrations.get("boto3"), Boto3Integration)


def test_each_call_is_a_span_with_service_and_operation(
    sentry_init: Any, endpoint: str, sentry_transactions: list[Any], sentry_events: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    client = s3(endpoint)
    with sentry_lite.start_transaction(name="caller", op="task"):
        client.create_bucket(Bucket="calls")
        client.put_object(Bucket="calls", Key="k", Body=b"payload")
        sentry_lite.capture_message("after")
    spans = caller(sentry_transactions)["spans"]
    aws = [s for s in spans if s["origin"] == "auto.http.boto3"]
    assert [s["description"] for s in aws] == ["aws.s3.CreateBucket", "aws.s3.PutObject"]
    host, port = endpoint.removeprefix("http://").split(":")
    for span in aws:
        assert span["op"] == "http.client"
        assert span["status"] == "ok"
        assert span["tags"]["aws.service_id"] == "s3"
        data = span["data"]
        assert data["rpc.system.name"] == "aws-api"
        assert data["cloud.region"] == "us-east-1"
        assert (data["server.address"], data["server.port"]) == (host, int(port))
        assert data["http.response.status_code"] == 200
        assert data["http.method"] == "PUT"
        assert data["aws.request.url"].startswith(f"{endpoint}/calls")
    assert aws[1]["tags"]["aws.operation_name"] == "PutObject"
    assert aws[1]["data"]["rpc.method"] == "PutObject"
    # the HTTP request of each call nests in the call's span
    http = [s for s in spans if s["origin"] == "auto.http.stdlib"]
    assert [s["parent_span_id"] for s in http] == [s["span_id"] for s in aws]
    crumbs = [c for c in sentry_events[0]["breadcrumbs"]["values"] if "aws.request.url" in
              c.get("data", {})]  # fmt: skip
    assert [(c["category"], c["data"]["http.method"]) for c in crumbs] == [
        ("httplib", "PUT"),
        ("httplib", "PUT"),
    ]


def test_a_streamed_body_keeps_the_span_open_until_read(
    sentry_init: Any, endpoint: str, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    client = s3(endpoint)
    client.create_bucket(Bucket="stream")
    client.put_object(Bucket="stream", Key="k", Body=b"x" * 1000)
    with sentry_lite.start_transaction(name="caller"):
        body = client.get_object(Bucket="stream", Key="k")["Body"]
        assert body.read(10) == b"x" * 10
        assert body.read() == b"x" * 990
    spans = caller(sentry_transactions)["spans"]
    (call,) = [
        s for s in spans if s["description"] == "aws.s3.GetObject" and s["op"] == "http.client"
    ]
    (stream,) = [s for s in spans if s["op"] == "http.client.stream"]
    assert stream["parent_span_id"] == call["span_id"]
    assert call["timestamp"] >= stream["timestamp"]


def test_an_aws_error_fails_the_span(
    sentry_init: Any, endpoint: str, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    client = s3(endpoint)
    with (
        sentry_lite.start_transaction(name="caller"),
        pytest.raises(botocore.exceptions.ClientError),
    ):
        client.get_object(Bucket="no-such-bucket", Key="k")
    (span,) = [s for s in caller(sentry_transactions)["spans"] if s["origin"] == "auto.http.boto3"]
    assert span["status"] == "internal_error"
    assert span["data"]["error.type"] == "NoSuchBucket"
    assert span["data"]["http.response.status_code"] == 404


def test_no_trace_header_goes_into_the_signature(sentry_init: Any, endpoint: str) -> None:
    sentry_init(traces_sample_rate=1.0)
    client = s3(endpoint)
    signed: list[str] = []

    def before_send(request: Any, **kwargs: Any) -> None:
        value = request.headers.get("Authorization")
        signed.append(value.decode() if isinstance(value, bytes) else str(value))

    client.meta.events.register("before-send", before_send)
    with sentry_lite.start_transaction(name="caller"):
        client.list_buckets()
    (authorization,) = signed
    assert "SignedHeaders=" in authorization
    assert "sentry-trace" not in authorization
    assert "baggage" not in authorization


def test_nothing_without_the_integration(
    sentry_init: Any, endpoint: str, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0, default_integrations=False)
    client = s3(endpoint)
    with sentry_lite.start_transaction(name="caller"):
        client.list_buckets()
    assert caller(sentry_transactions)["spans"] == []
