"""Breadcrumbs: the ring, before_breadcrumb, and their place in events."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

import sentry_lite

if TYPE_CHECKING:
    from sentry_lite.types import Breadcrumb


def test_ring_keeps_the_newest_max_breadcrumbs(sentry_init: Any, sentry_events: list[Any]) -> None:
    sentry_init(max_breadcrumbs=5)
    for n in range(12):
        sentry_lite.add_breadcrumb(message=f"crumb {n}", category="test")
    sentry_lite.capture_message("x")
    crumbs = sentry_events[0]["breadcrumbs"]["values"]
    assert [c["message"] for c in crumbs] == [f"crumb {n}" for n in range(7, 12)]
    assert all(c["type"] == "default" and isinstance(c["timestamp"], float) for c in crumbs)


def test_default_ring_is_100(sentry_events: list[Any]) -> None:
    for n in range(150):
        sentry_lite.add_breadcrumb(message=str(n))
    sentry_lite.capture_message("x")
    crumbs = sentry_events[0]["breadcrumbs"]["values"]
    assert len(crumbs) == 100 and crumbs[0]["message"] == "50"


def test_crumbs_from_all_scopes_merge_in_time_order_within_the_limit(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    sentry_init(max_breadcrumbs=4)
    sentry_lite.get_global_scope().add_breadcrumb(message="g1", timestamp=1.0)
    sentry_lite.get_isolation_scope().add_breadcrumb(message="i2", timestamp=2.0)
    sentry_lite.get_current_scope().add_breadcrumb(message="c3", timestamp=3.0)
    sentry_lite.get_global_scope().add_breadcrumb(message="g4", timestamp=4.0)
    sentry_lite.get_isolation_scope().add_breadcrumb(message="i5", timestamp=5.0)
    sentry_lite.capture_message("x")
    crumbs = sentry_events[0]["breadcrumbs"]["values"]
    assert [c["message"] for c in crumbs] == ["i2", "c3", "g4", "i5"]


def test_datetime_timestamps_are_accepted(sentry_events: list[Any]) -> None:
    when = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    sentry_lite.add_breadcrumb(message="dated", timestamp=when)
    sentry_lite.capture_message("x")
    assert sentry_events[0]["breadcrumbs"]["values"][0]["timestamp"] == when.timestamp()


def test_before_breadcrumb_can_edit_or_drop(sentry_init: Any, sentry_events: list[Any]) -> None:
    hints: list[Any] = []

    def before(crumb: Any, hint: Any) -> Any:
        hints.append(hint)
        if crumb.get("category") == "noise":
            return None
        crumb["message"] = crumb["message"].upper()
        return crumb

    sentry_init(before_breadcrumb=before)
    sentry_lite.add_breadcrumb(message="keep", category="app", hint={"source": "test"})
    sentry_lite.add_breadcrumb(message="drop", category="noise")
    sentry_lite.capture_message("x")
    assert [c["message"] for c in sentry_events[0]["breadcrumbs"]["values"]] == ["KEEP"]
    assert hints[0] == {"source": "test"}


def test_raising_before_breadcrumb_keeps_the_crumb_and_does_not_break_the_caller(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    def broken(crumb: Any, hint: Any) -> Any:
        raise ValueError("bug in the hook")

    sentry_init(before_breadcrumb=broken)
    sentry_lite.add_breadcrumb(message="still here")  # must not raise
    sentry_lite.capture_message("x")
    assert sentry_events[0]["breadcrumbs"]["values"][0]["message"] == "still here"


def test_user_crumb_dict_is_copied_not_kept(sentry_events: list[Any]) -> None:
    crumb: Breadcrumb = {"message": "original", "data": {"k": 1}}
    sentry_lite.add_breadcrumb(crumb)
    crumb["message"] = "changed later"
    sentry_lite.capture_message("x")
    assert sentry_events[0]["breadcrumbs"]["values"][0]["message"] == "original"


def test_clear_breadcrumbs(sentry_events: list[Any]) -> None:
    sentry_lite.add_breadcrumb(message="gone")
    sentry_lite.get_isolation_scope().clear_breadcrumbs()
    sentry_lite.capture_message("x")
    assert "breadcrumbs" not in sentry_events[0]


def test_empty_breadcrumb_is_ignored(sentry_events: list[Any]) -> None:
    sentry_lite.add_breadcrumb()
    sentry_lite.capture_message("x")
    assert "breadcrumbs" not in sentry_events[0]


def test_crumbs_forked_into_a_new_scope_stay_in_the_parent_only_once(
    sentry_events: list[Any],
) -> None:
    sentry_lite.add_breadcrumb(message="before fork")
    with sentry_lite.isolation_scope():
        sentry_lite.add_breadcrumb(message="inside")
        sentry_lite.capture_message("inner")
    sentry_lite.capture_message("outer")
    inner, outer = sentry_events
    assert [c["message"] for c in inner["breadcrumbs"]["values"]] == ["before fork", "inside"]
    assert [c["message"] for c in outer["breadcrumbs"]["values"]] == ["before fork"]


def test_transactions_carry_no_breadcrumbs(
    sentry_init: Any, sentry_transactions: list[Any], sentry_events: list[Any]
) -> None:
    sentry_init(traces_sample_rate=1.0)
    sentry_lite.add_breadcrumb(message="before the transaction")
    with sentry_lite.start_transaction(name="checkout", op="task"):
        sentry_lite.capture_message("inside")
    assert "breadcrumbs" not in sentry_transactions[0]
    assert sentry_events[0]["breadcrumbs"]["values"][0]["message"] == "before the transaction"
