"""serialize_event: the user-filled parts of an event, JSON-safe, bounded and valid."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from test_databag import trees

import sentry_lite
from sentry_lite._event.serializer import serialize_databag, serialize_event
from sentry_lite._options import Options
from sentry_lite.testing import relay_errors

if TYPE_CHECKING:
    from sentry_lite.types import Event


def serialized(event: dict[str, Any], **options: Any) -> Event:
    # what users put in events: often not of the declared shape, on purpose
    out = serialize_event(cast("Event", event), Options(**options))
    json.dumps(out, allow_nan=False)
    return out


def test_tags_are_strings_or_numbers_relay_accepts() -> None:
    event = serialized(
        {"tags": {"n": 1, "f": 0.5, "b": True, "none": None, "empty": "", "obj": object,
                  "lines": "a\nb", "long": "v" * 250, 7: "int key", "huge": 10**30}}
    )  # fmt: skip
    tags = event["tags"]
    assert tags["n"] == 1 and tags["f"] == 0.5 and tags["b"] is True
    assert "none" not in tags and "empty" not in tags
    assert tags["obj"] == "<class 'object'>"
    assert tags["lines"] == "a b"
    assert tags["long"] == "v" * 197 + "..."
    assert tags["7"] == "int key"
    assert tags["huge"] == str(10**30)
    assert event["_meta"]["tags"]["long"] == {"": {"len": 250, "rem": [["!limit", "x", 197, 200]]}}
    assert relay_errors(event) == []


def test_contexts_are_objects() -> None:
    event = serialized({"contexts": {"plain": "text", "none": None, "deep": {"a": [1, 2]}}})
    assert event["contexts"] == {"plain": {"value": "text"}, "deep": {"a": [1, 2]}}


def test_secrets_in_contexts_are_filtered() -> None:
    event = serialized({"contexts": {"db": {"host": "h", "password": "p"}}})
    assert event["contexts"]["db"] == {"host": "h", "password": "[Filtered]"}


def test_request_parts() -> None:
    event = serialized(
        {
            "request": {
                "url": "https://x.invalid/" + "p" * 300,
                "method": "GET",
                "headers": {"Cookie": "a=1", "X-Forwarded-For": "1.2.3.4", "Accept": "*/*"},
                "cookies": "theme=dark; sessionid=abc",
                "env": {"REMOTE_ADDR": "1.2.3.4", "SERVER_NAME": "x"},
                "query_string": "q=1&password=hunter2&flag",
                "data": {"items": list(range(20))},
                "unknown": None,
            }
        },
        max_value_length=100,
    )
    request = event["request"]
    assert len(request["url"]) == 100
    assert request["headers"] == {"Cookie": "[Filtered]", "X-Forwarded-For": "[Filtered]",
                                  "Accept": "*/*"}  # fmt: skip
    assert request["cookies"] == "theme=dark; sessionid=[Filtered]"
    assert request["env"] == {"REMOTE_ADDR": "[Filtered]", "SERVER_NAME": "x"}
    assert request["query_string"] == "q=1&password=[Filtered]&flag"
    assert request["data"] == {"items": list(range(10))}
    assert "unknown" not in request
    meta = event["_meta"]["request"]
    assert meta["query_string"] == {"": {"rem": [["!config", "s"]]}}
    assert meta["data"] == {"items": {"": {"len": 20}}}
    assert relay_errors(event) == []


def test_personal_request_data_is_kept_with_send_default_pii() -> None:
    event = serialized(
        {"request": {"env": {"REMOTE_ADDR": "1.2.3.4"}}, "user": {"ip_address": "1.2.3.4"}},
        send_default_pii=True,
    )
    assert event["request"]["env"] == {"REMOTE_ADDR": "1.2.3.4"}
    assert event["user"] == {"ip_address": "1.2.3.4"}


@pytest.mark.parametrize(
    ("level", "expected"),
    [("warn", "warning"), ("FATAL", "fatal"), ("custom", "custom"), (20, 20), (None, None),
     (1.5, "error")],
)
def test_event_levels_are_normalized(level: Any, expected: Any) -> None:
    # known levels in another spelling are normalized (Relay would read them as "error");
    # other strings and logging numbers go out as given, as the official SDK sends them
    assert serialized({"level": level})["level"] == expected


def test_top_level_text_fields() -> None:
    event = serialized(
        {"message": "m" * 300, "transaction": 42, "fingerprint": ["{{ default }}", 3]},
        max_value_length=50,
    )
    assert event["message"] == "m" * 47 + "..."
    assert event["transaction"] == "42"
    assert event["fingerprint"] == ["{{ default }}", "3"]
    assert event["_meta"]["message"] == {"": {"len": 300, "rem": [["!limit", "x", 47, 50]]}}


def test_a_datetime_timestamp_becomes_epoch_seconds(sentry_events: list[Any]) -> None:
    import datetime

    when = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    sentry_lite.capture_event({"message": "dated", "timestamp": when})
    assert sentry_events[0]["timestamp"] == when.timestamp()


def test_logentry_params_are_a_databag() -> None:
    event = serialized({"logentry": {"message": "%s and %s", "params": [object, {1, 2}]}})
    assert event["logentry"] == {"message": "%s and %s", "params": ["<class 'object'>", [1, 2]]}


def test_existing_meta_is_kept_and_merged() -> None:
    event = serialized(
        {"extra": {"l": list(range(11))},
         "_meta": {"exception": {"values": {"0": {"value": {"": {"len": 5}}}}}}}
    )  # fmt: skip
    assert event["_meta"] == {
        "exception": {"values": {"0": {"value": {"": {"len": 5}}}}},
        "extra": {"l": {"": {"len": 11}}},
    }


def test_header_values_are_primitives_and_pair_lists_stay_lists() -> None:
    event = serialized(
        {"request": {"headers": {"Accept": ["a", "b"], "X-Obj": {"k": 1}},
                     "cookies": [["theme", "dark"], ["sessionid", "s"], "junk"]}}
    )  # fmt: skip
    assert event["request"]["headers"] == {"Accept": "a, b", "X-Obj": "{'k': 1}"}
    assert event["request"]["cookies"] == [["theme", "dark"], ["sessionid", "s"]]
    assert relay_errors(event) == []


def test_serialize_databag_for_other_modules() -> None:
    assert serialize_databag({"a": {1, 2}, "b": float("inf")}) == {"a": [1, 2], "b": "inf"}


def test_hostile_values_anywhere_still_give_a_valid_event(sentry_events: list[Any]) -> None:
    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("repr")

        def __str__(self) -> str:
            raise RuntimeError("str")

    hostile = Hostile()
    sentry_lite.set_tag("hostile", hostile)
    sentry_lite.set_extra("hostile", {"x": hostile, hostile: 1})
    sentry_lite.set_context("hostile", {"x": hostile})
    sentry_lite.set_user({"id": hostile})
    sentry_lite.add_breadcrumb(message=hostile, data={"x": hostile}, category=hostile)
    sentry_lite.capture_message("still sent")
    (event,) = sentry_events
    assert event["message"] == "still sent"
    assert event["extra"]["hostile"]["x"].endswith("(repr failed)>")
    assert relay_errors(event) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees)
def test_any_value_anywhere_gives_an_event_relay_accepts(tree: Any) -> None:
    event = serialized(
        {
            "message": "m",
            "level": "error",
            "extra": {"v": tree},
            "contexts": {"c": {"v": tree}, "other": tree},
            "user": {"id": "1", "data": tree},
            "tags": {"t": tree},
            "request": {"data": tree, "headers": {"h": tree}, "env": {"e": tree}},
            "fingerprint": ["{{ default }}", tree],
        }
    )
    assert relay_errors(event) == []


def test_blank_tag_values_are_left_out_because_relay_rejects_them() -> None:
    event = serialized({"message": "m", "tags": {"blank": " ", "empty": "", "ok": " x"}})
    assert event["tags"] == {"ok": " x"}
    assert relay_errors(event) == []
