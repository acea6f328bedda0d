"""Breadcrumbs are made final once, when added, so events can reuse them as they are."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sentry_lite._options import Options
    from sentry_lite.types import Breadcrumb


def prepare_breadcrumb(crumb: Breadcrumb, options: Options | None) -> Breadcrumb:
    """Make ``crumb`` (a dict the SDK owns) JSON-safe, bounded and scrubbed."""
    from sentry_lite._event.serializer import serialize_databag

    data = crumb.get("data")
    if data is not None:
        crumb["data"] = serialize_databag(data)
    return crumb
