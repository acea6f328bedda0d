"""The DSN value object: parsing, errors that say what is wrong, derived URLs and headers."""

from __future__ import annotations

import string

import hypothesis
import pytest
from hypothesis import strategies as st

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


def test_percent_encoded_secret_is_decoded_and_the_dsn_round_trips() -> None:
    dsn = Dsn("https://a%40b:s%3Ax%25y@h/1")
    assert (dsn.public_key, dsn.secret_key) == ("a@b", "s:x%y")
    assert str(dsn) == "https://a%40b:s%3Ax%25y@h/1"
    assert Dsn(str(dsn)) == dsn and Dsn(dsn) == dsn


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
        "http://k%2Bey@[2001:db8::1]:9000/12",
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


# -- what could reach the wire: control characters, whitespace, non-ASCII (issue 13, item 3) --

ISSUE_DSN = "http://key@host:9000/x HTTP/1.1\r\nHost: a\r\nX-Injected: 1\r\n\r\n"


@pytest.mark.parametrize(
    ("value", "part"),
    [
        (ISSUE_DSN, "path"),
        ("http://k:a%0D%0Ab@h/1", "secret key"),  # the header-injection secret of the issue
        ("http://k%0A@h/1", "public key"),
        ("http://k%00@h/1", "public key"),
        ("http://k%09x@h/1", "public key"),
        ("http://k%20x@h/1", "public key"),
        ("http://k%C3%A9@h/1", "public key"),  # decodes to non-ASCII
        ("http://k%2Cx@h/1", "public key"),  # a comma splits the auth header
        ("http://k,x@h/1", "public key"),
        ("http://k:s\r\nX: y@h/1", "secret key"),
        ("http://k\x00@h/1", "public key"),
        ("http://k\u00e9@h/1", "public key"),
        ("http://k@h\r\nX: y/1", "host"),
        ("http://k@h\tx/1", "host"),
        ("http://k@b\u00fccher.example/1", "host"),
        ("http://k@[::1\n]/1", "host"),
        ("http://k@h:90\n00/1", "port"),
        ("http://k@h:\u00b2/1", "port"),  # superscript two: isdigit(), but not a port
        ("http://k@h/a b/1", "path"),
        ("http://k@h/a\x7f/1", "path"),
        ("http://k@h/\u00e9/1", "path"),
        ("http://k@h/a%zz/1", "path"),
        ("http://k@h/1\x00", "path"),
        ("http://k@h/\u0661", "path"),  # ARABIC-INDIC DIGIT ONE: isdigit(), not ASCII
        ("ht\ttp://k@h/1", "scheme"),
        ("http://k@h/1?a\r\nb", "query or fragment"),
        ("http://k@h/1#\u00e9", "query or fragment"),
    ],
)
def test_unsafe_characters_are_refused_naming_the_part(value: str, part: str) -> None:
    with pytest.raises(BadDsn, match=f"the {part} holds"):
        Dsn(value)


def test_init_refuses_the_dsns_of_the_issue() -> None:
    import sentry_lite

    for value in (ISSUE_DSN, "http://k:a%0D%0Ab@127.0.0.1:9/1"):
        with pytest.raises(BadDsn, match="Invalid DSN"):
            sentry_lite.init(dsn=value)


def test_error_messages_do_not_echo_the_secret() -> None:
    with pytest.raises(BadDsn) as info:
        Dsn("http://k:topsecret\n@h/1")
    assert "topsecret" not in str(info.value)


def test_ipv6_hosts_keep_their_brackets_on_the_wire() -> None:
    dsn = Dsn("http://k@[2001:DB8::1]/1")
    assert (dsn.host, dsn.port, dsn.netloc) == ("2001:db8::1", 80, "[2001:db8::1]")
    assert dsn.envelope_url == "http://[2001:db8::1]/api/1/envelope/"
    assert Dsn(str(dsn)) == dsn


def test_a_delivered_event_carries_the_decoded_key() -> None:
    import sentry_lite
    from sentry_lite._loopback import LoopbackServer

    with LoopbackServer(public_key="pub+lic") as server:  # it answers 403 to other keys
        dsn = f"http://pub%2Blic:s%3Acret@127.0.0.1:{server.port}/{server.project_id}"
        sentry_lite.init(dsn=dsn, default_integrations=False)
        sentry_lite.capture_message("encoded key")
        sentry_lite.flush(5)
        assert server.wait_for_events(1)
        auth = server.requests[0].header("X-Sentry-Auth") or ""
    assert "sentry_key=pub+lic," in auth and auth.endswith("sentry_secret=s:cret")


# -- property: whatever is accepted is safe on the wire ----------------------------------

_ESCAPES = st.binary(min_size=1, max_size=3).map(lambda data: "".join(f"%{b:02X}" for b in data))
_LEGAL = st.text(alphabet=string.ascii_letters + string.digits + "-._~!$&'()*+;=", min_size=1,
                 max_size=8)
_WORD = st.lists(st.one_of(_LEGAL, _LEGAL, _ESCAPES), min_size=1, max_size=3).map("".join)
_NASTY = st.one_of(
    st.text(max_size=4),
    st.sampled_from(["\r\n", " ", "\t", "\x00", "\x7f", "%0D%0A", "%", "\u00e9", "\u0661",
                     ":", "@", "/", ",", "[", "?"]),
)
_PARTS = ("scheme", "key", "secret", "host", "port", "path", "project")


def _unsafe(text: str) -> bool:
    return any(not (c.isascii() and c.isprintable()) or c.isspace() for c in text)


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(
    scheme=st.sampled_from(["http", "https", "HTTP"]),
    key=_WORD, secret=st.one_of(st.just(""), _WORD),
    host=st.one_of(st.from_regex(r"[a-z0-9.-]{1,12}", fullmatch=True),
                   st.sampled_from(["[::1]", "[2001:db8::1]", "127.0.0.1"])),
    port=st.one_of(st.just(""), st.integers(1, 65535).map(str)),
    path=st.lists(_WORD, max_size=2).map("/".join),
    project=st.integers(1, 10**6).map(str),
    nasty=st.one_of(st.none(), st.tuples(st.sampled_from(_PARTS), st.integers(0, 8), _NASTY)),
)
def test_any_accepted_dsn_is_safe_on_the_wire(
    scheme: str, key: str, secret: str, host: str, port: str, path: str, project: str,
    nasty: tuple[str, int, str] | None,
) -> None:
    parts = dict(zip(_PARTS, (scheme, key, secret, host, port, path, project), strict=True))
    if nasty is not None:  # one part gets something unsafe (or odd) inserted
        name, at, chunk = nasty
        parts[name] = parts[name][:at] + chunk + parts[name][at:]
    secret_part = f":{parts['secret']}" if parts["secret"] else ""
    port_part = f":{parts['port']}" if parts["port"] else ""
    path_part = f"/{parts['path']}" if parts["path"] else ""
    text = (f"{parts['scheme']}://{parts['key']}{secret_part}@{parts['host']}{port_part}"
            f"{path_part}/{parts['project']}")
    try:
        dsn = Dsn(text)
    except BadDsn:
        hypothesis.event("refused")
        return
    hypothesis.event("accepted")
    # Nothing unsafe was in the DSN as written (bar surrounding whitespace, which is trimmed)...
    assert not _unsafe(text.strip())
    # ...and nothing unsafe comes out of it: the URL, each header field, the string form.
    assert not _unsafe(dsn.envelope_url) and not _unsafe(str(dsn))
    fields = dsn.auth_header().removeprefix("Sentry ").split(", ")
    assert [f.partition("=")[0] for f in fields][:3] == [
        "sentry_key", "sentry_version", "sentry_client"
    ]
    assert not any(_unsafe(field) for field in fields)
    assert dsn.envelope_url.isascii() and "%" not in dsn.host
    assert Dsn(str(dsn)) == dsn


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(text=st.text(max_size=60))
def test_arbitrary_text_either_parses_safely_or_raises_bad_dsn(text: str) -> None:
    for candidate in (text, f"http://k@h/{text}/1", f"http://{text}@h/1", f"http://k@{text}/1"):
        try:
            dsn = Dsn(candidate)
        except BadDsn:
            continue
        assert not _unsafe(dsn.envelope_url) and not _unsafe(dsn.auth_header().replace(" ", ""))
