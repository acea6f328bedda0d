"""The helpers every HTTP server integration shares (pure functions on plain values)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from sentry_lite._options import Options
from sentry_lite.integrations._http_common import (
    RAW,
    TOO_LARGE,
    body_allowed,
    body_from_parts,
    build_url,
    client_ip,
    environ_headers,
    environ_host,
    environ_path,
    failed_status_event,
    is_json,
    methods,
    parse_cookies,
    parse_json,
    request_from_environ,
    set_body,
    status_codes,
    status_of,
    wants_body,
)
from sentry_lite.integrations.django._naming import route_name, view_name
from sentry_lite.testing import assert_valid_event

if TYPE_CHECKING:
    from sentry_lite.types import Event

ENVIRON = {
    "REQUEST_METHOD": "POST",
    "SCRIPT_NAME": "/app",
    "PATH_INFO": "/caf\u00c3\u00a9/1",  # UTF-8 bytes of "café" read as latin-1 (PEP 3333)
    "QUERY_STRING": "a=1&b=2",
    "SERVER_NAME": "internal",
    "SERVER_PORT": "8000",
    "REMOTE_ADDR": "10.1.2.3",
    "CONTENT_TYPE": "application/json",
    "CONTENT_LENGTH": "",
    "HTTP_HOST": "shop.example",
    "HTTP_X_API_KEY": "k",
    "HTTP_COOKIE": 'a=1; b="quoted"; broken; =x',
    "HTTP_TRUE_CLIENT_IP": "192.0.2.1",
    "wsgi.url_scheme": "https",
}


def test_request_from_a_wsgi_environ() -> None:
    request = request_from_environ(ENVIRON, pii=False)
    assert request == {
        "method": "POST",
        "url": "https://shop.example/app/caf%C3%A9/1",
        "query_string": "a=1&b=2",
        "headers": {
            "Content-Type": "application/json",
            "Host": "shop.example",
            "X-Api-Key": "k",
            "Cookie": 'a=1; b="quoted"; broken; =x',
            "True-Client-Ip": "[Filtered]",  # an IP header the scrubber does not know
        },
        "env": {"SERVER_NAME": "internal", "SERVER_PORT": "8000"},
    }
    with_pii = request_from_environ(ENVIRON, pii=True)
    assert with_pii["cookies"] == {"a": "1", "b": "quoted"}
    assert with_pii["env"]["REMOTE_ADDR"] == "10.1.2.3"
    assert with_pii["headers"]["True-Client-Ip"] == "192.0.2.1"


def test_host_and_path_without_a_host_header() -> None:
    environ = {"SERVER_NAME": "box", "SERVER_PORT": "443", "wsgi.url_scheme": "https"}
    assert environ_host(environ) == "box"
    assert environ_host({**environ, "SERVER_PORT": "8443"}) == "box:8443"
    assert environ_path({}) == "/"
    assert build_url("http", "h", "/a b/<x>") == "http://h/a%20b/%3Cx%3E"
    assert environ_headers({"CONTENT_LENGTH": "3", "HTTP_X_A": "1"}) == {
        "Content-Length": "3", "X-A": "1",
    }  # fmt: skip


def test_client_ip_prefers_the_first_forwarded_hop() -> None:
    assert client_ip({"X-Forwarded-For": " 1.1.1.1 , 2.2.2.2"}, "3.3.3.3") == "1.1.1.1"
    assert client_ip({"X-Real-Ip": "4.4.4.4"}, "3.3.3.3") == "4.4.4.4"
    assert client_ip({}, "3.3.3.3") == "3.3.3.3"


def test_cookies() -> None:
    assert parse_cookies(None) == {}
    assert parse_cookies("a=1;a=2; c = 3 ") == {"a": "1", "c": "3"}


@pytest.mark.parametrize(
    ("setting", "length", "allowed"),
    [
        ("never", 1, False), ("small", 1000, True), ("small", 1001, False),
        ("medium", 10_000, True), ("medium", 10_001, False), ("always", 10**9, True),
        ("medium", None, False), ("always", None, True),
    ],
)  # fmt: skip
def test_body_limits(setting: str, length: int | None, allowed: bool) -> None:
    options = Options(max_request_body_size=setting)
    assert body_allowed(options, length) is allowed
    assert wants_body(options) is (setting != "never")


def test_body_parts() -> None:
    assert body_from_parts({"a": "1"}, ["f"]) == {"a": "1", "f": RAW}
    assert body_from_parts(None, None, {"j": 1}) == {"j": 1}
    assert body_from_parts(None, None, None, has_raw=True) is RAW
    assert body_from_parts(None, None) is None
    assert parse_json(b'{"a": 1}', "application/vnd.api+json; charset=utf-8") == {"a": 1}
    assert parse_json(b"{not json", "application/json") is None
    assert parse_json(b'{"a": 1}', "text/plain") is None
    assert not is_json(None)


@pytest.mark.parametrize(
    ("data", "expected", "meta"),
    [
        (TOO_LARGE, "", {"data": {"": {"rem": [["!config", "x"]]}}}),
        (RAW, "", {"data": {"": {"rem": [["!raw", "x"]]}}}),
        ({"a": "1", "f": RAW}, {"a": "1", "f": ""},
         {"data": {"f": {"": {"rem": [["!raw", "x"]]}}}}),
    ],
)  # fmt: skip
def test_set_body_describes_what_it_left_out(data, expected, meta) -> None:
    event: Event = {"message": "m"}
    request: dict[str, Any] = {"url": "http://h/"}
    set_body(event, request, data)
    event["request"] = request
    assert request["data"] == expected
    assert event["_meta"]["request"] == meta
    assert_valid_event(event)


def test_status_codes_and_methods() -> None:
    assert status_codes(None) == frozenset(range(500, 600))
    assert status_codes([range(500, 503), 418]) == {500, 501, 502, 418}
    assert status_codes(set()) == frozenset()
    assert status_codes(404) == {404}
    with pytest.raises(ValueError):
        status_codes(["500"])
    assert methods(["get", "Post"]) == {"GET", "POST"}
    with pytest.raises(ValueError):
        methods("GET")
    assert status_of("404 Not Found") == 404
    assert status_of("bad") is None


def test_failed_status_event_is_valid() -> None:
    event = failed_status_event(599, "GET")
    assert event["message"] == "HTTP 599"
    assert event["tags"] == {"http.status_code": "599", "http.method": "GET"}
    assert_valid_event(failed_status_event(502))


@pytest.mark.parametrize(
    ("route", "name"),
    [
        ("", "/"),
        ("users/<int:pk>/", "/users/{pk}/"),
        ("^articles/(?P<year>[0-9]{4})/(?P<slug>[\\w-]+)/$", "/articles/{year}/{slug}/"),
        ("api/^v(?P<v>\\d+)/(?:items|things)/$", "/api/v{v}/items|things/"),
        ("^page(?:/(?P<n>\\d+))?/$", "/page/{n}/"),
        ("^files/(.*)\\.txt$", "/files/{arg}.txt"),
        ("^(?i)caseless/(?=x)x$", "/caseless/x"),
        ("shop/<slug:cat>/(?P<item>[^/(]+)/", "/shop/{cat}/{item}/"),
    ],
)
def test_django_route_names(route: str, name: str) -> None:
    assert route_name(route) == name


def test_django_view_names() -> None:
    class Detail:
        pass

    def view() -> None:
        return None

    view.view_class = Detail  # type: ignore[attr-defined]  # what View.as_view() sets
    assert view_name(view).endswith("test_django_view_names.<locals>.Detail")
    assert view_name(test_django_view_names) == f"{__name__}.test_django_view_names"
