"""The bounded repr: equal to repr() for small builtins, bounded for everything else."""

from __future__ import annotations

from collections import OrderedDict, deque
from typing import Any

import pytest

from sentry_lite._event.saferepr import LARGE, opaque, repr_cut, safe_repr, type_name


@pytest.mark.parametrize(
    "value",
    [
        0,
        -17,
        1.5,
        float("nan"),
        float("-inf"),
        True,
        None,
        "it's",
        'say "hi"\n',
        b"\x00bytes",
        bytearray(b"ab"),
        [],
        [1, "two", (3,)],
        (1,),
        (),
        {"a": [1, {"b": None}]},
        {1, 2},
        set(),
        frozenset({3}),
        frozenset(),
        {(1, 2): "tuple key"},
    ],
)
def test_small_builtins_render_like_repr(value: Any) -> None:
    assert safe_repr(value) == repr(value)


def test_long_strings_are_sliced_before_repr_and_cut_to_the_limit() -> None:
    text, cut = repr_cut("x" * 10_000_000, 50)
    assert cut and len(text) == 50 and text == "'" + "x" * 46 + "..."


def test_containers_show_ten_items_and_three_levels() -> None:
    assert safe_repr(list(range(100))) == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ...]"
    assert safe_repr({i: i for i in range(11)}).endswith("9: 9, ...}")
    assert safe_repr([[[[["deep"]]]]]) == "[[[[...]]]]"


def test_recursive_containers() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    assert safe_repr(loop) == "[1, [...]]"
    table: dict[str, Any] = {}
    table["self"] = table
    assert safe_repr(table) == "{'self': {...}}"


def test_huge_ints_are_not_converted() -> None:
    assert safe_repr(10**5000) == f"<int with {(10**5000).bit_length()} bits>"
    assert safe_repr(10**50) == repr(10**50)


def test_objects_without_their_own_repr_are_not_called() -> None:
    class Plain:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"looked up {name}")

    value = Plain()
    assert safe_repr(value) == f"<{__name__}.{Plain.__qualname__} object at {id(value):#x}>"


def test_failing_repr_gives_an_opaque_description() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    value = Broken()
    assert safe_repr(value) == opaque(value, " (repr failed)")
    assert "(repr failed)" in safe_repr([value])


def test_repr_returning_a_non_string_is_treated_as_failing() -> None:
    class Weird:
        def __repr__(self) -> Any:
            return 42

    assert safe_repr(Weird()).startswith("<")


def test_large_sized_objects_are_not_handed_to_their_repr() -> None:
    touched: list[int] = []

    class Huge:
        def __len__(self) -> int:
            return 10_000_000

        def __iter__(self) -> Any:
            for i in range(10_000_000):
                touched.append(i)
                yield i

        def __repr__(self) -> str:
            return "Huge(" + ", ".join(map(str, self)) + ")"

    text = safe_repr(Huge())
    assert text == f"<{type_name(Huge())} with 10000000 items: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]>"
    assert len(touched) <= 11


def test_stdlib_containers_with_their_own_repr() -> None:
    assert safe_repr(OrderedDict(a=1)) == repr(OrderedDict(a=1))
    big = deque(range(LARGE + 1))
    assert safe_repr(big).startswith("<collections.deque with 1001 items: [0, 1,")


def test_type_name_leaves_out_builtins() -> None:
    assert type_name(1) == "int"
    assert type_name(OrderedDict()) == "collections.OrderedDict"
