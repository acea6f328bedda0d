"""Applying scopes to an event: data (later scope wins), breadcrumbs, processors."""

from __future__ import annotations

from sentry_lite._scope_vars import _global_processors

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from sentry_lite.scope import Scope
    from sentry_lite.types import Breadcrumb, Event, EventProcessor, Hint


def _sort_key(crumb: Breadcrumb) -> float:
    ts = crumb.get("timestamp")
    return float(ts) if isinstance(ts, (int, float)) else 0.0


def merge_breadcrumbs(
    event: Event, scopes: Iterable[Scope], limit: int, prepare: Callable[[Breadcrumb], object]
) -> None:
    """Put the scopes' breadcrumbs (and the event's own) on ``event``, in time order."""
    sources: list[Iterable[Breadcrumb]] = []
    own = event.get("breadcrumbs")
    if isinstance(own, dict) and own.get("values"):
        sources.append(own["values"])
    for scope in scopes:
        if scope._breadcrumbs:
            sources.append(scope.prepared_breadcrumbs(prepare))
    if not sources:
        return
    if len(sources) == 1:
        crumbs = list(sources[0])
    else:
        crumbs = sorted((c for source in sources for c in source), key=_sort_key)
    if len(crumbs) > limit:
        crumbs = crumbs[len(crumbs) - limit :] if limit else []
    event["breadcrumbs"] = {"values": crumbs}


def _merge_data(event: Event, scopes: list[Scope]) -> None:
    level = transaction = user = fingerprint = None
    tags: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    contexts: dict[str, Any] = {}
    info: dict[str, Any] = {}
    for scope in scopes:
        if scope._level is not None:
            level = scope._level
        if scope._transaction is not None:
            transaction = scope._transaction
        if scope._transaction_info:
            info.update(scope._transaction_info)
        if scope._user is not None:
            user = scope._user
        if scope._fingerprint is not None:
            fingerprint = scope._fingerprint
        if scope._tags:
            tags.update(scope._tags)
        if scope._extras:
            extras.update(scope._extras)
        if scope._contexts:
            contexts.update(scope._contexts)
    if level is not None:
        event["level"] = level
    is_transaction = event.get("type") == "transaction"
    if transaction is not None and not is_transaction and not event.get("transaction"):
        event["transaction"] = transaction
        if info and "transaction_info" not in event:
            event["transaction_info"] = info
    if user is not None and not event.get("user"):
        event["user"] = user
    if fingerprint is not None and not event.get("fingerprint"):
        event["fingerprint"] = fingerprint
    for key, merged in (("tags", tags), ("extra", extras), ("contexts", contexts)):
        if merged:
            own: Any = event.get(key)
            if own:
                merged.update(own)
            event[key] = merged  # type: ignore[literal-required]


def _trace_context(event: Event, scopes: list[Scope]) -> None:
    contexts = event.setdefault("contexts", {})
    if "trace" in contexts:
        return
    top = scopes[-1]
    for scope in reversed(scopes):
        if scope._span is not None:
            top = scope
            break
    contexts["trace"] = top.get_trace_context()


def _run_processors(event: Event, hint: Hint, scopes: list[Scope], client: Any) -> Event | None:
    exc_info = hint.get("exc_info")
    if exc_info is not None:
        for scope in scopes:
            for error_processor in scope._error_processors:
                result = _call_processor(error_processor, event, exc_info, client)
                if result is None:
                    return None
                event = result
    processors: list[EventProcessor] = list(_global_processors)
    for scope in scopes:
        processors.extend(scope._event_processors)
    for processor in processors:
        try:  # (_call_processor's work, inlined: this loop runs for every event)
            result = processor(event, hint)
        except Exception:
            if client is not None:
                client.log_error(f"event processor {processor!r} raised; it was skipped")
            continue
        if result is None:
            if client is not None:
                client.log_debug(f"event processor {processor!r} dropped the event")
            return None
        event = result
    return event


def _call_processor(func: Any, event: Event, arg: Any, client: Any) -> Event | None:
    try:
        result: Event | None = func(event, arg)
    except Exception:
        if client is not None:
            client.log_error(f"event processor {func!r} raised; it was skipped")
        return event
    if result is None and client is not None:
        client.log_debug(f"event processor {func!r} dropped the event")
    return result


def apply_scopes(
    event: Event,
    hint: Hint,
    scopes: list[Scope],
    options: Any = None,
    client: Any = None,
    prepare: Callable[[Breadcrumb], object] | None = None,
) -> Event | None:
    """Merge ``scopes`` (later wins) into ``event`` and run their processors."""
    _merge_data(event, scopes)
    if event.get("type") != "transaction":  # as in the official SDK: crumbs go on errors
        limit = options.max_breadcrumbs if options is not None else 100
        merge_breadcrumbs(event, scopes, limit, prepare or _noop)
        if any(scope._flags for scope in scopes):
            _merge_flags(event, scopes)
    _trace_context(event, scopes)
    # Always a list, as upstream: before_send and processors may append to it.
    attachments = [a for s in scopes for a in s._attachments]
    given = hint.get("attachments")
    hint["attachments"] = attachments + list(given) if given else attachments
    return _run_processors(event, hint, scopes, client)


def _merge_flags(event: Event, scopes: list[Scope]) -> None:
    from sentry_lite._flags import merged_flags

    values = merged_flags(scope._flags for scope in scopes)
    if values:
        flags = event.setdefault("contexts", {}).setdefault("flags", {})
        if isinstance(flags, dict):
            flags["values"] = values


def check_in_scopes(event: Event, scopes: list[Scope]) -> Event:
    """What the scopes give a check-in: the trace context only (as the official SDK)."""
    if scopes:
        _trace_context(event, scopes)
    trace = (event.get("contexts") or {}).get("trace")
    event["contexts"] = {"trace": trace} if trace is not None else {}
    return event


def _noop(crumb: Breadcrumb) -> None:
    return None


__all__ = ["apply_scopes", "check_in_scopes", "merge_breadcrumbs"]
