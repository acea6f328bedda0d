"""``sentry_lite.serializer.serialize`` and ``AnnotatedValue``, against the official SDK."""

from __future__ import annotations

from typing import Any

import sentry_sdk.serializer as official

import sentry_lite
from sentry_lite import serializer
from sentry_lite._types import AnnotatedValue


class Thing:
    def __repr__(self) -> str:
        return "<a thing>"


def test_serialize_agrees_with_the_official_one_on_plain_data() -> None:
    data = {"a": "text", "b": [1, 2.5, None, True], "c": {"d": Thing()}, "e": (1, 2), "f": {1, 2}}
    assert serializer.serialize(data) == official.serialize(data)


def test_long_strings_are_cut_and_said_so_in_meta() -> None:
    data = {"extra": {"long": "x" * 50}}
    ours = serializer.serialize(data, max_value_length=20)
    theirs = official.serialize(data, max_value_length=20)
    assert ours["extra"] == theirs["extra"]
    assert ours["_meta"]["extra"]["long"][""]["rem"] == [["!limit", "x", 17, 20]]


def test_is_vars_shows_reprs_and_no_meta() -> None:
    data = {"vars": {"n": 1, "s": "t", "o": Thing()}}
    assert serializer.serialize(data, is_vars=True) == official.serialize(data, is_vars=True)


def test_repr_processors_and_custom_repr() -> None:
    def processor(value: Any, hint: dict[str, Any]) -> Any:
        return "<processed>" if isinstance(value, Thing) else NotImplemented

    serializer.add_global_repr_processor(processor)
    try:
        assert serializer.serialize({"x": {"t": Thing()}}) == {"x": {"t": "<processed>"}}
    finally:
        serializer.global_repr_processors.remove(processor)
    out = serializer.serialize({"x": Thing()}, custom_repr=lambda v: "<custom>")
    assert out == {"x": "<custom>"}


def test_memo_sees_cycles() -> None:
    memo, item = serializer.Memo(), object()
    with memo.memoize(item) as seen:
        assert not seen
        with memo.memoize(item) as again:
            assert again
    with memo.memoize(item) as seen:
        assert not seen


def test_an_annotated_value_arrives_as_its_value_with_its_remark(
    sentry_events: list[Any],
) -> None:
    sentry_lite.capture_event(
        {"message": "m", "extra": {"body": AnnotatedValue.removed_because_over_size_limit()}}
    )
    (event,) = sentry_events
    assert event["extra"]["body"] == ""
    assert event["_meta"]["extra"]["body"][""] == {"rem": [["!config", "x"]]}


def test_annotated_value_constructors_match_the_official_ones() -> None:
    from sentry_sdk._types import AnnotatedValue as Official

    for name in ("removed_because_raw_data", "substituted_because_raw_data",
                 "removed_because_over_size_limit", "substituted_because_over_size_limit",
                 "substituted_because_contains_sensitive_data"):  # fmt: skip
        ours, theirs = getattr(AnnotatedValue, name)(), getattr(Official, name)()
        assert (ours.value, ours.metadata) == (theirs.value, theirs.metadata)
    assert AnnotatedValue("ab", {}) == AnnotatedValue("ab", {})
    assert len(AnnotatedValue("ab", {})) == 2
