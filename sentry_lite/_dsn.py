"""The DSN: parsed once at ``init()`` into an immutable value."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from sentry_lite.consts import USER_AGENT


class BadDsn(ValueError):
    """The DSN given to ``init()`` cannot be used; the message says why."""


class Dsn:
    """``{scheme}://{public_key}[:{secret}]@{host}[:{port}]{/path}/{project_id}``."""

    __slots__ = ("host", "path", "port", "project_id", "public_key", "scheme", "secret_key")

    def __init__(self, value: str | Dsn) -> None:
        if isinstance(value, Dsn):
            value = str(value)
        if not isinstance(value, str):
            raise BadDsn(f"DSN must be a string, got {type(value).__name__}")
        text = value.strip()
        try:
            parts = urlsplit(text)
            port = parts.port
        except ValueError as exc:
            raise BadDsn(f"Invalid DSN {text!r}: {exc}") from None
        if parts.scheme not in ("http", "https"):
            raise BadDsn(f"Unsupported scheme {parts.scheme!r} in DSN (use http or https)")
        if not parts.hostname:
            raise BadDsn(f"DSN {text!r} has no host")
        if not parts.username:
            raise BadDsn(f"DSN {text!r} has no public key (expected scheme://KEY@host/PROJECT)")
        path, _, project_id = parts.path.rstrip("/").rpartition("/")
        if not project_id or not project_id.isdigit():
            raise BadDsn(f"DSN {text!r} has no numeric project id at the end of its path")
        self.scheme: str = parts.scheme
        self.public_key: str = unquote(parts.username)
        self.secret_key: str | None = unquote(parts.password) if parts.password else None
        self.host: str = parts.hostname
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
        secret = f":{self.secret_key}" if self.secret_key else ""
        return f"{self.scheme}://{self.public_key}{secret}@{self.netloc}{self.path}/{self.project_id}"

    def __repr__(self) -> str:
        return f"Dsn({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dsn) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))
