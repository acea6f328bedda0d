"""The client's event pipeline: from ``capture_event`` to one envelope for the transport.

``EventPipeline.run`` is a chain of small named steps; each may drop the event,
and every drop is counted by reason (client reports) through the client:

    filter (ignore_errors) -> sample (sample_rate, error_sampler) -> stacktrace
    -> scopes (merge, processors) -> defaults -> scrub -> serialize
    -> before_send -> envelope -> transport

The client owns the options, the transport and the counting of losses; the
pipeline owns what only events need: the scrubber, the sampling randomness and
the shape of the envelope (headers, profile, attachments).
"""

from __future__ import annotations

from time import time

from sentry_lite._event.breadcrumbs import prepare_breadcrumb
from sentry_lite._event.defaults import apply_defaults
from sentry_lite._event.scrubber import scrubber_for
from sentry_lite._event.serializer import serialize_event
from sentry_lite._ids import new_event_id
from sentry_lite._merge import apply_scopes, check_in_scopes
from sentry_lite.envelope import Envelope, Item, PayloadRef

TYPE_CHECKING = False
if TYPE_CHECKING:
    from random import Random
    from typing import Any

    from sentry_lite.attachments import Attachment
    from sentry_lite.client import Client
    from sentry_lite.scope import Scope
    from sentry_lite.types import Breadcrumb, Event, ExcInfo, Hint

# Event types other than errors: their data category (rate limits, client reports) and item.
CATEGORIES = {"transaction": "transaction", "check_in": "monitor"}
_ITEM_TYPES = {"transaction": "transaction", "monitor": "check_in"}


class EventPipeline:
    """The steps one client runs every event through; see the module docstring."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self.options = client.options
        # filtering happens while serializing (breadcrumbs, events) and building frames
        self._scrubber: Any = scrubber_for(client.options)
        self._random: Random | None = None  # made when a sample rate below 1 is used

    def run(self, event: Event, hint: Hint, scopes: list[Scope], category: str) -> str | None:
        """The event's id once handed to the transport; ``None`` when a step dropped it."""
        options = self.options
        client = self._client
        if "event_id" not in event:
            event["event_id"] = new_event_id()
        if category == "error":
            if is_ignored(hint.get("exc_info"), options.ignore_errors):
                client._lost("event_processor", category)
                return None
            if not self._sampled(event, hint):
                self._count_in_session(event, scopes)  # an error all the same
                client._lost("sample_rate", category)
                return None
        if "timestamp" not in event:
            event["timestamp"] = time()
        if options.attach_stacktrace and category == "error":
            self._attach_stacktrace(event)
        own_crumbs = event.get("breadcrumbs")
        if isinstance(own_crumbs, dict):
            for crumb in own_crumbs.get("values") or ():
                self.prepare_breadcrumb(crumb)
        if category == "monitor":  # check-ins carry the trace context, no other scope data
            prepared: Event | None = check_in_scopes(event, scopes)
        else:
            prepared = apply_scopes(event, hint, scopes, options, client, self.prepare_breadcrumb)
        if prepared is None:
            self._dropped("event_processor", category, event, hint)
            return None
        event = prepared
        apply_defaults(event, options, client._integration_names)
        if category == "monitor":
            event["contexts"].pop("runtime", None)
        event = serialize_event(event, options, self._scrubber)
        final = self._before_send(event, hint, category)
        if final is None:
            self._dropped("before_send", category, event, hint)
            return None
        if category == "error":
            self._count_in_session(final, scopes)
        if "dynamic_sampling_context" not in hint:
            hint["dynamic_sampling_context"] = self._dynamic_sampling_context(final, scopes)
        self._send(final, hint, category)
        event_id: str | None = final.get("event_id")
        return event_id

    def _dropped(self, reason: str, category: str, event: Event, hint: Hint) -> None:
        lost = self._client._lost
        lost(reason, category)
        if event.get("type") == "transaction":  # its spans go with it (itself counted as one)
            lost(reason, "span", len(event.get("spans") or ()) + 1)
        if hint.get("profile") is not None:  # a dropped transaction takes its profile along
            lost(reason, "profile")

    # -- the steps -------------------------------------------------------------------

    def _sampled(self, event: Event, hint: Hint) -> bool:
        sampler = self.options.error_sampler
        rate: Any = self.options.sample_rate
        if sampler is not None:
            try:
                rate = sampler(event, hint)
            except Exception:
                self._client.log_error("error_sampler raised; the event is kept")
                return True
            if isinstance(rate, bool):
                return rate
            if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
                self._client.log_debug(f"error_sampler returned {rate!r}; the event is kept")
                return True
        if rate >= 1:
            return True
        if self._random is None:
            from random import Random

            self._random = Random()
        return bool(self._random.random() < rate)

    def _count_in_session(self, event: Event, scopes: list[Scope]) -> None:
        for scope in scopes:
            if scope._session is not None:
                from sentry_lite._health import session_of, update_from_event

                session = session_of(scopes)
                if session is not None:
                    update_from_event(session, event)
                return

    def _attach_stacktrace(self, event: Event) -> None:
        from sentry_lite._event.frames import attach_current_stacktrace

        attach_current_stacktrace(event, self.options)

    def prepare_breadcrumb(self, crumb: Breadcrumb) -> None:
        """Trim and scrub a breadcrumb the way the event's own ones are."""
        prepare_breadcrumb(crumb, self.options, self._scrubber)

    def _before_send(self, event: Event, hint: Hint, category: str) -> Event | None:
        hook = (
            self.options.before_send_transaction
            if category == "transaction"
            else self.options.before_send
        )
        if hook is None:
            return event
        try:
            result: Event | None = hook(event, hint)
        except Exception:
            self._client.log_error("before_send raised; the event is dropped")
            return None
        if result is not None and not isinstance(result, dict):
            self._client.log_debug(
                f"before_send returned {type(result).__name__}; the event is dropped"
            )
            return None
        return result

    def _dynamic_sampling_context(self, event: Event, scopes: list[Scope]) -> Any:
        """The envelope ``trace`` header: the DSC of the trace the event belongs to."""
        try:
            from sentry_lite.tracing._ops import dsc_for_event

            return dsc_for_event(event, scopes, self._client)
        except Exception:
            self._client.log_error("could not build the dynamic sampling context")
            return None

    # -- the envelope ----------------------------------------------------------------

    def _send(self, event: Event, hint: Hint, category: str) -> None:
        """Put ``event`` (with its profile and attachments) in an envelope for the transport."""
        dsn = self._client._parsed_dsn
        headers: dict[str, Any] = {"event_id": event.get("event_id")}
        if dsn is not None:
            headers["dsn"] = str(dsn)
        trace = event.get("contexts", {}).get("trace")
        dsc = hint.get("dynamic_sampling_context")
        if dsc is None and isinstance(trace, dict) and trace.get("trace_id"):
            dsc = {"trace_id": trace["trace_id"]}
            if dsn is not None:
                dsc["public_key"] = dsn.public_key
        if dsc:
            headers["trace"] = dsc
        envelope = Envelope(headers=headers)
        envelope.add_item(Item(PayloadRef(json=event), type=_ITEM_TYPES.get(category, "event")))
        if category == "transaction" and hint.get("profile") is not None:
            self._add_profile(envelope, hint["profile"], event)
        for attachment in hint.get("attachments") or ():
            self._add_attachment(envelope, attachment, category)
        transport = self._client.transport
        assert transport is not None
        transport.capture_envelope(envelope)

    def _add_profile(self, envelope: Envelope, profile: Any, event: Event) -> None:
        try:
            payload = profile.to_json(event, self.options)
        except Exception:
            self._client.log_error("could not build a profile")
            self._client._lost("internal_sdk_error", "profile")
            return
        envelope.add_item(Item(PayloadRef(json=payload), type="profile"))

    def _add_attachment(self, envelope: Envelope, attachment: Attachment, category: str) -> None:
        if category == "transaction" and not attachment.add_to_transactions:
            return
        try:
            data = attachment.read()
        except Exception:
            self._client.log_error(f"could not read attachment {attachment.filename!r}")
            self._client._lost("internal_sdk_error", "attachment")
            return
        envelope.add_item(
            Item(
                data,
                type="attachment",
                content_type=attachment.content_type or "application/octet-stream",
                filename=attachment.filename,
            )
        )


def is_ignored(exc_info: ExcInfo | None, ignore: Any) -> bool:
    """The exception of ``exc_info`` matches an ``ignore_errors`` entry (a class, or a
    class name, qualified or not, anywhere in its MRO)."""
    if not ignore or not exc_info or exc_info[0] is None:
        return False
    cls: type[BaseException] = exc_info[0]
    names = {f"{k.__module__}.{k.__qualname__}" for k in cls.__mro__} | {
        k.__name__ for k in cls.__mro__
    }
    for entry in ignore:
        if isinstance(entry, str):
            if entry in names:
                return True
        elif isinstance(entry, type) and issubclass(cls, entry):
            return True
    return False


__all__ = ["CATEGORIES", "EventPipeline", "is_ignored"]
