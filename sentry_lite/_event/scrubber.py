"""Removing secrets and personal data before an event leaves the process.

Keys are compared after normalisation (lower case, ``-`` read as ``_``, a WSGI ``HTTP_``
prefix dropped), so ``Authorization``, ``X-Api-Key`` and ``HTTP_COOKIE`` match the
denylist entries ``authorization``, ``x_api_key`` and ``cookie``. With the default
denylist, keys that merely contain a secret-ish word (``db_password``, ``client_secret``,
``refresh_token``) are filtered too.

In the client's pipeline the filtering happens while values are serialized
(:mod:`~sentry_lite._event.databag` asks :class:`KeyPolicy`), so user objects are never
mutated and nothing is walked twice. :meth:`EventScrubber.scrub_event` also works on its
own, in place, for code that calls it directly.
"""

from __future__ import annotations

from sentry_lite._event.databag import FILTERED

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from sentry_lite.types import Breadcrumb, Event

DEFAULT_DENYLIST = [
    # passwords and secrets
    "password", "passwd", "mysql_pwd", "secret", "client_secret", "credentials",
    "private_key", "privatekey",
    # tokens and API keys
    "token", "access_token", "refresh_token", "id_token", "api_key", "apikey", "x_api_key",
    "auth", "authorization", "proxy_authorization", "x_auth_token",
    # sessions and cookies
    "session", "sessionid", "session_id", "_session", "user_session", "aiohttp_session",
    "connect.sid", "phpsessid", "cookie", "set_cookie",
    # CSRF
    "csrf", "_csrf", "csrftoken", "csrf_token", "_csrf_token", "x_csrftoken", "x_xsrf_token",
    "xsrf_token", "_xsrf",
]  # fmt: skip
DEFAULT_PII_DENYLIST = ["x_forwarded_for", "x_real_ip", "ip_address", "remote_addr"]
# With the default denylist, a key containing one of these, or ending with one of the
# suffixes, is filtered as well.
DEFAULT_FRAGMENTS = ("password", "passwd", "secret", "api_key", "apikey", "private_key",
                     "credential")  # fmt: skip
DEFAULT_SUFFIXES = ("_token", "_pwd")

_MAX_CACHED = 4096
_MAX_DEPTH = 20


def normalize_key(key: str) -> str:
    name = key.lower().replace("-", "_")
    return name[5:] if name.startswith("http_") else name


class KeyPolicy:
    """Decides which keys are secret; remembers its decisions per key string."""

    __slots__ = ("_decided", "exact", "fragments", "recursive", "suffixes")

    def __init__(
        self,
        denylist: Iterable[str],
        recursive: bool,
        fragments: Iterable[str] = (),
        suffixes: Iterable[str] = (),
    ) -> None:
        self.exact = frozenset(normalize_key(str(k)) for k in denylist)
        self.fragments = tuple(fragments)
        self.suffixes = tuple(suffixes)
        self.recursive = recursive
        self._decided: dict[str, bool] = {}

    def denied(self, key: str) -> bool:
        decision = self._decided.get(key)
        if decision is None:
            name = normalize_key(key)
            decision = (
                name in self.exact
                or any(f in name for f in self.fragments)
                or name.endswith(self.suffixes)
            )
            if len(self._decided) >= _MAX_CACHED:
                self._decided.clear()
            self._decided[key] = decision
        return decision


class EventScrubber:
    """Filters secrets (and, unless ``send_default_pii``, personal data) out of events.

    ``denylist`` replaces the default list of secret keys; ``pii_denylist`` lists the
    keys dropped unless ``send_default_pii=True``; ``recursive`` also filters keys nested
    inside the values (the client's default scrubber is recursive).
    """

    def __init__(
        self,
        denylist: list[str] | None = None,
        recursive: bool = False,
        send_default_pii: bool = False,
        pii_denylist: list[str] | None = None,
    ) -> None:
        self.denylist = list(DEFAULT_DENYLIST if denylist is None else denylist)
        self.pii_denylist = list(DEFAULT_PII_DENYLIST if pii_denylist is None else pii_denylist)
        self.recursive = recursive
        self.send_default_pii = send_default_pii
        if not send_default_pii:
            self.denylist += self.pii_denylist
        if denylist is None:
            self.policy = KeyPolicy(self.denylist, recursive, DEFAULT_FRAGMENTS, DEFAULT_SUFFIXES)
        else:
            self.policy = KeyPolicy(self.denylist, recursive)

    # -- standalone, in place -------------------------------------------------------

    def scrub_dict(self, data: Any, depth: int = 0) -> None:
        """Replace the values of denied keys in ``data`` (and deeper if recursive)."""
        if not isinstance(data, dict) or depth > _MAX_DEPTH:
            return
        denied = self.policy.denied
        for key, value in list(data.items()):
            if isinstance(key, str) and denied(key):
                data[key] = FILTERED
            elif self.recursive:
                self._descend(value, depth + 1)

    def scrub_list(self, data: Any, depth: int = 0) -> None:
        if not isinstance(data, list) or depth > _MAX_DEPTH:
            return
        for item in data:
            self._descend(item, depth + 1)

    def _descend(self, value: Any, depth: int) -> None:
        if isinstance(value, dict):
            self.scrub_dict(value, depth)
        elif isinstance(value, list):
            self.scrub_list(value, depth)

    def scrub_request(self, event: Event) -> None:
        request = event.get("request")
        if isinstance(request, dict):
            for part in ("headers", "cookies", "data", "env"):
                self.scrub_dict(request.get(part))

    def scrub_extra(self, event: Event) -> None:
        self.scrub_dict(event.get("extra"))

    def scrub_user(self, event: Event) -> None:
        user = event.get("user")
        if isinstance(user, dict):
            if not self.send_default_pii:
                user.pop("ip_address", None)
            self.scrub_dict(user)

    def scrub_breadcrumb(self, crumb: Breadcrumb) -> None:
        self.scrub_dict(crumb.get("data"))

    def scrub_breadcrumbs(self, event: Event) -> None:
        crumbs = event.get("breadcrumbs")
        values = crumbs.get("values") if isinstance(crumbs, dict) else None
        for crumb in values or ():
            if isinstance(crumb, dict):
                self.scrub_breadcrumb(crumb)

    def scrub_frames(self, event: Event) -> None:
        for stacktrace in _stacktraces(event):
            for frame in stacktrace.get("frames") or ():
                if isinstance(frame, dict):
                    self.scrub_dict(frame.get("vars"))

    def scrub_event(self, event: Event) -> None:
        """Scrub ``event`` in place (the client does the same while serializing)."""
        self.scrub_request(event)
        self.scrub_extra(event)
        self.scrub_user(event)
        self.scrub_breadcrumbs(event)
        self.scrub_frames(event)


def _stacktraces(event: Event) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for part in ("exception", "threads"):
        container = event.get(part)
        values = container.get("values") if isinstance(container, dict) else None
        for value in values or ():
            stacktrace = value.get("stacktrace") if isinstance(value, dict) else None
            if isinstance(stacktrace, dict):
                found.append(stacktrace)
    if isinstance(event.get("stacktrace"), dict):
        found.append(event["stacktrace"])
    return found


# -- the scrubber of a set of options ---------------------------------------------------

_defaults: dict[bool, EventScrubber] = {}
_foreign: dict[int, tuple[Any, KeyPolicy]] = {}


def scrubber_for(options: Any) -> Any:
    """``options.event_scrubber``, else the default scrubber for ``send_default_pii``."""
    given = options.event_scrubber
    if given is not None:
        return given
    pii = bool(options.send_default_pii)
    scrubber = _defaults.get(pii)
    if scrubber is None:
        scrubber = _defaults[pii] = EventScrubber(recursive=True, send_default_pii=pii)
    return scrubber


def policy_of(scrubber: Any) -> KeyPolicy:
    """The key policy of ``scrubber`` (ours, or any object with a ``denylist``)."""
    if isinstance(scrubber, EventScrubber):
        return scrubber.policy
    entry = _foreign.get(id(scrubber))
    if entry is None or entry[0] is not scrubber:
        denylist = getattr(scrubber, "denylist", None) or DEFAULT_DENYLIST
        recursive = bool(getattr(scrubber, "recursive", False))
        entry = (scrubber, KeyPolicy(denylist, recursive))
        if len(_foreign) > 16:
            _foreign.clear()
        _foreign[id(scrubber)] = entry
    return entry[1]


def overrides_scrub_event(scrubber: Any) -> bool:
    """True when ``scrubber.scrub_event`` is not ours and must be called explicitly."""
    method = getattr(type(scrubber), "scrub_event", None)
    return method is not None and method is not EventScrubber.scrub_event


def sends_pii(scrubber: Any) -> bool:
    return bool(getattr(scrubber, "send_default_pii", False))


__all__ = [
    "DEFAULT_DENYLIST",
    "DEFAULT_PII_DENYLIST",
    "EventScrubber",
    "KeyPolicy",
    "normalize_key",
    "policy_of",
    "scrubber_for",
]
