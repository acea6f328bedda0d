"""The dynamic sampling context (DSC): what the head of a trace tells Sentry and downstream.

It travels in the ``baggage`` header (``sentry-`` prefixed) and in the ``trace`` header of
envelopes. Once it has left the SDK it is frozen: every later event of the trace carries the same
one. Values are strings.
"""

from __future__ import annotations

from sentry_lite.tracing._sampling import format_rate, format_sample_rand

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Names that are not good enough to sample by (they may hold ids): kept out of the DSC.
LOW_QUALITY_SOURCES = frozenset({"url"})


def org_id(options: Any, dsn: Any) -> str | None:
    """The organisation id: the ``org_id`` option, else the ``o123.`` prefix of the DSN host."""
    explicit = options.org_id if options is not None else None
    if explicit:
        return str(explicit)
    host = getattr(dsn, "host", None)
    if not isinstance(host, str) or not host:
        return None
    label = host.split(".", 1)[0]
    if len(label) > 1 and label[0] == "o" and label[1:].isdigit():
        return label[1:]
    return None


def build_dsc(
    trace_id: str,
    options: Any,
    dsn: Any,
    *,
    sample_rand: float | None = None,
    transaction: str | None = None,
    source: str | None = None,
    sample_rate: float | None = None,
    sampled: bool | None = None,
) -> dict[str, str]:
    """A fresh DSC for a trace this SDK heads (``options`` and ``dsn`` may be ``None``)."""
    dsc: dict[str, str] = {"trace_id": trace_id}
    if sample_rand is not None:
        dsc["sample_rand"] = format_sample_rand(sample_rand)
    if options is not None:
        if options.environment:
            dsc["environment"] = str(options.environment)
        if options.release:
            dsc["release"] = str(options.release)
    if dsn is not None:
        dsc["public_key"] = dsn.public_key
    org = org_id(options, dsn)
    if org:
        dsc["org_id"] = org
    if transaction and source not in LOW_QUALITY_SOURCES:
        dsc["transaction"] = transaction
    if sample_rate is not None:
        dsc["sample_rate"] = format_rate(sample_rate)
    if sampled is not None:
        dsc["sampled"] = "true" if sampled else "false"
    return dsc


def same_org(incoming: dict[str, str] | None, options: Any, dsn: Any) -> bool:
    """Whether an incoming trace may be continued, by its ``org_id`` and ours.

    Different ids never continue; with ``strict_trace_continuation`` a missing id on
    either side does not either.
    """
    theirs = (incoming or {}).get("org_id") or None
    ours = org_id(options, dsn)
    if theirs and ours:
        return theirs == ours
    strict = options is not None and bool(options.strict_trace_continuation)
    return not strict or (theirs is None and ours is None)


__all__ = ["LOW_QUALITY_SOURCES", "build_dsc", "org_id", "same_org"]
