"""``sentry_lite.utils``: the helpers integrations call, used as integrations use them, and
compared with the installed official SDK on the same inputs."""

from __future__ import annotations

import logging
import sys
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import pytest
import sentry_sdk.utils as official

import sentry_lite
from sentry_lite import utils
from sentry_lite.integrations import Integration

if TYPE_CHECKING:
    from sentry_lite.types import Event

URLS = ["https://user:pw@example.com/a/b?token=1&x=2#frag", "http://example.com", "/rel?q=1",
        "https://example.com/p?flag&x=%20y"]  # fmt: skip
VERSIONS = ["2.8.0rc1", "1.2", "v3.4.5.6", "abc", "0.1.0.dev1", "10.0.0+local", ""]


def _raise_chain() -> BaseException:
    try:
        try:
            raise KeyError("inner")
        except KeyError as inner:
            raise ValueError("outer") from inner
    except ValueError as outer:
        return outer


def test_an_integration_reports_an_exception_the_official_way(sentry_events: list[Any]) -> None:
    error = _raise_chain()
    client = sentry_lite.get_client()
    event, hint = utils.event_from_exception(
        error, client_options=client.options, mechanism={"type": "myintegration", "handled": False}
    )
    sentry_lite.capture_event(event, hint=hint)
    (sent,) = sentry_events
    values = sent["exception"]["values"]
    assert [v["type"] for v in values] == ["KeyError", "ValueError"]
    assert values[-1]["mechanism"] == {"type": "myintegration", "handled": False}
    assert values[-1]["stacktrace"]["frames"][-1]["function"] == "_raise_chain"
    assert sent["level"] == "error" and hint["exc_info"][1] is error


def test_exception_helpers_agree_with_the_official_ones() -> None:
    error = _raise_chain()
    info = utils.exc_info_from_error(error)
    assert info == official.exc_info_from_error(error)
    chain = [e[1] for e in utils.walk_exception_chain(info)]
    assert chain == [e[1] for e in official.walk_exception_chain(info)]
    ours = utils.exceptions_from_error_tuple(info)
    theirs = official.exceptions_from_error_tuple(info)
    assert [(e["type"], e["value"]) for e in ours] == [(e["type"], e["value"]) for e in theirs]
    exc_type, exc_value, tb = info
    one = utils.single_exception_from_error_tuple(exc_type, exc_value, tb, mechanism={"type": "x"})
    assert (one["type"], one["value"], one["mechanism"]["type"]) == ("ValueError", "outer", "x")
    with pytest.raises(ValueError, match="Expected Exception"):
        utils.exc_info_from_error("not an error")  # type: ignore[arg-type]


def test_stack_helpers() -> None:
    frames = utils.current_stacktrace(include_local_variables=False)["frames"]
    assert frames[-1]["function"] == "test_stack_helpers" and "vars" not in frames[-1]
    frame = utils.serialize_frame(sys._getframe(), include_local_variables=True)
    assert frame["function"] == "test_stack_helpers" and "frames" in frame["vars"]
    assert frame["context_line"].strip().startswith("frame = utils.serialize_frame(")
    assert utils.event_hint_with_exc_info() == {"exc_info": (None, None, None)}
    assert utils.filename_for_module("pkg.mod", "/x/pkg/mod.py") == "pkg/mod.py"
    assert utils.get_type_name(KeyError) == "KeyError" and utils.get_type_module(KeyError) is None
    event: Event = {"exception": {"values": [{"stacktrace": {"frames": [{"module": "app.x"}]}}]}}
    utils.handle_in_app(event, in_app_include=["app"])
    assert [f["in_app"] for f in utils.iter_event_frames(event)] == [True]


def test_capture_internal_exceptions_keeps_errors_from_the_host(
    sentry_init: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    sentry_init(debug=True)
    with utils.capture_internal_exceptions():
        raise RuntimeError("a bug in an integration")
    err = capsys.readouterr().err
    assert "Internal error in sentry_lite" in err and "a bug in an integration" in err
    sentry_init(debug=False)
    with utils.capture_internal_exceptions():
        raise RuntimeError("silent")
    assert capsys.readouterr().err == ""


class Toy(Integration):
    identifier = "toy"


def _original(x: int) -> str:
    return f"original {x}"


@utils.ensure_integration_enabled(Toy, _original)
def _patched(x: int) -> str:
    return f"patched {x}"


def test_ensure_integration_enabled_follows_the_client(sentry_init: Any) -> None:
    sentry_init(default_integrations=False)
    assert _patched(1) == "original 1" and _patched.__name__ == "_original"
    sentry_init(default_integrations=False, integrations=[Toy()])
    assert _patched(2) == "patched 2"


@pytest.mark.parametrize("url", URLS)
def test_url_helpers_agree_with_the_official_ones(url: str) -> None:
    assert utils.sanitize_url(url) == official.sanitize_url(url)
    assert utils.sanitize_url(url, split=True) == tuple(official.sanitize_url(url, split=True))
    assert tuple(utils.parse_url(url)) == tuple(official.parse_url(url))
    assert tuple(utils.parse_url(url, sanitize=False)) == tuple(official.parse_url(url, False))


@pytest.mark.parametrize("text", VERSIONS)
def test_parse_version_agrees_with_the_official_one(text: str) -> None:
    assert utils.parse_version(text) == official.parse_version(text)


@pytest.mark.parametrize("value", ["short", "x" * 300, "é" * 200, ""])
def test_strip_string_agrees_with_the_official_one(value: str) -> None:
    ours, theirs = utils.strip_string(value, 100), official.strip_string(value, 100)
    assert getattr(ours, "value", ours) == getattr(theirs, "value", theirs)
    assert getattr(ours, "metadata", None) == getattr(theirs, "metadata", None)


def test_text_and_time_helpers() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError

        __str__ = __repr__

    assert "Broken" in utils.safe_repr(Broken()) and "Broken" in utils.safe_str(Broken())
    moment = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert utils.format_timestamp(moment) == official.format_timestamp(moment)
    for text in ("2024-05-06T05:08:09.123456Z", "2024-05-06T07:08:09+02:00"):
        assert utils.datetime_from_isoformat(text) == official.datetime_from_isoformat(text)
    assert utils.json_dumps({"a": [1, "é"]}) == b'{"a":[1,"\xc3\xa9"]}'
    assert utils.match_regex_list("GET /health", ["GET /health"])
    assert not utils.match_regex_list("GET /healthz", ["GET /health"])
    assert utils.match_regex_list("GET /healthz", ["health"], substring_matching=True)
    assert utils.qualname_from_function(Toy.setup_once) == official.qualname_from_function(
        Toy.setup_once
    )
    assert utils.env_to_bool("off") is False and utils.env_to_bool("maybe", strict=True) is None
    assert utils.nanosecond_time() > 0 and utils.to_string("x") == "x"


def test_sample_rates_and_versions() -> None:
    assert utils.is_valid_sample_rate(0.5, source="test")
    assert not utils.is_valid_sample_rate(1.5, source="test")
    assert not utils.is_valid_sample_rate("0.5", source="test")
    assert utils.package_version("pytest") == official.package_version("pytest")
    assert utils.package_version("surely-not-installed-xyz") is None


def test_dsn_and_auth_agree_with_the_official_ones() -> None:
    text = "https://key:secret@o42.ingest.sentry.io:8443/prefix/17"
    ours, theirs = utils.Dsn(text), official.Dsn(text)
    assert ours.org_id == theirs.org_id == "42"
    assert ours.netloc == theirs.netloc
    assert ours.to_auth("agent/1").get_api_url() == theirs.to_auth("agent/1").get_api_url()
    assert ours.to_auth("agent/1").to_header() == theirs.to_auth("agent/1").to_header()
    with pytest.raises(utils.BadDsn):
        utils.Dsn("not a dsn")


def test_release_and_sdk_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTRY_RELEASE", "shop@1.2.3")
    assert utils.get_default_release() == "shop@1.2.3"
    assert utils.get_sdk_name(["django"]) == "sentry.python.lite"


def test_the_logger_writes_only_with_debug(
    sentry_init: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    sentry_init(debug=False)
    utils.logger.warning("quiet please")
    sentry_init(debug=True)
    utils.logger.warning("now loud")
    err = capsys.readouterr().err
    assert "now loud" in err and "quiet please" not in err
    assert isinstance(utils.logger, logging.Logger)


def test_contextvars_and_gevent_flags() -> None:
    assert utils.HAS_REAL_CONTEXTVARS is True and utils.ContextVar.__module__ == "_contextvars"
    assert utils.is_gevent() is False and utils.get_gevent_hub() is None
    with utils.mark_sentry_task_internal():
        assert utils.is_internal_task()
    assert not utils.is_internal_task()
    assert utils.EndpointType.ENVELOPE.value == "envelope"


def test_reraise_keeps_the_traceback() -> None:
    error = _raise_chain()
    with pytest.raises(ValueError) as raised:
        utils.reraise(*utils.exc_info_from_error(error))
    assert raised.value is error
    assert not utils.should_be_treated_as_error(SystemExit, SystemExit(0))
    assert utils.should_be_treated_as_error(ValueError, error)


def test_installed_modules_as_third_party_integrations_read_them() -> None:
    found = utils._get_installed_modules()
    assert found["pytest"] == official._get_installed_modules()["pytest"]
