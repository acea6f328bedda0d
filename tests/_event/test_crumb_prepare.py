"""prepare_breadcrumb: protocol-shaped, bounded, scrubbed, once, in place."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from test_databag import trees

import sentry_lite
from sentry_lite._event.breadcrumbs import breadcrumbs_meta, prepare_breadcrumb
from sentry_lite._options import Options
from sentry_lite.testing import relay_errors

if TYPE_CHECKING:
    from sentry_lite.types import Breadcrumb


def prepared(crumb: dict[str, Any] | Breadcrumb, **options: Any) -> Breadcrumb:
    # what users pass: often not of the declared shape, on purpose
    typed = cast("Breadcrumb", crumb)
    result = prepare_breadcrumb(typed, Options(**options))
    assert result is typed
    return typed


def test_unknown_top_level_keys_move_into_data() -> None:
    crumb = prepared({"message": "m", "config_source": "env", "data": {"a": 1}, "timestamp": 1.0})
    assert crumb == {
        "message": "m",
        "data": {"config_source": "env", "a": 1},
        "timestamp": 1.0,
        "type": "default",
    }


def test_unknown_keys_make_data_when_there_is_none() -> None:
    crumb = prepared({"message": "m", "attempt": 3, "timestamp": 1.0})
    assert crumb["data"] == {"attempt": 3}


def test_a_data_key_wins_over_a_moved_key() -> None:
    crumb = prepared({"message": "m", "a": "top", "data": {"a": "data"}})
    assert crumb["data"] == {"a": "data"}


def test_data_that_is_not_a_dict_is_wrapped() -> None:
    assert prepared({"data": [1, 2]})["data"] == {"value": [1, 2]}
    assert prepared({"data": "text", "x": 1})["data"] == {"x": 1, "data": "text"}


@pytest.mark.parametrize(
    ("given", "level"),
    [("warn", "warning"), ("WARNING", "warning"), ("critical", "critical"), ("nonsense", "info"),
     (40, "info"), ("exception", "error")],
)  # fmt: skip
def test_levels_are_ones_sentry_knows(given: Any, level: str) -> None:
    assert prepared({"level": given})["level"] == level


@pytest.mark.parametrize(
    ("given", "expected"),
    [(5, 5.0), (1.5, 1.5), ("1700000000.5", 1700000000.5)],
)  # fmt: skip
def test_timestamps_become_epoch_seconds(given: Any, expected: float) -> None:
    assert prepared({"timestamp": given})["timestamp"] == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [("2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000000Z"),
     ("2024-01-02T05:04:05.25+02:00", "2024-01-02T03:04:05.250000Z"),
     ("2024-01-02", "2024-01-02T00:00:00.000000Z")],
)  # fmt: skip
def test_iso_timestamps_go_out_in_rfc3339_as_the_official_sdk_sends_them(
    given: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setenv("TZ", "UTC")  # a naive time is local time, as Python reads it
    time.tzset()
    try:
        assert prepared({"timestamp": given})["timestamp"] == expected
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.parametrize("junk", ["yesterday", -5, float("nan"), 10**40, [1], None])
def test_timestamps_sentry_cannot_read_become_now(junk: Any) -> None:
    import time

    before = time.time()
    assert before <= prepared({"timestamp": junk})["timestamp"] <= time.time()


def test_text_fields_become_strings() -> None:
    crumb = prepared({"message": 42, "category": ("a", "b"), "type": None})
    assert crumb == {"message": "42", "category": "('a', 'b')", "type": None}


def test_data_is_bounded_scrubbed_and_json_safe() -> None:
    loop: list[Any] = []
    loop.append(loop)
    crumb = prepared({"data": {"password": "p", "items": list(range(20)), "loop": loop}})
    assert crumb["data"] == {
        "password": "[Filtered]",
        "items": list(range(10)),
        "loop": ["<cyclic>"],
    }
    assert breadcrumbs_meta([crumb]) == {
        "0": {"data": {"password": {"": {"rem": [["!config", "s"]]}}, "items": {"": {"len": 20}}}}
    }


def test_long_messages_are_cut() -> None:
    crumb = prepared({"message": "m" * 300}, max_value_length=50)
    assert crumb["message"] == "m" * 47 + "..."
    assert breadcrumbs_meta([crumb]) == {
        "0": {"message": {"": {"len": 300, "rem": [["!limit", "x", 47, 50]]}}}
    }


def test_preparing_twice_changes_nothing_more() -> None:
    crumb = prepared({"message": "m", "extra_key": 1, "data": {"token": "t", "l": list(range(20))}})
    once = copy.deepcopy(crumb)
    meta = copy.deepcopy(breadcrumbs_meta([crumb]))
    prepared(crumb)
    assert crumb == once
    assert breadcrumbs_meta([crumb]) == meta


def test_the_meta_follows_the_crumb_to_its_position_in_each_event(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    sentry_init(max_breadcrumbs=3)
    sentry_lite.add_breadcrumb(message="trimmed", data={"l": list(range(20))})
    sentry_lite.capture_message("first")
    sentry_lite.add_breadcrumb(message="plain")
    sentry_lite.add_breadcrumb(message="plain")
    sentry_lite.capture_message("second")
    sentry_lite.add_breadcrumb(message="plain")
    sentry_lite.capture_message("third")
    metas = [e.get("_meta", {}).get("breadcrumbs") for e in sentry_events]
    trimmed = {"data": {"l": {"": {"len": 20}}}}
    assert metas == [{"values": {"0": trimmed}}, {"values": {"0": trimmed}}, None]


def test_the_official_shape_of_add_breadcrumb_passes_relay(sentry_events: list[Any]) -> None:
    sentry_lite.add_breadcrumb(message="config loaded", category="config", config_source="env")
    # not of the declared shape, on purpose: the official SDK takes it
    sentry_lite.add_breadcrumb({"message": 7, "level": "warn", "custom": {"deep": [1]}})  # type: ignore[arg-type]
    sentry_lite.capture_message("x")
    (event,) = sentry_events
    assert relay_errors(event) == []
    first, second = event["breadcrumbs"]["values"]
    assert first["data"] == {"config_source": "env"}
    assert second["message"] == "7" and second["level"] == "warning"
    assert second["data"] == {"custom": {"deep": [1]}}


def test_an_events_own_breadcrumbs_are_prepared_too(sentry_events: list[Any]) -> None:
    own = [{"message": "m", "odd": 1, "timestamp": 2.0}]
    sentry_lite.capture_event({"message": "own", "breadcrumbs": {"values": own}})  # type: ignore[dict-item]  # an unknown key, on purpose
    assert sentry_events[0]["breadcrumbs"]["values"] == [
        {"message": "m", "data": {"odd": 1}, "timestamp": 2.0, "type": "default"}
    ]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message=trees, category=trees, level=trees, data=trees, extra=trees, when=trees)
def test_any_breadcrumb_becomes_one_relay_accepts(
    message: Any, category: Any, level: Any, data: Any, extra: Any, when: Any
) -> None:
    crumb = prepared(
        {"message": message, "category": category, "level": level, "data": data,
         "weird key": extra, "timestamp": when}
    )  # fmt: skip
    event = {"event_id": "a" * 32, "timestamp": 1.0, "breadcrumbs": {"values": [crumb]}}
    assert relay_errors(event) == []  # type: ignore[arg-type]
