"""exception.values: what capture_exception accepts, chains, groups, notes, errno."""

from __future__ import annotations

import builtins
import sys
from typing import TYPE_CHECKING, Any

import pytest

import sentry_lite
from sentry_lite._event.exceptions import (
    MAX_EXCEPTIONS,
    event_from_exception,
    exc_info_from_error,
)
from sentry_lite._options import Options

if TYPE_CHECKING:
    from sentry_lite.types import Mechanism

GROUPS = sys.version_info >= (3, 11)
needs_groups = pytest.mark.skipif(not GROUPS, reason="exception groups are new in 3.11")


def raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


def values_of(exc: BaseException, **options: Any) -> list[dict[str, Any]]:
    event, hint = event_from_exception((type(exc), exc, exc.__traceback__), Options(**options))
    assert hint["exc_info"][1] is exc
    values: list[dict[str, Any]] = event["exception"]["values"]
    return values


# -- what capture_exception accepts ----------------------------------------------------


def test_exc_info_from_an_exception_a_triple_a_class_or_the_current_one() -> None:
    exc = raised(ValueError("v"))
    assert exc_info_from_error(exc) == (ValueError, exc, exc.__traceback__)
    assert exc_info_from_error((ValueError, exc, None)) == (ValueError, exc, None)
    cls, value, tb = exc_info_from_error(KeyError)  # type: ignore[misc]
    assert cls is KeyError and isinstance(value, KeyError) and tb is None
    cls, value, tb = exc_info_from_error((TypeError, None, None))  # type: ignore[misc]
    assert cls is TypeError and isinstance(value, TypeError)
    assert exc_info_from_error(None) is None  # nothing is being handled
    try:
        raise OSError("now")
    except OSError as current:
        assert exc_info_from_error(None) == (OSError, current, current.__traceback__)


@pytest.mark.parametrize("junk", ["text", 42, (1, 2), (None, None, None), (int, 3, None)])
def test_anything_else_gives_no_event(junk: Any, sentry_events: list[Any]) -> None:
    assert exc_info_from_error(junk) is None
    assert sentry_lite.capture_exception(junk) is None
    assert sentry_events == []


def test_a_class_that_cannot_be_built_gives_no_event() -> None:
    class NeedsArgs(Exception):
        def __init__(self, a: int) -> None:
            super().__init__(a)

    assert exc_info_from_error(NeedsArgs) is None


def test_capture_exception_of_an_exception_never_raised(sentry_events: list[Any]) -> None:
    sentry_lite.capture_exception(ValueError("never raised"))
    (value,) = sentry_events[0]["exception"]["values"]
    assert value == {
        "type": "ValueError",
        "value": "never raised",
        "mechanism": {"type": "generic", "handled": True},
    }


# -- type, module, value ---------------------------------------------------------------


class Outer:
    class InnerError(Exception):
        pass


def test_type_is_the_qualified_name_and_module_is_left_out_for_builtins() -> None:
    (value,) = values_of(Outer.InnerError("x"))
    assert value["type"] == "Outer.InnerError" and value["module"] == __name__
    assert "module" not in values_of(ValueError("x"))[0]


def test_notes_join_the_value() -> None:
    exc = ValueError("base")
    if sys.version_info >= (3, 11):
        exc.add_note("first note")
        exc.add_note("second note")
    else:
        exc.__notes__ = ["first note", "second note"]  # type: ignore[attr-defined]
    assert values_of(exc)[0]["value"] == "base\nfirst note\nsecond note"


def test_non_string_notes_are_skipped_and_an_empty_value_keeps_the_notes() -> None:
    exc = ValueError()
    exc.__notes__ = [1, "only this"]  # type: ignore[attr-defined]
    assert values_of(exc)[0]["value"] == "only this"


def test_a_failing_str_gives_a_description() -> None:
    class Broken(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert values_of(Broken())[0]["value"].endswith("(str failed)>")


def test_exceptions_with_raising_attributes_still_give_values() -> None:
    class Hostile(OSError):
        @property
        def errno(self) -> Any:  # type: ignore[override]
            raise RuntimeError("errno")

        @property
        def __notes__(self) -> Any:
            raise RuntimeError("notes")

        @property
        def __cause__(self) -> Any:  # type: ignore[override]
            raise RuntimeError("cause")

        def __str__(self) -> str:
            raise RuntimeError("str")

    (value,) = values_of(raised(Hostile()))
    assert value["type"].endswith("<locals>.Hostile")
    assert value["value"].endswith("(str failed)>")
    assert value["mechanism"] == {"type": "generic", "handled": True}


def test_long_values_are_cut_and_recorded() -> None:
    exc = raised(ValueError("v" * 500))
    options = Options(max_value_length=100)
    event, _ = event_from_exception((ValueError, exc, exc.__traceback__), options)
    assert event["exception"]["values"][0]["value"] == "v" * 97 + "..."
    assert event["_meta"]["exception"]["values"]["0"]["value"] == {
        "": {"len": 500, "rem": [["!limit", "x", 97, 100]]}
    }


def test_errno_goes_to_the_mechanism_meta() -> None:
    (value,) = values_of(raised(FileNotFoundError(2, "missing")))
    errno = {"errno": {"number": 2}}
    assert value["mechanism"] == {"type": "generic", "handled": True, "meta": errno}
    assert "meta" not in values_of(raised(OSError("no errno")))[0]["mechanism"]


def test_the_given_mechanism_is_used_and_not_changed() -> None:
    mechanism: Mechanism = {"type": "logging", "handled": False}
    values = values_of(raised(ValueError("x")))
    exc = raised(ValueError("x"))
    event, _ = event_from_exception((ValueError, exc, exc.__traceback__), Options(), mechanism)
    assert event["exception"]["values"][0]["mechanism"] == {"type": "logging", "handled": False}
    assert mechanism == {"type": "logging", "handled": False}
    assert values[0]["mechanism"] == {"type": "generic", "handled": True}


# -- chains ----------------------------------------------------------------------------


def chain(*exceptions: BaseException, implicit: bool = False) -> BaseException:
    """Raise each exception from (or during) the previous one; the last one raised."""
    current: BaseException | None = None
    for exc in exceptions:
        try:
            if current is None:
                raise exc
            if implicit:
                try:
                    raise current
                except BaseException:
                    raise exc  # noqa: B904
            raise exc from current
        except BaseException as caught:
            current = caught
    assert current is not None
    return current


def test_a_chain_is_listed_oldest_first_with_chained_mechanisms() -> None:
    values = values_of(
        chain(KeyError("a"), ValueError("b"), RuntimeError("c"))
    )
    assert [v["type"] for v in values] == ["KeyError", "ValueError", "RuntimeError"]
    assert [v["mechanism"]["type"] for v in values] == ["chained", "chained", "generic"]


def test_unhandled_flows_to_the_whole_chain() -> None:
    exc = chain(KeyError("a"), ValueError("b"))
    event, _ = event_from_exception(
        (type(exc), exc, exc.__traceback__), Options(), {"type": "excepthook", "handled": False}
    )
    assert [v["mechanism"] for v in event["exception"]["values"]] == [
        {"type": "chained", "handled": False},
        {"type": "excepthook", "handled": False},
    ]


def test_implicit_chain_is_followed() -> None:
    values = values_of(chain(KeyError("a"), ValueError("b"), implicit=True))
    assert [v["type"] for v in values] == ["KeyError", "ValueError"]


def test_suppressed_context_is_not_followed() -> None:
    try:
        try:
            raise KeyError("hidden")
        except KeyError:
            raise ValueError("shown") from None
    except ValueError as exc:
        assert [v["type"] for v in values_of(exc)] == ["ValueError"]


def test_cycles_in_the_chain_end_the_walk() -> None:
    a, b = ValueError("a"), KeyError("b")
    a.__cause__ = b
    b.__cause__ = a
    assert [v["type"] for v in values_of(a)] == ["KeyError", "ValueError"]


def test_a_long_chain_keeps_the_newest_exceptions() -> None:
    exc = chain(*[ValueError(str(n)) for n in range(MAX_EXCEPTIONS + 20)])
    values = values_of(exc)
    assert len(values) == MAX_EXCEPTIONS
    assert values[-1]["value"] == str(MAX_EXCEPTIONS + 19)


def test_frames_of_each_link_are_its_own() -> None:
    values = values_of(chain(KeyError("a"), ValueError("b")))
    for value in values:
        frames = value["stacktrace"]["frames"]
        assert [f["function"] for f in frames] == ["chain"]


# -- groups ----------------------------------------------------------------------------


def group(message: str, members: list[BaseException]) -> BaseException:
    cls = vars(builtins)["ExceptionGroup"]
    exc: BaseException = cls(message, members)
    return exc


@needs_groups
def test_group_members_get_ids_parents_and_sources() -> None:
    exc = raised(group("outer", [ValueError("one"), group("inner", [KeyError("two")])]))
    values = values_of(exc)
    assert [(v["type"], v["mechanism"]) for v in values] == [
        (
            "KeyError",
            {"type": "chained", "handled": True, "exception_id": 3,
             "source": "exceptions[0]", "parent_id": 2},
        ),
        (
            "ExceptionGroup",
            {"type": "chained", "handled": True, "exception_id": 2,
             "source": "exceptions[1]", "parent_id": 0, "is_exception_group": True},
        ),
        (
            "ValueError",
            {"type": "chained", "handled": True, "exception_id": 1,
             "source": "exceptions[0]", "parent_id": 0},
        ),
        (
            "ExceptionGroup",
            {"type": "generic", "handled": True, "exception_id": 0, "is_exception_group": True},
        ),
    ]  # fmt: skip
    assert values[-1]["value"] == "outer"


@needs_groups
def test_a_group_raised_from_an_exception_lists_the_cause_under_it() -> None:
    try:
        try:
            raise OSError("disk")
        except OSError as cause:
            raise group("failed", [ValueError("v")]) from cause
    except Exception as exc:
        values = values_of(exc)
    by_type = {v["type"]: v["mechanism"] for v in values}
    assert by_type["OSError"] == {
        "type": "chained", "handled": True, "exception_id": 1, "source": "__cause__",
        "parent_id": 0,
    }  # fmt: skip
    assert by_type["ValueError"]["source"] == "exceptions[0]"
    assert by_type["ValueError"]["exception_id"] == 2
    assert values[-1]["mechanism"]["exception_id"] == 0


@needs_groups
def test_a_group_inside_a_chain_switches_to_ids() -> None:
    exc = chain(group("g", [ValueError("v")]), KeyError("k"))
    values = values_of(exc)
    assert values[-1]["type"] == "KeyError"
    assert values[-1]["mechanism"] == {"type": "generic", "handled": True, "exception_id": 0}
    assert {v["mechanism"].get("source") for v in values[:-1]} == {"__cause__", "exceptions[0]"}


@needs_groups
def test_the_same_exception_twice_in_a_group_is_listed_once() -> None:
    shared = ValueError("shared")
    values = values_of(raised(group("g", [shared, shared])))
    assert [v["type"] for v in values] == ["ValueError", "ExceptionGroup"]


@needs_groups
def test_huge_groups_are_bounded_and_keep_the_root() -> None:
    exc = raised(group("many", [ValueError(str(n)) for n in range(500)]))
    values = values_of(exc)
    assert len(values) == MAX_EXCEPTIONS
    assert values[-1]["mechanism"]["exception_id"] == 0
    assert values[-1]["value"] == "many"


# -- add_full_stack --------------------------------------------------------------------


def _deep() -> None:
    raise KeyError("sku")


def _handler() -> None:
    try:
        _deep()  # the line the catching frame raised from
    except KeyError as exc:
        sentry_lite.capture_exception(exc)
        sentry_lite.capture_exception(KeyError("never raised"))


def _caller() -> None:
    _handler()


def _functions(event: dict[str, Any]) -> list[tuple[str, int]]:
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    return [(frame["function"], frame["lineno"]) for frame in frames]


def test_add_full_stack_puts_the_capturing_stack_before_the_traceback(
    sentry_init: Any, sentry_events: list[Any],
) -> None:
    raising_line = _handler.__code__.co_firstlineno + 2
    sentry_init(add_full_stack=True)
    _caller()
    functions = _functions(sentry_events[0])
    assert functions[-3:] == [("_caller", _caller.__code__.co_firstlineno + 1),
                              ("_handler", raising_line),
                              ("_deep", _deep.__code__.co_firstlineno + 1)]
    assert [name for name, _ in functions].count("_handler") == 1
    assert functions[-4][0] == "test_add_full_stack_puts_the_capturing_stack_before_the_traceback"
    assert not any(frame["module"].startswith("sentry_lite")
                   for frame in sentry_events[0]["exception"]["values"][-1]["stacktrace"]["frames"])
    assert "stacktrace" not in sentry_events[1]["exception"]["values"][-1]  # never raised: none


def test_without_add_full_stack_the_traceback_alone(
    sentry_init: Any, sentry_events: list[Any],
) -> None:
    sentry_init()
    _caller()
    assert [name for name, _ in _functions(sentry_events[0])] == ["_handler", "_deep"]
