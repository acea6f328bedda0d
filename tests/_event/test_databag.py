"""Databags: bounded, JSON-safe, never raising, trims recorded in the meta tree."""

from __future__ import annotations

import datetime
import json
import math
import sys
import tracemalloc
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sentry_lite
from sentry_lite._event.databag import (
    BREADTH,
    COLLAPSED_LENGTH,
    MAX_CONTAINERS,
    MAX_DEPTH,
    ROOT_BREADTH,
    Walker,
    merge_meta,
)
from sentry_lite._event.scrubber import EventScrubber

LIMIT = 100


def walk(value: Any, reprs: bool = False, limit: int = LIMIT, **kwargs: Any) -> tuple[Any, Any]:
    return Walker(limit, reprs=reprs, **kwargs).bag(value)


# -- hostile objects --------------------------------------------------------------------


class Boom(Exception):
    pass


class RaisingRepr:
    def __repr__(self) -> str:
        raise Boom("repr")


class RaisingEverything:
    def __repr__(self) -> str:
        raise Boom("repr")

    def __str__(self) -> str:
        raise Boom("str")

    def __getattr__(self, name: str) -> Any:
        raise Boom(name)

    def __len__(self) -> int:
        raise Boom("len")

    def __iter__(self) -> Any:
        raise Boom("iter")


class RaisingSequence(Sequence):  # type: ignore[type-arg]
    def __len__(self) -> int:
        raise Boom("len")

    def __getitem__(self, index: Any) -> Any:
        raise Boom("getitem")

    def __iter__(self) -> Any:
        raise Boom("iter")


class EndlessSequence(Sequence):  # type: ignore[type-arg]
    """Claims a length it does not have and iterates forever."""

    def __len__(self) -> int:
        return 3

    def __getitem__(self, index: Any) -> Any:
        return index

    def __iter__(self) -> Any:
        n = 0
        while True:
            yield n
            n += 1


class RaisingMapping(Mapping):  # type: ignore[type-arg]
    def __getitem__(self, key: Any) -> Any:
        raise Boom("getitem")

    def __iter__(self) -> Any:
        raise Boom("iter")

    def __len__(self) -> int:
        return 5

    def items(self) -> Any:
        raise Boom("items")


class HalfwayMapping(Mapping):  # type: ignore[type-arg]
    """Yields two items, then raises."""

    def __getitem__(self, key: Any) -> Any:
        return key

    def __iter__(self) -> Any:
        yield "a"
        yield "b"
        raise Boom("iter")

    def __len__(self) -> int:
        raise Boom("len")


class BadClassAttribute:
    @property  # type: ignore[misc]  # a __class__ that raises, on purpose
    def __class__(self) -> Any:
        raise Boom("class")


HOSTILE = [
    RaisingRepr,
    RaisingEverything,
    RaisingSequence,
    EndlessSequence,
    RaisingMapping,
    HalfwayMapping,
]

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.just(None).map(lambda _: 10**5000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=300),
    st.binary(max_size=50),
    st.sampled_from(HOSTILE).map(lambda cls: cls()),
    st.datetimes(),
)
hashables = st.one_of(st.integers(), st.text(max_size=20), st.tuples(st.integers()))
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=14),
        st.lists(children, max_size=14).map(tuple),
        st.dictionaries(hashables, children, max_size=14),
        st.frozensets(hashables, max_size=14),
        st.sets(hashables, max_size=14),
    ),
    max_leaves=60,
)


def add_cycles(value: Any, data: st.DataObject) -> Any:
    """Make some containers of ``value`` refer back to the root."""
    root: list[Any] = [value]
    stack = [value]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, list) and data.draw(st.booleans()):
            node.append(root)
        elif isinstance(node, dict) and data.draw(st.booleans()):
            node["cycle"] = root
        if isinstance(node, (list, tuple)):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.values())
    return root


def check_limits(value: Any, depth: int = 0) -> None:
    """Containers only above MAX_DEPTH, at most BREADTH wide (ROOT_BREADTH at the root)."""
    if isinstance(value, str):
        assert len(value) <= LIMIT
        return
    if isinstance(value, (dict, list)):
        assert depth < MAX_DEPTH
        assert len(value) <= (ROOT_BREADTH if depth == 0 else BREADTH)
        children = value.values() if isinstance(value, dict) else value
        for child in children:
            check_limits(child, depth + 1)
        return
    assert value is None or isinstance(value, (bool, int, float))
    if isinstance(value, float):
        assert math.isfinite(value)


def check_meta(meta: Any) -> None:
    assert isinstance(meta, dict)
    for key, child in meta.items():
        assert isinstance(key, str)
        if key == "":
            assert set(child) <= {"len", "rem"}
            if "len" in child:
                assert isinstance(child["len"], int)
        else:
            check_meta(child)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees, reprs=st.booleans(), data=st.data())
def test_any_value_becomes_bounded_json(tree: Any, reprs: bool, data: st.DataObject) -> None:
    value = add_cycles(tree, data) if data.draw(st.booleans()) else tree
    out, meta = walk(value, reprs=reprs)
    json.dumps(out, allow_nan=False)
    check_limits(out)
    if meta is not None:
        json.dumps(meta, allow_nan=False)
        check_meta(meta)


@settings(max_examples=100, deadline=None)
@given(tree=trees)
def test_scrubbing_walk_is_as_safe(tree: Any) -> None:
    policy = EventScrubber(recursive=True).policy
    out, _ = walk({"password": tree, "data": tree}, policy=policy)
    assert out["password"] == "[Filtered]"
    json.dumps(out, allow_nan=False)
    check_limits(out)


# -- specific rules -------------------------------------------------------------------


def test_plain_values_stay_as_they_are() -> None:
    value = {"a": 1, "b": [True, None, 1.5, "x"], "c": {"d": "e"}}
    assert walk(value) == (value, None)


def test_frame_locals_mode_reprs_every_leaf() -> None:
    out, meta = walk({"n": 1, "s": "x", "l": [1, "y"], "f": 0.5, "none": None}, reprs=True)
    assert out == {"n": "1", "s": "'x'", "l": ["1", "'y'"], "f": "0.5", "none": "None"}
    assert meta is None


def test_depth_is_bounded_and_recorded() -> None:
    # the root is level 0 (as ``extra`` is in an event): containers at level 5 collapse
    value = {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}
    out, meta = walk(value)
    assert out == {"a": {"b": {"c": {"d": {"e": "{'f': 1}"}}}}}
    assert meta == {"a": {"b": {"c": {"d": {"e": {"": {"rem": [["!limit", "x"]]}}}}}}}


def test_breadth_is_bounded_and_the_length_recorded() -> None:
    out, meta = walk({"items": list(range(30)), "keys": {str(i): i for i in range(12)}})
    assert out["items"] == list(range(10))
    assert list(out["keys"]) == [str(i) for i in range(10)]
    assert meta == {"items": {"": {"len": 30}}, "keys": {"": {"len": 12}}}


def test_the_root_is_wider() -> None:
    out, meta = walk({f"k{i}": i for i in range(60)})
    assert len(out) == ROOT_BREADTH and meta == {"": {"len": 60}}


def test_long_strings_are_cut_with_their_length_recorded() -> None:
    out, meta = walk({"s": "y" * 250})
    assert out == {"s": "y" * (LIMIT - 3) + "..."}
    assert meta == {"s": {"": {"len": 250, "rem": [["!limit", "x", LIMIT - 3, LIMIT]]}}}


def test_long_reprs_are_cut() -> None:
    out, meta = walk({"s": "y" * 250}, reprs=True)
    assert out == {"s": "'" + "y" * (LIMIT - 4) + "..."}
    assert meta == {"s": {"": {"rem": [["!limit", "x", LIMIT - 3, LIMIT]]}}}


def test_cutting_twice_changes_nothing() -> None:
    once, _ = walk({"s": "y" * 250, "l": list(range(30))})
    assert walk(once) == (once, None)


def test_cycles() -> None:
    loop: dict[str, Any] = {"name": "loop"}
    loop["self"] = loop
    out, _ = walk(loop)
    assert out == {"name": "loop", "self": "<cyclic>"}


def test_shared_but_acyclic_values_are_shown_each_time() -> None:
    shared = [1]
    assert walk({"a": shared, "b": shared})[0] == {"a": [1], "b": [1]}


def test_special_values() -> None:
    out, _ = walk(
        {
            "nan": float("nan"),
            "inf": float("inf"),
            "bytes": b"\xff",
            "set": {3},
            "frozen": frozenset({"f"}),
            "tuple": (1, 2),
            "when": datetime.datetime(2024, 5, 6, 7, 8, 9),
            "key types": {1: "int", (1, 2): "tuple", None: "none"},
        }
    )
    assert out == {
        "nan": "nan",
        "inf": "inf",
        "bytes": "b'\\xff'",
        "set": [3],
        "frozen": ["f"],
        "tuple": [1, 2],
        "when": "2024-05-06T07:08:09",
        "key types": {"1": "int", "(1, 2)": "tuple", "None": "none"},
    }


def test_keys_are_their_str_as_in_the_official_sdk() -> None:
    import enum

    class Color(str, enum.Enum):
        RED = "red"

    class Header(str):  # a case-insensitive header name (multidict's istr)
        pass

    class RaisingStr:
        def __str__(self) -> str:
            raise RuntimeError("no")

    hostile = RaisingStr()
    out, _ = walk({Header("host"): 1, Color.RED: 2, Header("x" * 300): 3, hostile: 4})
    assert list(out)[:2] == ["host", str(Color.RED)]
    assert len(list(out)[2]) <= 200 and list(out)[2].endswith("...")
    assert list(out)[3].startswith("<")  # str() failed: a description instead
    json.dumps(out)


def test_hostile_objects_become_descriptions() -> None:
    out, _ = walk({cls.__name__: cls() for cls in [*HOSTILE, BadClassAttribute]})
    assert out["RaisingRepr"].endswith("(repr failed)>")
    assert out["RaisingSequence"].startswith(f"<{__name__}.RaisingSequence object at 0x")
    assert out["EndlessSequence"] == list(range(BREADTH))
    assert out["HalfwayMapping"].startswith("<")
    json.dumps(out)


def test_custom_repr_is_asked_first_for_other_objects() -> None:
    class Money:
        def __init__(self, cents: int) -> None:
            self.cents = cents

    def custom(value: Any) -> str | None:
        return f"{value.cents / 100:.2f} EUR" if isinstance(value, Money) else None

    out, _ = walk({"price": Money(1999), "n": 1, "other": RaisingRepr()}, custom_repr=custom)
    assert out["price"] == "19.99 EUR" and out["n"] == 1
    assert out["other"].endswith("(repr failed)>")


def test_a_raising_custom_repr_is_ignored() -> None:
    def custom(value: Any) -> str:
        raise Boom("custom")

    assert walk({"v": 1.5j}, custom_repr=custom)[0] == {"v": "1.5j"}


def test_the_number_of_containers_is_bounded() -> None:
    # ten-wide, five-deep: 11,111 containers without a budget
    def tree(depth: int) -> Any:
        return [tree(depth - 1) for _ in range(10)] if depth else 0

    out, meta = walk(tree(5))
    containers = 0
    stack = [out]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            containers += 1
            stack.extend(node)
    assert containers == MAX_CONTAINERS
    json.dumps(meta)


def test_collapsed_containers_are_short() -> None:
    deep = {"a": {"b": {"c": {"d": {"e": ["x" * 500] * 50}}}}}
    out, _ = walk(deep, limit=100_000)
    assert len(out["a"]["b"]["c"]["d"]) <= COLLAPSED_LENGTH


def test_merge_meta_grafts_and_merges() -> None:
    root: dict[str, Any] = {"extra": {"a": {"": {"len": 3}}}}
    merge_meta(root, ("extra",), {"b": {"": {"len": 4}}})
    merge_meta(root, ("extra", "a"), {"0": {"": {"len": 5}}})
    merge_meta(root, ("user",), None)
    assert root == {
        "extra": {"a": {"": {"len": 3}, "0": {"": {"len": 5}}}, "b": {"": {"len": 4}}}
    }


# -- huge values: only the bounded part is touched --------------------------------------


class Counted(Sequence):  # type: ignore[type-arg]
    """Ten million items, counting every access; its repr would walk all of them."""

    def __init__(self) -> None:
        self.accesses = 0

    def __len__(self) -> int:
        return 10_000_000

    def __getitem__(self, index: Any) -> Any:
        self.accesses += 1
        if isinstance(index, slice):
            raise AssertionError("sliced whole")
        return index

    def __iter__(self) -> Any:
        for i in range(10_000_000):
            self.accesses += 1
            yield i

    def __repr__(self) -> str:
        return "Counted([" + ", ".join(repr(x) for x in self) + "])"


class SlowRepr:
    """Sized but no sequence: a repr that would take seconds (counted, never timed)."""

    def __init__(self) -> None:
        self.accesses = 0

    def __len__(self) -> int:
        return 50_000_000

    def __iter__(self) -> Any:
        for i in range(50_000_000):
            self.accesses += 1
            yield i

    def __repr__(self) -> str:
        return "<" + ",".join(str(x) for x in self) + ">"


def test_a_huge_sequence_is_read_only_as_far_as_the_breadth() -> None:
    value = Counted()
    out, meta = walk({"v": value}, reprs=True)
    assert out["v"] == [repr(i) for i in range(BREADTH)]
    assert meta == {"v": {"": {"len": 10_000_000}}}
    assert value.accesses <= BREADTH + 1


def test_a_huge_object_is_not_repred_whole() -> None:
    value = SlowRepr()
    out, _ = walk({"v": value}, reprs=True, limit=100_000)
    assert out["v"].startswith(f"<{__name__}.SlowRepr with 50000000 items: [0, 1, 2")
    assert value.accesses <= BREADTH + 1


def test_capture_with_huge_locals_stays_small(sentry_events: list[Any]) -> None:
    counted, slow = Counted(), SlowRepr()

    def crash(big: list[int], text: str, counted: Counted, slow: SlowRepr) -> None:
        raise ValueError("with huge locals")

    big = list(range(10_000_000))
    text = "z" * 10_000_000
    tracemalloc.start()
    try:
        crash(big, text, counted, slow)
    except ValueError:
        sentry_lite.capture_exception()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # a copy or a repr of the list alone would take tens of megabytes
    assert peak < 3_000_000
    # two frames hold each of them (this test and crash)
    assert counted.accesses <= 2 * (BREADTH + 1) and slow.accesses <= 2 * (BREADTH + 1)
    frame = sentry_events[0]["exception"]["values"][0]["stacktrace"]["frames"][-1]
    assert frame["vars"]["big"] == [str(i) for i in range(BREADTH)]
    assert len(frame["vars"]["text"]) == 100_000  # the default max_value_length
    meta = sentry_events[0]["_meta"]["exception"]["values"]["0"]["stacktrace"]["frames"]
    assert meta[str(len(sentry_events[0]["exception"]["values"][0]["stacktrace"]["frames"]) - 1)][
        "vars"
    ]["big"] == {"": {"len": 10_000_000}}


@pytest.mark.skipif(sys.version_info < (3, 13), reason="FrameLocalsProxy is new in 3.13")
def test_frame_locals_proxy_is_a_mapping() -> None:
    def grab() -> Any:
        a = 1  # noqa: F841
        return sys._getframe().f_locals

    assert walk(grab(), reprs=True)[0] == {"a": "1"}
