"""Placeholder until the delivery work lands: an HTTP transport that sends nothing."""

from __future__ import annotations

from sentry_lite.transport import Transport

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sentry_lite.envelope import Envelope


class HttpTransport(Transport):
    def capture_envelope(self, envelope: Envelope) -> None:
        self.record_lost_event("send_error", quantity=len(envelope.items))
