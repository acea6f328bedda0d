"""GRPCIntegration: real grpcio servers (sync and ``grpc.aio``) on 127.0.0.1 in the test
process, with generic handlers (no generated code), called through real channels. The
integration is switched on by ``init()`` itself (grpc is imported)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

pytest.importorskip("grpc")

import grpc
import grpc.aio

import sentry_lite
from sentry_lite.integrations.grpc import ClientInterceptor, GRPCIntegration, ServerInterceptor
from sentry_lite.integrations.grpc.aio import ServerInterceptor as AioServerInterceptor

SERVICE = "test.Svc"


# -- the handlers (sync; the aio server gets async versions) ---------------------------


def echo(request: bytes, context: Any) -> bytes:
    return request


def metadata(request: bytes, context: Any) -> bytes:
    seen = dict(context.invocation_metadata())
    return json.dumps({k: seen.get(k) for k in ("sentry-trace", "baggage")}).encode()


def fail(request: bytes, context: Any) -> bytes:
    sentry_lite.set_tag("in.handler", "yes")
    raise ValueError("handler failed")


def abort(request: bytes, context: Any) -> bytes:
    context.abort(grpc.StatusCode.NOT_FOUND, "no such thing")
    raise AssertionError("abort() returned")


def stream(request: bytes, context: Any) -> Iterator[bytes]:
    yield from (b"a", b"b")


def sync_handler() -> Any:
    return grpc.method_handlers_generic_handler(SERVICE, {
        "Echo": grpc.unary_unary_rpc_method_handler(echo),
        "Metadata": grpc.unary_unary_rpc_method_handler(metadata),
        "Fail": grpc.unary_unary_rpc_method_handler(fail),
        "Abort": grpc.unary_unary_rpc_method_handler(abort),
        "Stream": grpc.unary_stream_rpc_method_handler(stream),
    })  # fmt: skip


def aio_handler() -> Any:
    async def aecho(request: bytes, context: Any) -> bytes:
        return echo(request, context)

    async def afail(request: bytes, context: Any) -> bytes:
        return fail(request, context)

    async def aabort(request: bytes, context: Any) -> bytes:
        await context.abort(grpc.StatusCode.NOT_FOUND, "no such thing")
        raise AssertionError("abort() returned")

    return grpc.method_handlers_generic_handler(SERVICE, {
        "Echo": grpc.unary_unary_rpc_method_handler(aecho),
        "Fail": grpc.unary_unary_rpc_method_handler(afail),
        "Abort": grpc.unary_unary_rpc_method_handler(aabort),
    })  # fmt: skip


@contextlib.contextmanager
def sync_server(**kwargs: Any) -> Iterator[str]:
    """A grpc.server made after init() (so the integration can add its interceptor)."""
    server = grpc.server(ThreadPoolExecutor(max_workers=4), **kwargs)
    server.add_generic_rpc_handlers((sync_handler(),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(None).wait(5)


def call(channel: Any, method: str, request: bytes = b"hi") -> Any:
    return channel.unary_unary(f"/{SERVICE}/{method}")(request, timeout=10)


def by_op(transactions: list[Any], op: str) -> list[Any]:
    return [t for t in transactions if t["contexts"]["trace"].get("op") == op]


def caller_of(transactions: list[Any]) -> Any:
    (caller,) = [t for t in transactions if t["transaction"] == "caller"]
    return caller


def test_it_is_enabled_when_listed_as_upstream_wants(sentry_init: Any) -> None:
    # Upstream leaves gRPC out of the auto-enabled integrations: so does sentry_lite.
    assert "grpc" not in sentry_init().integrations
    client = sentry_init(integrations=[GRPCIntegration()])
    assert isinstance(client.integrations.get("grpc"), GRPCIntegration)


# -- sync -----------------------------------------------------------------------------------


def test_a_call_is_a_client_span_and_a_server_transaction_of_one_trace(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0, integrations=[GRPCIntegration()])
    with (
        sync_server() as target,
        grpc.insecure_channel(target) as channel,
        sentry_lite.start_transaction(name="caller", op="task") as tx,
    ):
        assert call(channel, "Echo") == b"hi"
        seen = json.loads(call(channel, "Metadata"))
    (caller,) = [t for t in sentry_transactions if t["transaction"] == "caller"]
    echo_span, meta_span = caller["spans"]
    assert echo_span["op"] == "grpc.client"
    assert echo_span["description"] == f"unary unary call to /{SERVICE}/Echo"
    assert echo_span["origin"] == "auto.grpc.grpc"
    assert echo_span["status"] == "ok"
    data = echo_span["data"]
    assert (data["type"], data["method"], data["code"]) == ("unary unary", f"/{SERVICE}/Echo", "OK")
    assert seen["sentry-trace"] == f"{tx.trace_id}-{meta_span['span_id']}-1"
    assert f"sentry-trace_id={tx.trace_id}" in seen["baggage"]
    served = by_op(sentry_transactions, "grpc.server")
    assert [t["transaction"] for t in served] == [f"/{SERVICE}/Echo", f"/{SERVICE}/Metadata"]
    for server_tx, span in zip(served, (echo_span, meta_span), strict=True):
        trace = server_tx["contexts"]["trace"]
        assert server_tx["transaction_info"] == {"source": "custom"}
        assert (trace["origin"], trace["status"]) == ("auto.grpc.grpc", "ok")
        assert (trace["trace_id"], trace["parent_span_id"]) == (tx.trace_id, span["span_id"])


def test_a_handler_error_is_reported(
    sentry_init: Any, sentry_events: list[Any], sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0, integrations=[GRPCIntegration()])
    with (
        sync_server() as target,
        grpc.insecure_channel(target) as channel,
        sentry_lite.start_transaction(name="caller"),pytest.raises(grpc.RpcError) as raised
    ):
        call(channel, "Fail")
    assert raised.value.code() == grpc.StatusCode.UNKNOWN
    (event,) = sentry_events
    (exception,) = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("ValueError", "handler failed")
    assert exception["mechanism"] == {"type": "grpc", "handled": False}
    assert event["tags"]["in.handler"] == "yes"
    assert event["transaction"] == f"/{SERVICE}/Fail"
    (server_tx,) = by_op(sentry_transactions, "grpc.server")
    assert server_tx["contexts"]["trace"]["status"] == "internal_error"
    (span,) = caller_of(sentry_transactions)["spans"]
    assert (span["status"], span["data"]["code"]) == ("unknown_error", "UNKNOWN")


def test_an_abort_is_an_answer_not_an_error(
    sentry_init: Any, sentry_events: list[Any], sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0, integrations=[GRPCIntegration()])
    with (
        sync_server() as target,
        grpc.insecure_channel(target) as channel,
        sentry_lite.start_transaction(name="caller"),pytest.raises(grpc.RpcError) as raised
    ):
        call(channel, "Abort")
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert sentry_events == []
    (server_tx,) = by_op(sentry_transactions, "grpc.server")
    assert server_tx["contexts"]["trace"]["status"] == "not_found"
    (span,) = caller_of(sentry_transactions)["spans"]
    assert span["status"] == "not_found"


def test_unary_stream_calls_get_a_span(sentry_init: Any, sentry_transactions: list[Any]) -> None:
    sentry_init(traces_sample_rate=1.0, integrations=[GRPCIntegration()])
    with (
        sync_server() as target,
        grpc.insecure_channel(target) as channel,
        sentry_lite.start_transaction(name="caller"),
    ):
        assert list(channel.unary_stream(f"/{SERVICE}/Stream")(b"", timeout=10)) == [
            b"a",
            b"b",
        ]
    (span,) = sentry_transactions[-1]["spans"]
    assert (span["op"], span["description"]) == (
        "grpc.client",
        f"unary stream call to /{SERVICE}/Stream",
    )
    assert span["data"]["type"] == "unary stream"


def test_the_applications_own_interceptors_are_not_doubled(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0, integrations=[GRPCIntegration()])
    named = ServerInterceptor(find_name=lambda context: "custom name")
    with sync_server(interceptors=[named]) as target, grpc.insecure_channel(target) as plain:
        channel = grpc.intercept_channel(plain, ClientInterceptor())
        with sentry_lite.start_transaction(name="caller"):
            call(channel, "Echo")
    assert [t["transaction"] for t in by_op(sentry_transactions, "grpc.server")] == ["custom name"]
    caller = caller_of(sentry_transactions)
    assert len(caller["spans"]) == 1


def test_nothing_is_added_without_the_integration(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0, default_integrations=False)
    with (
        sync_server() as target,
        grpc.insecure_channel(target) as channel,
        sentry_lite.start_transaction(name="caller"),
    ):
        seen = json.loads(call(channel, "Metadata"))
    assert seen == {"sentry-trace": None, "baggage": None}
    (caller,) = sentry_transactions
    assert caller["spans"] == []


# -- grpc.aio -------------------------------------------------------------------------------


async def aio_calls(*methods: str) -> list[Any]:
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((aio_handler(),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    results: list[Any] = []
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            with sentry_lite.start_transaction(name="caller", op="task"):
                for method in methods:
                    try:
                        results.append(await channel.unary_unary(f"/{SERVICE}/{method}")(b"x"))
                    except grpc.aio.AioRpcError as exc:
                        results.append(exc.code())
    finally:
        await server.stop(None)
    return results


def test_aio_calls_spans_transactions_and_errors(
    sentry_init: Any, sentry_events: list[Any], sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0, integrations=[GRPCIntegration()])
    results = asyncio.run(aio_calls("Echo", "Fail", "Abort"))
    assert results == [b"x", grpc.StatusCode.UNKNOWN, grpc.StatusCode.NOT_FOUND]
    (caller,) = by_op(sentry_transactions, "task")
    spans = caller["spans"]
    assert [(s["op"], s["description"], s["status"]) for s in spans] == [
        ("grpc.client", f"unary unary call to /{SERVICE}/Echo", "ok"),
        ("grpc.client", f"unary unary call to /{SERVICE}/Fail", "unknown_error"),
        ("grpc.client", f"unary unary call to /{SERVICE}/Abort", "not_found"),
    ]
    served = by_op(sentry_transactions, "grpc.server")
    assert [(t["transaction"], t["contexts"]["trace"]["status"]) for t in served] == [
        (f"/{SERVICE}/Echo", "ok"),
        (f"/{SERVICE}/Fail", "internal_error"),
        (f"/{SERVICE}/Abort", "not_found"),
    ]
    for server_tx, span in zip(served, spans, strict=True):
        assert server_tx["contexts"]["trace"]["parent_span_id"] == span["span_id"]
        assert server_tx["contexts"]["trace"]["trace_id"] == caller["contexts"]["trace"]["trace_id"]
    (event,) = sentry_events  # the abort is not an error
    assert event["exception"]["values"][0]["mechanism"] == {"type": "grpc", "handled": False}
    assert event["transaction"] == f"/{SERVICE}/Fail"


def test_aio_server_keeps_the_applications_interceptor(
    sentry_init: Any, sentry_transactions: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0, integrations=[GRPCIntegration()])

    async def main() -> None:
        server = grpc.aio.server(interceptors=[AioServerInterceptor(find_name=lambda c: "named")])
        server.add_generic_rpc_handlers((aio_handler(),))
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
                await channel.unary_unary(f"/{SERVICE}/Echo")(b"x")
        finally:
            await server.stop(None)

    asyncio.run(main())
    assert [t["transaction"] for t in by_op(sentry_transactions, "grpc.server")] == ["named"]
