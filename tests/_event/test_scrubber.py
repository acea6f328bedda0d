"""Scrubbing: the denylist, personal data, configurable scrubbers."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import pytest

import sentry_lite
from sentry_lite._event.scrubber import (
    DEFAULT_DENYLIST,
    DEFAULT_PII_DENYLIST,
    EventScrubber,
    KeyPolicy,
    normalize_key,
    scrubber_for,
)
from sentry_lite._options import Options

if TYPE_CHECKING:
    from sentry_lite.types import Event


@pytest.mark.parametrize(
    ("key", "normalized"),
    [("Authorization", "authorization"), ("X-Api-Key", "x_api_key"), ("HTTP_COOKIE", "cookie")],
)
def test_keys_are_normalized(key: str, normalized: str) -> None:
    assert normalize_key(key) == normalized


@pytest.mark.parametrize(
    "key",
    [
        "password", "PASSWORD", "db_password", "passwd", "secret", "client_secret", "api_key",
        "ApiKey", "X-Api-Key", "token", "access_token", "refresh_token", "csrftoken",
        "X-CSRFToken", "sessionid", "session", "Cookie", "Set-Cookie", "Authorization",
        "Proxy-Authorization", "private_key", "credentials", "aws_credentials", "mysql_pwd",
        "ip_address", "REMOTE_ADDR", "X-Forwarded-For",
    ],
)  # fmt: skip
def test_default_policy_filters_secrets(key: str) -> None:
    assert EventScrubber().policy.denied(key)


@pytest.mark.parametrize(
    "key", ["user", "username", "email", "max_tokens", "token_count", "keyboard", "author", "id"]
)
def test_default_policy_keeps_ordinary_keys(key: str) -> None:
    assert not EventScrubber().policy.denied(key)


def test_personal_data_keys_are_kept_with_send_default_pii() -> None:
    assert not EventScrubber(send_default_pii=True).policy.denied("ip_address")
    assert EventScrubber(send_default_pii=True).policy.denied("password")


def test_a_custom_denylist_replaces_the_default_and_matches_exactly() -> None:
    policy = EventScrubber(denylist=["card_number"]).policy
    assert policy.denied("Card-Number")
    assert not policy.denied("password") and not policy.denied("card_number_hint")
    assert policy.denied("ip_address")  # personal data still goes (send_default_pii=False)


def test_a_custom_pii_denylist() -> None:
    policy = EventScrubber(pii_denylist=["phone"]).policy
    assert policy.denied("phone") and not policy.denied("ip_address")


def test_decisions_are_remembered_but_bounded() -> None:
    policy = KeyPolicy(["a"], recursive=False)
    for n in range(10_000):
        policy.denied(f"key{n}")
    assert len(policy._decided) <= 4096
    assert policy.denied("a") and policy.denied("A")


def test_constructor_matches_the_official_shape() -> None:
    scrubber = EventScrubber(
        denylist=["x"], recursive=True, send_default_pii=False, pii_denylist=[]
    )
    assert scrubber.denylist == ["x"] and scrubber.recursive and not scrubber.send_default_pii
    assert EventScrubber().denylist == DEFAULT_DENYLIST + DEFAULT_PII_DENYLIST
    assert EventScrubber().recursive is False


def test_the_official_import_path() -> None:
    from sentry_lite.scrubber import DEFAULT_DENYLIST as public_denylist
    from sentry_lite.scrubber import EventScrubber as public_scrubber

    assert public_scrubber is EventScrubber and public_denylist is DEFAULT_DENYLIST


def test_default_scrubber_of_the_client_is_recursive() -> None:
    scrubber = scrubber_for(Options())
    assert isinstance(scrubber, EventScrubber) and scrubber.recursive
    assert scrubber_for(Options(send_default_pii=True)).send_default_pii
    given = EventScrubber()
    assert scrubber_for(Options(event_scrubber=given)) is given


# -- standalone use ------------------------------------------------------------------


def event_with_secrets() -> Event:
    return {
        "extra": {"password": "p", "nested": {"token": "t"}},
        "user": {"id": "1", "ip_address": "1.2.3.4", "api_key": "k"},
        "request": {"headers": {"Authorization": "b"}, "cookies": {"sessionid": "s"}},
        "breadcrumbs": {"values": [{"data": {"secret": "x"}}]},
        "exception": {"values": [{"stacktrace": {"frames": [{"vars": {"passwd": "'x'"}}]}}]},
    }


def test_scrub_event_on_its_own_works_in_place() -> None:
    event = event_with_secrets()
    EventScrubber().scrub_event(event)
    assert event["extra"] == {"password": "[Filtered]", "nested": {"token": "t"}}
    assert event["user"] == {"id": "1", "api_key": "[Filtered]"}
    assert event["request"]["headers"] == {"Authorization": "[Filtered]"}
    assert event["request"]["cookies"] == {"sessionid": "[Filtered]"}
    assert event["breadcrumbs"]["values"][0]["data"] == {"secret": "[Filtered]"}
    frame = event["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert frame["vars"] == {"passwd": "[Filtered]"}


def test_recursive_scrub_event_goes_into_nested_values() -> None:
    event = event_with_secrets()
    event["extra"]["list"] = [{"secret": "s"}]
    EventScrubber(recursive=True).scrub_event(event)
    assert event["extra"]["nested"] == {"token": "[Filtered]"}
    assert event["extra"]["list"] == [{"secret": "[Filtered]"}]


def test_scrub_event_survives_cycles_and_odd_shapes() -> None:
    loop: dict[str, Any] = {}
    loop["loop"] = loop
    event: dict[str, Any] = {
        "extra": loop,
        "user": "not a dict",
        "request": ["not", "a", "dict"],
        "breadcrumbs": {"values": ["not a crumb"]},
    }
    EventScrubber(recursive=True).scrub_event(event)  # type: ignore[arg-type]  # malformed on purpose
    assert event["user"] == "not a dict"


# -- in the pipeline -------------------------------------------------------------------


def test_user_objects_are_not_changed_by_the_pipeline(sentry_events: list[Any]) -> None:
    user = {"id": "7", "ip_address": "10.0.0.1", "password": "p"}
    extra = {"nested": {"secret": "s"}}
    snapshot = copy.deepcopy((user, extra))
    sentry_lite.set_user(user)
    sentry_lite.set_extra("config", extra)
    sentry_lite.capture_message("x")
    sentry_lite.capture_message("y")
    assert (user, extra) == snapshot
    for event in sentry_events:
        assert event["user"] == {"id": "7", "password": "[Filtered]"}
        assert event["extra"] == {"config": {"nested": {"secret": "[Filtered]"}}}
        assert event["_meta"]["user"]["ip_address"] == {"": {"rem": [["!config", "x"]]}}


def test_send_default_pii_keeps_the_ip_address(sentry_init: Any, sentry_events: list[Any]) -> None:
    sentry_init(send_default_pii=True)
    sentry_lite.set_user({"id": "7", "ip_address": "10.0.0.1"})
    sentry_lite.capture_message("x")
    assert sentry_events[0]["user"] == {"id": "7", "ip_address": "10.0.0.1"}


def test_a_configured_scrubber_is_used_everywhere(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    sentry_init(
        default_integrations=False,
        event_scrubber=EventScrubber(denylist=["card"], recursive=False),
    )

    def pay(card: str, password: str) -> None:
        raise ValueError("declined")

    sentry_lite.add_breadcrumb(message="pay", data={"card": "4111", "nested": {"card": "4111"}})
    sentry_lite.set_extra("card", "4111")
    sentry_lite.set_extra("password", "kept: not on this denylist")
    try:
        pay("4111", "pw")
    except ValueError:
        sentry_lite.capture_exception()
    (event,) = sentry_events
    assert event["extra"] == {"card": "[Filtered]", "password": "kept: not on this denylist"}
    assert event["breadcrumbs"]["values"][0]["data"] == {
        "card": "[Filtered]",
        "nested": {"card": "4111"},  # not recursive
    }
    frame = event["exception"]["values"][0]["stacktrace"]["frames"][-1]
    assert frame["vars"] == {"card": "[Filtered]", "password": "'pw'"}


def test_a_subclass_overriding_scrub_event_is_called(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    class DropsEmail(EventScrubber):
        def scrub_event(self, event: Any) -> None:
            super().scrub_event(event)
            if isinstance(event.get("user"), dict):
                event["user"].pop("email", None)

    sentry_init(event_scrubber=DropsEmail())
    sentry_lite.capture_message("x", user={"id": "1", "email": "a@b.invalid"})
    assert sentry_events[0]["user"] == {"id": "1"}


def test_an_object_with_a_denylist_works_as_a_scrubber(
    sentry_init: Any, sentry_events: list[Any]
) -> None:
    class Minimal:
        denylist = ["pin"]
        recursive = True
        send_default_pii = False

        def scrub_event(self, event: Any) -> None:
            event.setdefault("tags", {})["scrubbed"] = "yes"

    sentry_init(default_integrations=False, event_scrubber=Minimal())
    sentry_lite.set_extra("wallet", {"pin": "1234"})
    sentry_lite.capture_message("x")
    assert sentry_events[0]["extra"] == {"wallet": {"pin": "[Filtered]"}}
    assert sentry_events[0]["tags"] == {"scrubbed": "yes"}
