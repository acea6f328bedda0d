"""The DSN: parsed once at ``init()`` into an immutable value."""

from __future__ import annotations

from sentry_lite.consts import USER_AGENT


class BadDsn(ValueError):
    """The DSN given to ``init()`` cannot be used; the message says why."""


# What each part may hold, raw as written in the DSN (RFC 3986 sets, ASCII only): anything
# else (whitespace, control characters, non-ASCII, quotes, brackets...) would reach the request
# line or the X-Sentry-Auth header, so it is refused at init() rather than sent.
_DIGITS = frozenset("0123456789")
_ALNUM = _DIGITS | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_HEX = _DIGITS | frozenset("abcdefABCDEF")
_USERINFO = _ALNUM | frozenset("-._~!$&'()*+,;=%")  # unreserved, sub-delims, escapes
_ALLOWED = {
    "scheme": _ALNUM | frozenset("+-."),
    "public key": _USERINFO,
    "secret key": _USERINFO,
    "host": _ALNUM | frozenset("-._"),
    "port": _DIGITS,
    "path": _USERINFO | frozenset(":@/"),
    "project id": _DIGITS,
}
_MAY_BE_EMPTY = frozenset({"secret key", "port", "path"})
_IPV6 = _HEX | frozenset(":.")
# A decoded key or secret goes into the X-Sentry-Auth header: visible ASCII, no comma (the
# header's separator).
_HEADER_SAFE = frozenset(map(chr, range(0x21, 0x7F))) - {","}
_USERINFO_SAFE = _USERINFO - {"%", ","}  # what str() leaves unencoded in a key


def _describe(text: str) -> str:
    """The first character of ``text`` that is not visible ASCII, named."""
    for char in text:
        if not (char.isascii() and char.isprintable() and char != " "):
            return f"character {char!r} (U+{ord(char):04X})"
    return "a character not allowed there"


def _bad_escape(text: str) -> bool:
    """True when a ``%`` is not followed by two hex digits."""
    at = text.find("%")
    while at >= 0:
        pair = text[at + 1 : at + 3]
        if len(pair) != 2 or not _HEX.issuperset(pair):
            return True
        at = text.find("%", at + 3)
    return False


def _check_raw(part: str, text: str) -> None:
    """Refuse ``text`` unless every character of it may stand in ``part`` of a DSN."""
    allowed, body = _ALLOWED[part], text
    if part == "host" and text.startswith("["):  # (_split checked the closing bracket)
        allowed, body = _IPV6, text[1:-1]
    bad = next((char for char in body if char not in allowed), None)
    if bad is None and (body or part in _MAY_BE_EMPTY) and not _bad_escape(body):
        return
    if bad is None or (bad.isascii() and bad.isprintable() and bad != " "):
        if part == "project id":
            raise BadDsn("Invalid DSN: no numeric project id at the end of its path")
        if part == "port":
            raise BadDsn(f"Invalid DSN: port {text!r} is not a number in 1-65535")
    if bad is not None:
        what = f"character {bad!r} (U+{ord(bad):04X})"
    else:
        what = "a malformed percent-escape" if body else "nothing"
    raise BadDsn(f"Invalid DSN: the {part} holds {what}; not allowed there")


def _unquote(part: str, text: str) -> str:
    """Decode a key or secret's percent-escapes (to ASCII only)."""
    if "%" not in text:
        return text
    from urllib.parse import unquote_to_bytes  # rare: percent-encoded keys

    try:
        return unquote_to_bytes(text).decode("ascii")
    except UnicodeDecodeError:
        raise BadDsn(
            f"Invalid DSN: the {part} holds non-ASCII bytes once percent-decoded; not allowed"
        ) from None


def _split(text: str) -> tuple[str, str, str, str, str, str, str]:
    """Raw scheme, user, secret, host, port, path and query+fragment of a URL.

    Partitioning by hand: urllib.parse costs ~3 ms to import, and it silently drops
    tabs and newlines where this parser must see them.
    """
    scheme, sep, rest = text.partition("://")
    if not sep:
        return "", "", "", "", "", "", ""
    cut = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    rest, tail = rest[:cut], rest[cut:]
    netloc, slash, path = rest.partition("/")
    userinfo, _, hostport = netloc.rpartition("@")
    user, _, secret = userinfo.partition(":")
    if hostport.startswith("["):
        host, bracket, after = hostport.partition("]")
        if not bracket or (after and not after.startswith(":")):
            raise BadDsn("Invalid DSN: malformed IPv6 address (expected [address]:port)")
        host, port_text = host + bracket, after[1:]
    else:
        host, _, port_text = hostport.partition(":")
    return scheme, user, secret, host, port_text, slash + path, tail


def _parse_port(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) <= 65535:
        raise BadDsn(f"Invalid DSN: port {text!r} out of range 1-65535")
    return int(text)


def _key(part: str, raw: str) -> str:
    """A key or secret, decoded: it goes into the X-Sentry-Auth header as is."""
    _check_raw(part, raw)
    decoded = _unquote(part, raw)
    if not _HEADER_SAFE.issuperset(decoded):
        what = "a comma (the header's separator)" if "," in decoded else _describe(decoded)
        how = " once percent-decoded" if decoded != raw else ""
        raise BadDsn(f"Invalid DSN: the {part} holds {what}{how}; not allowed")
    return decoded


def _quote(text: str) -> str:
    """Percent-encode what a DSN's userinfo cannot hold as is (``:``, ``@``, ``%``...)."""
    return "".join(c if c in _USERINFO_SAFE else f"%{ord(c):02X}" for c in text)


def _check_tail(tail: str) -> None:
    """The query and fragment are ignored, but must not hide control characters either."""
    if tail and not (tail.isascii() and tail.isprintable() and " " not in tail):
        raise BadDsn(f"Invalid DSN: the query or fragment holds {_describe(tail)}; not allowed")


class Dsn:
    """``{scheme}://{public_key}[:{secret}]@{host}[:{port}]{/path}/{project_id}``.

    Every part is checked at parse time: control characters, whitespace and
    non-ASCII anywhere (also once a key or secret is percent-decoded) raise
    ``BadDsn`` naming the part, so nothing unsafe can reach a request line or
    a header later.
    """

    __slots__ = ("host", "path", "port", "project_id", "public_key", "scheme", "secret_key")

    def __init__(self, value: str | Dsn) -> None:
        if isinstance(value, Dsn):
            value = str(value)
        if not isinstance(value, str):
            raise BadDsn(f"DSN must be a string, got {type(value).__name__}")
        scheme, user, secret, host, port_text, path, tail = _split(value.strip())
        if scheme.lower() not in ("http", "https"):
            if scheme:
                _check_raw("scheme", scheme)
            raise BadDsn(f"Unsupported scheme {scheme!r} in DSN (use http or https)")
        if not host:
            raise BadDsn("Invalid DSN: no host (expected scheme://KEY@host/PROJECT)")
        _check_raw("host", host)
        _check_raw("port", port_text)
        _check_raw("path", path)
        _check_tail(tail)
        if not user:
            raise BadDsn("Invalid DSN: no public key (expected scheme://KEY@host/PROJECT)")
        path, _, project_id = path.rstrip("/").rpartition("/")
        _check_raw("project id", project_id)
        self.scheme: str = scheme.lower()
        self.public_key: str = _key("public key", user)
        self.secret_key: str | None = _key("secret key", secret) or None
        self.host: str = host.strip("[]").lower()
        port = _parse_port(port_text)
        self.port: int = port if port is not None else (443 if self.scheme == "https" else 80)
        self.path: str = path
        self.project_id: str = project_id

    @property
    def netloc(self) -> str:
        """``host[:port]``, the port left out when it is the scheme's default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def envelope_url(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.path}/api/{self.project_id}/envelope/"

    @property
    def store_url(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.path}/api/{self.project_id}/store/"

    def auth_header(self, client: str = USER_AGENT) -> str:
        """The ``X-Sentry-Auth`` header value."""
        value = f"Sentry sentry_key={self.public_key}, sentry_version=7, sentry_client={client}"
        if self.secret_key:
            value += f", sentry_secret={self.secret_key}"
        return value

    def __str__(self) -> str:
        """The DSN again, keys percent-encoded where needed: ``Dsn(str(dsn)) == dsn``."""
        secret = f":{_quote(self.secret_key)}" if self.secret_key else ""
        key = _quote(self.public_key)
        return f"{self.scheme}://{key}{secret}@{self.netloc}{self.path}/{self.project_id}"

    def __repr__(self) -> str:
        return f"Dsn({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dsn) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))
