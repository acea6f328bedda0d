"""Removing secrets and personal data before an event leaves the process."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite.types import Breadcrumb, Event

FILTERED = "[Filtered]"
DEFAULT_DENYLIST = (
    "password", "passwd", "secret", "api_key", "apikey", "auth", "credentials",
    "mysql_pwd", "privatekey", "private_key", "token", "session", "csrftoken",
    "sessionid", "x_csrftoken", "x_forwarded_for", "set_cookie", "cookie",
    "authorization", "x_api_key",
)


class EventScrubber:
    def __init__(self, denylist: list[str] | None = None, send_default_pii: bool = False) -> None:
        self.denylist = {k.lower() for k in (denylist or DEFAULT_DENYLIST)}
        self.send_default_pii = send_default_pii

    def scrub_dict(self, data: Any) -> None:
        if isinstance(data, dict):
            for key in data:
                if isinstance(key, str) and key.lower() in self.denylist:
                    data[key] = FILTERED

    def scrub_breadcrumb(self, crumb: Breadcrumb) -> None:
        self.scrub_dict(crumb.get("data"))

    def scrub_event(self, event: Event) -> None:
        self.scrub_dict(event.get("extra"))
        self.scrub_dict(event.get("user"))
