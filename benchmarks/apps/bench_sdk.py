"""The SDK an app of the framework benchmark runs with, chosen by ``BENCH_SDK``.

``none`` serves without any SDK (the route's SDK calls do nothing); ``sentry_lite``
or ``sentry_sdk`` is imported by name and initialised with the same options for both:
the DSN of the benchmark's loopback sink, ``traces_sample_rate=1.0`` and the default
integrations (each SDK switches its framework integration on by itself).

``BENCH_TRANSPORT=noop`` (for diagnosis, not used by the benchmark) gives both SDKs a
transport that drops envelopes: what is left of the loss is the request thread's share.
"""

from __future__ import annotations

import importlib
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class NoSdk:
    """What the route calls when no SDK is loaded: nothing happens."""

    __name__ = "none"

    @staticmethod
    def set_tag(key: str, value: Any) -> None:
        return None

    @staticmethod
    def add_breadcrumb(**kwargs: Any) -> None:
        return None


def load() -> Any:
    name = os.environ.get("BENCH_SDK", "none")
    if name == "none":
        return NoSdk
    sdk = importlib.import_module(name)
    options: dict[str, Any] = {}
    if os.environ.get("BENCH_TRANSPORT") == "noop":  # diagnosis: the caller's share alone
        sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        from _child import make_noop_transport

        options["transport"] = make_noop_transport(sdk)[0]
    sdk.init(dsn=os.environ["BENCH_DSN"], traces_sample_rate=1.0, **options)
    return sdk


def payload(sdk: Any, item_id: int) -> dict[str, Any]:
    """A little work for a route: a tag, a breadcrumb, a small JSON document."""
    sdk.set_tag("item.kind", "even" if item_id % 2 == 0 else "odd")
    sdk.add_breadcrumb(category="db", message=f"load item {item_id}", data={"id": item_id})
    related = [
        {"id": item_id * 10 + i, "name": f"item {item_id}-{i}", "price": round(i * 1.25, 2)}
        for i in range(10)
    ]
    return {"id": item_id, "related": related, "total": sum(r["price"] for r in related)}
