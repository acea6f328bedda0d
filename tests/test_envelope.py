"""Envelopes: bytes in, bytes out; round trips, lengths, attachments, interop."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sentry_lite.envelope import DATA_CATEGORIES, Envelope, Item, PayloadRef, json_dumps

EVENT_ID = "9ec79c33ec9942ab8353589fcb2e04dc"


def _full_envelope() -> Envelope:
    envelope = Envelope(headers={"event_id": EVENT_ID, "sent_at": "2024-01-01T00:00:00.000000Z"})
    envelope.add_event({"event_id": EVENT_ID, "message": "héllo ✓"})
    envelope.add_item(Item(b"line 1\nline 2\n", type="attachment", filename="log.txt",
                           content_type="text/plain"))
    envelope.add_transaction({"type": "transaction", "transaction": "/x"})
    envelope.add_session({"sid": "s", "status": "ok"})
    envelope.add_sessions({"aggregates": []})
    envelope.add_checkin({"check_in_id": "c", "status": "ok"})
    envelope.add_client_report({"timestamp": 1.0, "discarded_events": []})
    envelope.add_item(Item(PayloadRef(json={"items": []}), type="log"))
    return envelope


def test_exact_bytes() -> None:
    envelope = Envelope(headers={"event_id": EVENT_ID})
    envelope.add_event({"message": "hi"})
    envelope.add_item(Item(b"\x00\x01", type="attachment", filename="a.bin"))
    assert envelope.serialize() == (
        b'{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n'
        b'{"type":"event","content_type":"application/json","length":16}\n'
        b'{"message":"hi"}\n'
        b'{"type":"attachment","content_type":"application/octet-stream",'
        b'"filename":"a.bin","length":2}\n'
        b"\x00\x01\n"
    )


def test_round_trip_of_every_item_type() -> None:
    original = _full_envelope()
    decoded = Envelope.deserialize(original.serialize())
    assert decoded.headers == original.headers
    assert decoded.item_types() == [
        "event", "attachment", "transaction", "session", "sessions", "check_in",
        "client_report", "log",
    ]
    for before, after in zip(original.items, decoded.items, strict=True):
        assert after.payload.bytes == before.payload.bytes
        assert after.headers == {**before.headers, "length": len(before.payload.bytes)}
    assert decoded.get_event() == {"event_id": EVENT_ID, "message": "héllo ✓"}
    assert decoded.get_transaction_event() == {"type": "transaction", "transaction": "/x"}
    assert decoded.items[1].payload.bytes == b"line 1\nline 2\n"


def test_length_counts_bytes_not_characters() -> None:
    item = Item(PayloadRef(json={"m": "✓✓"}), type="event")
    header = json.loads(item.serialize().split(b"\n")[0])
    assert header["length"] == len('{"m":"✓✓"}'.encode()) == 14


def test_items_without_length_are_read_to_the_end_of_line() -> None:
    data = (
        b'{"event_id":"' + EVENT_ID.encode() + b'"}\n'
        b'{"type":"event"}\n{"message":"a"}\n'
        b'{"type":"attachment"}\nraw text\n'
    )
    decoded = Envelope.deserialize(data)
    assert decoded.get_event() == {"message": "a"}
    assert decoded.items[1].payload.bytes == b"raw text"


def test_last_payload_without_trailing_newline_and_blank_lines() -> None:
    data = b'{}\n\n{"type":"attachment","length":3}\nabc'
    decoded = Envelope.deserialize(data)
    assert [item.payload.bytes for item in decoded.items] == [b"abc"]


def test_empty_envelopes() -> None:
    assert Envelope().serialize() == b"{}\n"
    decoded = Envelope.deserialize(b"{}\n")
    assert decoded.headers == {} and decoded.items == []
    assert Envelope.deserialize(b"").items == []


def test_item_helpers() -> None:
    envelope = _full_envelope()
    assert [item.data_category for item in envelope.items] == [
        "error", "attachment", "transaction", "session", "session", "monitor", "internal",
        "log_item",
    ]
    assert Item(b"", type="mystery").data_category == "default"
    assert envelope.description == (
        "envelope with 8 items (event, attachment, transaction, session, sessions, check_in, "
        "client_report, log)"
    )
    assert list(envelope) == envelope.items
    assert envelope.items[0].get_transaction_event() is None
    assert envelope.items[1].get_event() is None
    assert Item("text", type="attachment").get_bytes() == b"text"
    assert PayloadRef(bytes=b"not json").json is None
    assert DATA_CATEGORIES["check_in"] == "monitor"


def test_json_dumps_never_fails() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    out = json.loads(json_dumps({"s": {1}, "b": b"\xffok", "t": (1, 2), "x": Broken()}))
    assert out == {"s": [1], "b": "\ufffdok", "t": [1, 2], "x": "<unrepresentable>"}


def test_lone_surrogates_still_give_valid_utf8() -> None:
    # e.g. a file name decoded with surrogateescape
    data = json_dumps({"path": "/tmp/caf\udce9"})
    assert json.loads(data.decode("utf-8"))["path"].startswith("/tmp/caf")


def test_interop_with_the_official_sdk() -> None:
    from sentry_sdk.envelope import Envelope as OfficialEnvelope

    ours = _full_envelope().serialize()
    theirs = OfficialEnvelope.deserialize(ours)
    assert [item.type for item in theirs.items] == _full_envelope().item_types()
    assert theirs.get_event() == {"event_id": EVENT_ID, "message": "héllo ✓"}
    back = Envelope.deserialize(theirs.serialize())
    assert [i.payload.json for i in back.items] == [i.payload.json for i in _full_envelope().items]
    assert back.items[1].payload.bytes == b"line 1\nline 2\n"


@given(
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    st.lists(st.tuples(st.sampled_from(["attachment", "event", "x"]), st.binary(max_size=50)),
             max_size=5),
)
def test_round_trip_of_arbitrary_payloads(headers: dict[str, str], items: list) -> None:  # type: ignore[type-arg]
    envelope = Envelope(headers=headers)
    for item_type, body in items:
        payload = PayloadRef(json={"b": body.hex()}) if item_type == "event" else PayloadRef(
            bytes=body)
        envelope.add_item(Item(payload, type=item_type))
    decoded = Envelope.deserialize(envelope.serialize())
    assert decoded.headers == headers
    assert [i.payload.bytes for i in decoded.items] == [i.payload.bytes for i in envelope.items]


def test_official_names_of_the_envelope_module(tmp_path: Any) -> None:
    from sentry_lite import envelope

    path = tmp_path / "dump.bin"
    path.write_bytes(b"\x00raw")
    item = envelope.Item(envelope.PayloadRef(path=str(path)), type="attachment")
    box = envelope.Envelope()
    box.add_item(item)
    box.add_profile({"p": 1})
    box.add_profile_chunk({"c": 1})
    decoded = Envelope.deserialize(bytes=box.serialize())
    assert [i.type for i in decoded] == ["attachment", "profile", "profile_chunk"]
    assert decoded.items[0].payload.bytes == b"\x00raw"
    assert envelope.parse_json(b'{"a": 1}') == {"a": 1}
    assert envelope.capture_internal_exceptions is not None
