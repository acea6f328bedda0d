"""HttpTransport against a real loopback server: wire format, server answers, outages."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from sentry_lite._loopback import LoopbackServer, Reply
from sentry_lite._options import build_options
from sentry_lite.consts import USER_AGENT
from sentry_lite.envelope import Envelope, Item, PayloadRef
from sentry_lite.transport._http import HttpTransport, rfc3339

WALL = 1_700_000_000.25


class Clock:
    """A monotonic clock the test moves by hand (rate limits and back-off read it)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        yield srv


@pytest.fixture
def clock() -> Clock:
    return Clock()


class NoOverflow(HttpTransport):
    overflow_bytes = 0  # a full queue drops, as the official SDK's does


class SmallOverflow(HttpTransport):
    overflow_bytes = 1024 * 1024


def _transport(
    server: LoopbackServer, clock: Clock, cls: type[HttpTransport] = HttpTransport,
    **options: object,
) -> HttpTransport:
    return cls(build_options(server.dsn, options), clock=clock, wall_clock=lambda: WALL)


@pytest.fixture
def make(server: LoopbackServer, clock: Clock) -> Iterator[object]:
    made: list[HttpTransport] = []

    def factory(cls: type[HttpTransport] = HttpTransport, **options: object) -> HttpTransport:
        transport = _transport(server, clock, cls, **options)
        made.append(transport)
        return transport

    yield factory
    for transport in made:
        transport.kill()
    server.release()


def event_envelope(n: int = 0, **extra: object) -> Envelope:
    event_id = f"{n:032x}"
    envelope = Envelope(headers={"event_id": event_id})
    event: dict[str, Any] = {"event_id": event_id, "message": f"event {n}", **extra}
    envelope.add_event(event)  # type: ignore[arg-type]
    return envelope


def transaction_envelope(n: int = 0) -> Envelope:
    event_id = f"{n:032x}"
    envelope = Envelope(headers={"event_id": event_id})
    envelope.add_transaction({"event_id": event_id, "type": "transaction", "spans": [{}, {}]})
    return envelope


def ids(server: LoopbackServer) -> list[str]:
    return [event["event_id"] for event in server.events]


# -- the wire format -----------------------------------------------------------------


def test_rfc3339() -> None:
    assert rfc3339(WALL) == "2023-11-14T22:13:20.250000Z"
    assert rfc3339(0.9999999) == "1970-01-01T00:00:01.000000Z"


def test_wire_format(server: LoopbackServer, make: object) -> None:
    transport = make()  # type: ignore[operator]
    envelope = event_envelope(7, level="error")
    envelope.add_item(Item(b"\x00binary\n", type="attachment", filename="a.bin"))
    transport.capture_envelope(envelope)
    assert transport.flush(10) is True
    (request,) = server.requests
    assert request.method == "POST"
    assert request.path == "/api/1/envelope/"
    assert request.header("Content-Type") == "application/x-sentry-envelope"
    assert request.header("Content-Encoding") == "gzip"
    assert request.header("User-Agent") == USER_AGENT
    assert request.header("X-Sentry-Auth") == (
        f"Sentry sentry_key=public, sentry_version=7, sentry_client={USER_AGENT}"
    )
    assert request.body[:2] == b"\x1f\x8b"  # really gzip on the wire
    decoded = request.envelope
    assert decoded is not None
    assert decoded.headers == {"event_id": f"{7:032x}", "sent_at": "2023-11-14T22:13:20.250000Z"}
    event_item, attachment = decoded.items
    assert event_item.headers == {
        "type": "event", "content_type": "application/json",
        "length": len(event_item.payload.bytes),
    }
    assert event_item.payload.json == {"event_id": f"{7:032x}", "message": "event 7",
                                       "level": "error"}
    assert attachment.headers["filename"] == "a.bin"
    assert attachment.payload.bytes == b"\x00binary\n"
    assert request.data is not None
    assert request.data.split(b"\n")[0] == json.dumps(
        decoded.headers, separators=(",", ":")).encode()


def test_compression_can_be_turned_off(server: LoopbackServer, make: object) -> None:
    transport = make(_experiments={"transport_compression_level": 0})  # type: ignore[operator]
    transport.capture_envelope(event_envelope())
    assert transport.flush(10)
    (request,) = server.requests
    assert request.header("Content-Encoding") is None
    assert request.body == request.data
    assert len(server.events) == 1


@pytest.mark.parametrize(("experiments", "compressed"), [
    ({"transport_zlib_compression_level": 0}, False),  # the older name works too
    ({"transport_zlib_compression_level": 0, "transport_compression_level": 6}, True),
])
def test_the_older_name_of_the_compression_level(
    server: LoopbackServer, make: object, experiments: dict[str, int], compressed: bool,
) -> None:
    transport = make(_experiments=experiments)  # type: ignore[operator]
    transport.capture_envelope(event_envelope())
    assert transport.flush(10)
    (request,) = server.requests
    assert (request.header("Content-Encoding") == "gzip") is compressed
    assert len(server.events) == 1


def test_secret_key_goes_into_the_auth_header(server: LoopbackServer) -> None:
    dsn = server.dsn.replace("public@", "public:s3cret@")
    transport = HttpTransport(build_options(dsn))
    try:
        transport.capture_envelope(event_envelope())
        assert transport.flush(10)
        header = server.requests[0].header("X-Sentry-Auth") or ""
        assert header.endswith(", sentry_secret=s3cret")
    finally:
        transport.kill()


# -- server answers ------------------------------------------------------------------


def test_413_drops_and_counts_send_error(server: LoopbackServer, make: object) -> None:
    transport = make()  # type: ignore[operator]
    server.script(413)
    transport.capture_envelope(event_envelope(1))
    transport.capture_envelope(event_envelope(2))
    assert transport.flush(10)
    assert ids(server) == [f"{2:032x}"]
    assert server.discarded("send_error", "error") == 1  # reported with the next envelope


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_other_4xx_drop_and_count_send_error(
    server: LoopbackServer, make: object, status: int
) -> None:
    transport = make()  # type: ignore[operator]
    server.script(status)
    transport.capture_envelope(event_envelope(1))
    assert transport.flush(10)
    transport.capture_envelope(event_envelope(2))
    assert transport.flush(10)
    assert ids(server) == [f"{2:032x}"]
    assert server.discarded("send_error", "error") == 1


@pytest.mark.parametrize("status", [500, 502, 503, 408])
def test_5xx_and_408_keep_the_envelope_and_resend_it_once(
    server: LoopbackServer, make: object, status: int
) -> None:
    transport = make()  # type: ignore[operator]
    server.script(status)
    transport.capture_envelope(event_envelope(1))
    assert transport.flush(10)  # the flush retries at once; the server now says 200
    assert server.statuses == [status, 200]
    assert ids(server) == [f"{1:032x}"]
    assert server.discarded() == 0


def test_429_limits_only_the_named_category_until_it_expires(
    server: LoopbackServer, make: object, clock: Clock
) -> None:
    transport = make()  # type: ignore[operator]
    server.script(Reply(429, {"X-Sentry-Rate-Limits": "60:error:key:quota"}))
    transport.capture_envelope(event_envelope(1))
    assert transport.flush(10)
    assert transport.rate_limits.active(clock.now) == {"error": 60.0}
    for n in range(2, 6):
        transport.capture_envelope(event_envelope(n))
    transport.capture_envelope(transaction_envelope(6))
    assert transport.flush(10)
    assert ids(server) == []  # the 429'd one was counted by the server, the rest never left
    assert len(server.transactions) == 1
    assert server.discarded("ratelimit_backoff", "error") == 4
    clock.now += 60
    transport.capture_envelope(event_envelope(7))
    assert transport.flush(10)
    assert ids(server) == [f"{7:032x}"]


def test_429_with_retry_after_limits_everything(
    server: LoopbackServer, make: object, clock: Clock
) -> None:
    transport = make()  # type: ignore[operator]
    server.script(Reply(429, {"Retry-After": "30"}))
    transport.capture_envelope(event_envelope(1))
    assert transport.flush(10)
    assert not transport.is_healthy()
    transport.capture_envelope(event_envelope(2))
    transport.capture_envelope(transaction_envelope(3))
    assert transport.flush(10) is True  # nothing left: the items were dropped
    assert len(server.requests) == 1
    assert transport.pending_client_reports() == {
        ("ratelimit_backoff", "error"): 1,
        ("ratelimit_backoff", "transaction"): 1,
        ("ratelimit_backoff", "span"): 3,
    }
    clock.now += 30
    assert transport.is_healthy()
    assert transport.flush(10)  # the report goes out once the limit is over
    assert server.discarded("ratelimit_backoff") == 5


def test_rate_limit_header_on_a_200_is_honoured(
    server: LoopbackServer, make: object, clock: Clock
) -> None:
    transport = make()  # type: ignore[operator]
    server.script(Reply(200, {"X-Sentry-Rate-Limits": "10:attachment:key"}))
    transport.capture_envelope(event_envelope(1))
    assert transport.flush(10)
    envelope = event_envelope(2)
    envelope.add_item(Item(b"data", type="attachment", filename="f.txt"))
    transport.capture_envelope(envelope)
    assert transport.flush(10)
    # Per item: the event went out, its attachment did not.
    assert ids(server) == [f"{1:032x}", f"{2:032x}"]
    assert server.items_of("attachment") == []
    assert server.discarded("ratelimit_backoff", "attachment") == 1


# -- client reports ------------------------------------------------------------------


def test_reports_piggy_back_and_flush_sends_them_alone(
    server: LoopbackServer, make: object
) -> None:
    transport = make()  # type: ignore[operator]
    transport.record_lost_event("before_send", "error")
    transport.record_lost_event("sample_rate", "transaction", quantity=3)
    transport.capture_envelope(event_envelope(1))
    assert transport.flush(10)
    (envelope,) = server.envelopes
    assert [item.type for item in envelope.items] == ["event", "client_report"]
    assert server.discarded("before_send", "error") == 1
    assert server.discarded("sample_rate", "transaction") == 3
    report = server.client_reports[0]
    assert report["timestamp"] == WALL
    transport.record_lost_event("event_processor", item=Item(PayloadRef(json={}), type="event"))
    assert transport.flush(10)
    assert [env.item_types() for env in server.envelopes] == [
        ["event", "client_report"], ["client_report"]]
    assert transport.flush(10)
    assert len(server.requests) == 2  # nothing more to report


def test_send_client_reports_false(server: LoopbackServer, make: object) -> None:
    transport = make(send_client_reports=False)  # type: ignore[operator]
    transport.record_lost_event("before_send", "error")
    transport.capture_envelope(event_envelope(1))
    assert transport.flush(10)
    assert transport.flush(10)
    assert server.client_reports == []
    assert len(server.requests) == 1


def test_flush_callback_does_not_count_the_report(server: LoopbackServer, make: object) -> None:
    transport = make()  # type: ignore[operator]
    server.hang()
    transport.record_lost_event("before_send", "error")
    calls: list[int] = []
    assert transport.flush(0.05, lambda pending, timeout: calls.append(pending)) is False
    assert calls == []  # only a client report was pending
    transport.capture_envelope(event_envelope(1))
    transport.flush(0.05, lambda pending, timeout: calls.append(pending))
    assert calls == [2]  # the report already on its way (hung), and the event


# -- outages -------------------------------------------------------------------------


def test_a_hung_server_never_blocks_the_caller(server: LoopbackServer, make: object) -> None:
    transport = make()  # type: ignore[operator]
    server.hang()
    transport.capture_envelope(event_envelope(0))
    assert server.wait_for_requests(1)  # the worker now sits in a socket read
    for n in range(1, 51):
        transport.capture_envelope(event_envelope(n))  # returns at once: nothing to wait for
    assert transport._worker.pending() == 51
    calls: list[tuple[int, float]] = []
    assert transport.flush(0.5, lambda *args: calls.append(args)) is False
    assert calls == [(51, 0.5)]
    assert len(server.requests) == 1


def test_down_then_up_every_event_arrives_once(
    server: LoopbackServer, make: object, clock: Clock
) -> None:
    transport = make(transport_queue_size=1000)  # type: ignore[operator]
    server.go_down()
    for n in range(30):
        transport.capture_envelope(event_envelope(n))
    assert transport.flush(0.2) is False
    assert len(transport._sender.retention) == 30
    server.come_up()
    clock.now += 3600
    assert transport.flush(10) is True
    assert sorted(ids(server)) == [f"{n:032x}" for n in range(30)]
    assert len(set(ids(server))) == 30
    assert server.discarded() == 0
    # The order survives the outage, and sent_at is the time of the successful send.
    assert ids(server) == [f"{n:032x}" for n in range(30)]


def test_an_outage_longer_than_the_bound_keeps_the_newest_and_counts_the_rest(
    server: LoopbackServer, make: object
) -> None:
    transport = make(transport_queue_size=1000)  # type: ignore[operator]
    server.go_down()
    for n in range(130):
        transport.capture_envelope(event_envelope(n))
    transport.flush(0.2)
    assert len(transport._sender.retention) == 100
    server.come_up()
    assert transport.flush(10) is True
    assert ids(server) == [f"{n:032x}" for n in range(30, 130)]
    assert server.discarded("network_error", "error") == 30


def test_first_failure_backs_off_instead_of_knocking_for_each_envelope(
    server: LoopbackServer, make: object
) -> None:
    transport = make(transport_queue_size=1000)  # type: ignore[operator]
    server.script(503)
    transport.capture_envelope(event_envelope(0))
    assert server.wait_for_requests(1)
    for n in range(1, 20):
        transport.capture_envelope(event_envelope(n))
    assert transport.flush(10)
    # One failed request, then the kept envelopes, each sent exactly once.
    assert server.statuses == [503] + [200] * 20
    assert sorted(ids(server)) == [f"{n:032x}" for n in range(20)]


def test_ten_thousand_captures_against_a_slow_server(server: LoopbackServer, make: object) -> None:
    transport = make(SmallOverflow)  # type: ignore[operator]
    server.slow(0.02)
    payload = "x" * 500
    tracemalloc.start()
    try:
        for n in range(10_000):
            envelope = Envelope(headers={"event_id": f"{n:032x}"})
            envelope.add_event({"event_id": f"{n:032x}", "message": payload})
            transport.capture_envelope(envelope)
        during = len(server.requests)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The caller never waited for the server: it answered only a few while 10,000 went by.
    assert during < 1000
    # bounded by the queue and the overflow lane (1 MiB), not by the number of captures
    assert peak < 8 * 1024 * 1024
    server.behave()
    assert transport.flush(30)
    assert transport.flush(30)  # the last report
    delivered = len(server.events)
    dropped = server.discarded("queue_overflow", "error")
    assert dropped > 0
    assert delivered + dropped == 10_000


def test_kill_stops_everything(server: LoopbackServer, make: object) -> None:
    transport = make()  # type: ignore[operator]
    transport.kill()
    transport.capture_envelope(event_envelope())
    assert transport.flush(1) is True
    assert server.requests == []
    transport.kill()  # twice is fine


def test_close_flushes_then_stops(server: LoopbackServer, make: object) -> None:
    transport = make()  # type: ignore[operator]
    transport.capture_envelope(event_envelope())
    transport.close()
    assert len(server.events) == 1
    assert transport._worker.killed


def test_the_worker_thread_is_recognisable(server: LoopbackServer, make: object) -> None:
    import threading

    transport = make()  # type: ignore[operator]
    transport.capture_envelope(event_envelope())
    assert transport.flush(10)
    names = [t.name for t in threading.enumerate()]
    assert "sentry_lite.HttpTransport" in names


def test_a_resent_envelope_carries_the_time_of_its_last_attempt(server: LoopbackServer) -> None:
    wall = [1_000.0]
    transport = HttpTransport(build_options(server.dsn), wall_clock=lambda: wall[0])
    try:
        server.script(503)
        transport.capture_envelope(event_envelope(1))
        assert server.wait_for_requests(1)
        wall[0] = 2_000.0
        assert transport.flush(10)
    finally:
        transport.kill()
    first, second = server.requests
    assert first.envelope is not None and second.envelope is not None
    assert first.envelope.headers["sent_at"] == rfc3339(1_000.0)
    # The server corrects clock drift with sent_at: it must be the time of this attempt.
    assert second.envelope.headers["sent_at"] == rfc3339(2_000.0)


def test_overflowing_transactions_count_their_spans(server: LoopbackServer, make: object) -> None:
    transport = make(NoOverflow, transport_queue_size=1)  # type: ignore[operator]
    server.hang()
    transport.capture_envelope(event_envelope(0))
    assert server.wait_for_requests(1)
    transport.capture_envelope(event_envelope(1))  # fills the queue
    transport.capture_envelope(transaction_envelope(2))  # two spans plus the root
    assert transport.pending_client_reports() == {
        ("queue_overflow", "transaction"): 1,
        ("queue_overflow", "span"): 3,
    }


def test_flush_from_inside_the_worker_does_not_wait_for_itself(
    server: LoopbackServer, make: object
) -> None:
    transport = make()  # type: ignore[operator]
    results: list[bool] = []
    transport._worker.submit(lambda: results.append(transport.flush(30)))
    assert transport._worker.flush(10)  # True: the inner flush did not sit out its 30 s
    assert results == [False]  # it returned at once; the job running it was still pending


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.DependencyWarning")
def test_a_broken_setup_drops_and_counts_instead_of_retrying_forever(
    server: LoopbackServer, make: object
) -> None:
    # A SOCKS proxy needs PySocks; without it the pool cannot be built.
    try:
        import socks  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("PySocks is installed")
    transport = make(http_proxy="socks5://127.0.0.1:9")  # type: ignore[operator]
    transport.capture_envelope(event_envelope(1))
    assert transport.flush(10) is True  # nothing kept
    assert transport.pending_client_reports() == {("internal_sdk_error", "error"): 1}
    assert server.requests == []
