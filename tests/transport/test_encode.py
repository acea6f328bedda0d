"""Request bodies: one JSON encoding per item, gzip, and the compact form spliced in."""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from typing import TYPE_CHECKING, Any, cast

from hypothesis import given
from hypothesis import strategies as st

from sentry_lite.envelope import DATA_CATEGORIES, Envelope, Item, PayloadRef, json_dumps
from sentry_lite.transport._encode import (
    FINAL_BLOCK,
    BodyEncoder,
    PackedPayload,
    Packer,
    crc32_combine,
    header_line,
    is_packed,
    item_header,
    payload_size,
    stored_blocks,
)

if TYPE_CHECKING:
    from sentry_lite.types import Event

SENT_AT = "2024-05-09T07:35:25.123456Z"
DSN = "http://public@127.0.0.1:9/1"


def event_envelope(n: int = 0, **extra: Any) -> Envelope:
    envelope = Envelope(headers={"event_id": f"{n:032x}", "dsn": DSN, "trace": {"t": n}})
    envelope.add_event(cast("Event", {"event_id": f"{n:032x}", "message": f"event {n} é", **extra}))
    return envelope


def expected(envelope: Envelope) -> bytes:
    """What the body must hold: the envelope as ``Envelope.serialize`` writes it, with
    ``sent_at`` and without our own ``dsn``."""
    copy = Envelope(headers=dict(envelope.headers), items=envelope.items)
    if copy.headers.get("dsn") == DSN:
        del copy.headers["dsn"]
    copy.headers["sent_at"] = SENT_AT
    return copy.serialize()


def test_item_header_by_hand_is_the_json_one() -> None:
    for kind in DATA_CATEGORIES:
        headers = {"type": kind, "content_type": "application/json"}
        line = item_header(headers, 42)
        assert line.endswith(b"\n")
        assert json.loads(line) == {**headers, "length": 42}
    odd = {"type": "attachment", "content_type": 'text/"plain"', "filename": "a\nb.txt"}
    assert json.loads(item_header(odd, 3)) == {**odd, "length": 3}
    assert json.loads(item_header({"type": 'ev"il', "content_type": "application/json"}, 1)) == {
        "type": 'ev"il', "content_type": "application/json", "length": 1}


def test_header_line_sets_sent_at_and_drops_only_our_own_dsn() -> None:
    headers = {"event_id": "e", "dsn": DSN}
    assert json.loads(header_line(headers, SENT_AT, DSN)) == {"event_id": "e", "sent_at": SENT_AT}
    other = {"event_id": "e", "dsn": "http://k@elsewhere/2"}
    assert json.loads(header_line(other, SENT_AT, DSN))["dsn"] == "http://k@elsewhere/2"
    assert headers == {"event_id": "e", "dsn": DSN}  # the envelope itself is left alone


def test_body_is_the_serialized_envelope_gzipped() -> None:
    envelope = event_envelope(1)
    envelope.add_item(Item(b"\x00bin\n", type="attachment", filename="a.bin"))
    body = BodyEncoder(6, DSN).body(envelope, SENT_AT)
    assert body[:2] == b"\x1f\x8b"
    assert gzip.decompress(body) == expected(envelope)


def test_level_zero_sends_plain_bytes() -> None:
    envelope = event_envelope(2)
    assert BodyEncoder(0, DSN).body(envelope, SENT_AT) == expected(envelope)


def test_each_payload_is_encoded_once() -> None:
    calls: list[int] = []

    class Counted(dict[str, Any]):
        def items(self) -> Any:  # json.dumps walks a dict subclass through items()
            calls.append(1)
            return super().items()

    envelope = Envelope(headers={"event_id": "e"})
    envelope.add_item(Item(PayloadRef(json=Counted(message="m")), type="event"))
    encoder = BodyEncoder(6, None)
    encoder.body(envelope, SENT_AT)
    encoder.body(envelope, SENT_AT)  # a retry
    assert calls == [1]


def test_packed_payload_round_trip() -> None:
    envelope = event_envelope(3, level="error")
    original = envelope.items[0].payload.bytes
    packed, size = Packer().pack(envelope)
    assert packed is envelope and is_packed(envelope)
    payload = envelope.items[0].payload
    assert isinstance(payload, PackedPayload)
    assert size == payload.size == payload_size(payload) == len(payload.deflated)
    assert payload.bytes == original
    assert payload.json["level"] == "error"
    assert envelope.items[0].type == "event" and envelope.items[0].data_category == "error"


def test_packing_twice_changes_nothing() -> None:
    envelope = event_envelope(4)
    packer = Packer()
    _, first = packer.pack(envelope)
    payload = envelope.items[0].payload
    _, second = packer.pack(envelope)
    assert envelope.items[0].payload is payload and first == second


def test_spliced_body_with_plain_items_around_packed_ones() -> None:
    envelope = event_envelope(5)
    envelope.add_item(Item(b"attached", type="attachment", filename="f.txt"))
    Packer().pack(envelope)
    # a plain item before and after the packed ones (a report added at send time...)
    envelope.items.insert(0, Item(PayloadRef(json={"first": True}), type="session"))
    envelope.add_client_report({"timestamp": 1.0, "discarded_events": []})
    encoder = BodyEncoder(6, DSN)
    for _ in range(2):  # the encoder's reused deflate state starts clean each time
        body = encoder.body(envelope, SENT_AT)
        assert gzip.decompress(body) == expected(envelope)  # gzip checks CRC and size
        assert zlib.decompress(body, 31) == expected(envelope)
    decoded = Envelope.deserialize(gzip.decompress(body))
    assert decoded.item_types() == ["session", "event", "attachment", "client_report"]
    assert decoded.items[1].payload.json["message"] == "event 5 é"


def test_packer_shared_by_threads_never_mixes_items() -> None:
    packer = Packer()
    encoder = BodyEncoder(6, DSN)
    results: list[tuple[Envelope, bytes]] = []
    lock = threading.Lock()

    def work(base: int) -> None:
        for n in range(base, base + 50):
            envelope = event_envelope(n, data="x" * (n % 7) * 100)
            want = expected(envelope)
            packer.pack(envelope)
            with lock:
                results.append((envelope, want))

    threads = [threading.Thread(target=work, args=(k * 1000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 200
    for envelope, want in results:
        assert gzip.decompress(encoder.body(envelope, SENT_AT)) == want


@given(st.binary(max_size=300), st.binary(max_size=3000))
def test_crc32_combine(a: bytes, b: bytes) -> None:
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=20,
)


@given(st.lists(st.tuples(st.sampled_from(["event", "transaction", "attachment", "log"]),
                          JSONISH, st.booleans()), min_size=1, max_size=5))
def test_any_mix_of_packed_and_plain_items_decodes_to_the_envelope(
    items: list[tuple[str, Any, bool]],
) -> None:
    envelope = Envelope(headers={"event_id": "e"})
    packer = Packer()
    for kind, value, pack in items:
        if kind == "attachment":
            item = Item(json_dumps(value), type=kind, filename="v.json")
        else:
            item = Item(PayloadRef(json=value), type=kind)
        if pack:
            packer.pack(Envelope(items=[item]))
        envelope.add_item(item)
    assert gzip.decompress(BodyEncoder(6, None).body(envelope, SENT_AT)) == expected(envelope)


@given(st.binary(max_size=70_000))
def test_bodies_of_every_size_decode_to_the_envelope(blob: bytes) -> None:
    # the compression window is chosen from the body's size: any size must round-trip
    envelope = Envelope(headers={"event_id": "a" * 32})
    envelope.add_item(Item(blob, type="attachment", filename="f.bin"))
    body = BodyEncoder().body(envelope, "2026-01-01T00:00:00Z")
    assert Envelope.deserialize(gzip.decompress(body)).items[0].payload.bytes == blob


def test_a_packed_body_stores_its_header_line_and_needs_no_compression_in_the_worker() -> None:
    envelope = event_envelope(7)
    Packer().pack(envelope)
    body = BodyEncoder(5, DSN).body(envelope, SENT_AT)
    assert gzip.decompress(body) == expected(envelope)
    # the header line is in the body as it is: a stored block, not a deflated one
    assert header_line(envelope.headers, SENT_AT, DSN) in body


def test_stored_blocks_of_any_size_decode_to_their_data() -> None:
    for size in (0, 1, 0xFFFF, 0xFFFF + 1, 3 * 0xFFFF + 7):
        data = bytes(range(256)) * (size // 256) + bytes(size % 256)
        stream = stored_blocks(data) + FINAL_BLOCK
        assert zlib.decompress(stream, -15) == data
