"""The DSN value object: parsing, errors that say what is wrong, derived URLs and headers."""

from __future__ import annotations

import pytest

from sentry_lite._dsn import BadDsn, Dsn
from sentry_lite.consts import USER_AGENT


def test_parts_of_a_hosted_dsn() -> None:
    dsn = Dsn("https://abc123@o1.ingest.sentry.io/4505")
    assert (dsn.scheme, dsn.public_key, dsn.secret_key) == ("https", "abc123", None)
    assert (dsn.host, dsn.port, dsn.path) == ("o1.ingest.sentry.io", 443, "")
    assert dsn.project_id == "4505"
    assert dsn.netloc == "o1.ingest.sentry.io"
    assert dsn.envelope_url == "https://o1.ingest.sentry.io/api/4505/envelope/"
    assert dsn.store_url == "https://o1.ingest.sentry.io/api/4505/store/"
    assert str(dsn) == "https://abc123@o1.ingest.sentry.io/4505"


def test_port_secret_and_path_prefix() -> None:
    dsn = Dsn("http://pub:sec@example.com:9000/sentry/prefix/42")
    assert (dsn.port, dsn.secret_key, dsn.path) == (9000, "sec", "/sentry/prefix")
    assert dsn.envelope_url == "http://example.com:9000/sentry/prefix/api/42/envelope/"
    assert str(dsn) == "http://pub:sec@example.com:9000/sentry/prefix/42"


def test_default_port_is_left_out_and_ipv6_is_bracketed() -> None:
    assert Dsn("http://k@h:80/1").envelope_url == "http://h/api/1/envelope/"
    assert Dsn("https://k@h:443/1").netloc == "h"
    ipv6 = Dsn("http://k@[::1]:9000/1")
    assert ipv6.host == "::1"
    assert ipv6.envelope_url == "http://[::1]:9000/api/1/envelope/"


def test_whitespace_and_trailing_slash_are_tolerated() -> None:
    assert Dsn("  https://k@h/7/ \n").project_id == "7"


def test_percent_encoded_key_is_decoded() -> None:
    assert Dsn("https://a%40b@h/1").public_key == "a@b"


def test_auth_header() -> None:
    assert Dsn("https://pub@h/1").auth_header() == (
        f"Sentry sentry_key=pub, sentry_version=7, sentry_client={USER_AGENT}"
    )
    assert Dsn("https://pub:sec@h/1").auth_header("my/1.0") == (
        "Sentry sentry_key=pub, sentry_version=7, sentry_client=my/1.0, sentry_secret=sec"
    )


def test_value_semantics() -> None:
    a, b = Dsn("https://k@h/1"), Dsn("https://k@h:443/1")
    assert a == b and hash(a) == hash(b)
    assert a != Dsn("https://k@h/2")
    assert Dsn(a) == a
    assert repr(a) == "Dsn('https://k@h/1')"
    assert {a: 1}[b] == 1


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("ftp://k@h/1", "scheme"),
        ("k@h/1", "scheme"),
        ("https://k@/1", "no host"),
        ("https://h/1", "public key"),
        ("https://k@h", "project id"),
        ("https://k@h/", "project id"),
        ("https://k@h/project", "project id"),
        ("https://k@h:99999/1", "Invalid DSN"),
        ("", "scheme"),
    ],
)
def test_bad_dsns_say_what_is_wrong(value: str, words: str) -> None:
    with pytest.raises(BadDsn, match=words):
        Dsn(value)


def test_bad_dsn_is_a_value_error() -> None:
    assert issubclass(BadDsn, ValueError)
    with pytest.raises(ValueError, match="must be a string"):
        Dsn(42)  # type: ignore[arg-type]


def test_parsing_agrees_with_urllib_on_a_range_of_dsns() -> None:
    from urllib.parse import unquote, urlsplit

    samples = [
        "https://public@o123.ingest.sentry.io/456",
        "https://public:secret@Example.COM:8443/sub/path/7?x=1#frag",
        "http://k%20ey@[2001:db8::1]:9000/12",
        "http://key@127.0.0.1/1/",
    ]
    for text in samples:
        dsn, parts = Dsn(text), urlsplit(text)
        assert dsn.scheme == parts.scheme
        assert dsn.public_key == unquote(parts.username or "")
        assert dsn.secret_key == (unquote(parts.password) if parts.password else None)
        assert dsn.host == parts.hostname
        assert dsn.port == (parts.port or (443 if parts.scheme == "https" else 80))
        assert f"{dsn.path}/{dsn.project_id}" == parts.path.rstrip("/")


@pytest.mark.parametrize("text", ["http://k@[::1/1", "http://k@[::1]x/1", "http://k@h:0/1",
                                  "http://k@h:port/1"])
def test_malformed_hosts_and_ports_are_bad_dsns(text: str) -> None:
    with pytest.raises(BadDsn, match="Invalid DSN"):
        Dsn(text)
