"""The DSN: parsed once at ``init()`` into an immutable value."""

from __future__ import annotations

from sentry_lite.consts import USER_AGENT


class BadDsn(ValueError):
    """The DSN given to ``init()`` cannot be used; the message says why."""


def _unquote(text: str) -> str:
    if "%" not in text:
        return text
    from urllib.parse import unquote  # rare: percent-encoded keys

    return unquote(text)


def _split(text: str) -> tuple[str, str, str, str, int | None, str]:
    """scheme, user, password, host, port and path of a URL (urllib.parse costs ~3 ms)."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        return "", "", "", "", None, ""
    for mark in "?#":
        rest = rest.partition(mark)[0]
    netloc, slash, path = rest.partition("/")
    userinfo, _, hostport = netloc.rpartition("@")
    user, _, secret = userinfo.partition(":")
    if hostport.startswith("["):
        host, bracket, after = hostport[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            raise BadDsn(f"Invalid DSN {text!r}: malformed IPv6 address")
        port_text = after[1:]
    else:
        host, _, port_text = hostport.partition(":")
    port = None
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) <= 65535:
            raise BadDsn(f"Invalid DSN {text!r}: port {port_text!r} out of range 1-65535")
        port = int(port_text)
    return scheme.lower(), _unquote(user), _unquote(secret), host.lower(), port, slash + path


class Dsn:
    """``{scheme}://{public_key}[:{secret}]@{host}[:{port}]{/path}/{project_id}``."""

    __slots__ = ("host", "path", "port", "project_id", "public_key", "scheme", "secret_key")

    def __init__(self, value: str | Dsn) -> None:
        if isinstance(value, Dsn):
            value = str(value)
        if not isinstance(value, str):
            raise BadDsn(f"DSN must be a string, got {type(value).__name__}")
        text = value.strip()
        scheme, user, secret, host, port, path = _split(text)
        if scheme not in ("http", "https"):
            raise BadDsn(f"Unsupported scheme {scheme!r} in DSN (use http or https)")
        if not host:
            raise BadDsn(f"DSN {text!r} has no host")
        if not user:
            raise BadDsn(f"DSN {text!r} has no public key (expected scheme://KEY@host/PROJECT)")
        path, _, project_id = path.rstrip("/").rpartition("/")
        if not project_id or not project_id.isdigit():
            raise BadDsn(f"DSN {text!r} has no numeric project id at the end of its path")
        self.scheme: str = scheme
        self.public_key: str = user
        self.secret_key: str | None = secret or None
        self.host: str = host
        self.port: int = port if port is not None else (443 if scheme == "https" else 80)
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
        secret = f":{self.secret_key}" if self.secret_key else ""
        return f"{self.scheme}://{self.public_key}{secret}@{self.netloc}{self.path}/{self.project_id}"

    def __repr__(self) -> str:
        return f"Dsn({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dsn) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))
