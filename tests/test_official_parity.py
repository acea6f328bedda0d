"""The same code on the official ``sentry_sdk`` and on sentry_lite sends the same thing.

Each side runs in its own interpreter (the official SDK's globals stay out of this process)
with an in-memory transport; the tests compare what each one sent. Where sentry_lite keeps
a deliberate difference (docs/migration.md, "Differences you may notice"), the test shows
both behaviours, so that the list stays true.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

pytest.importorskip("sentry_sdk")

HARNESS = """
import json, sys
if sys.argv[1] == "sentry_sdk":
    import sentry_sdk as sdk
    from sentry_sdk.integrations.asgi import SentryAsgiMiddleware
    from sentry_sdk.scope import use_scope
    from sentry_sdk.transport import Transport
else:
    import sentry_lite as sdk
    from sentry_lite.integrations.asgi import SentryAsgiMiddleware
    from sentry_lite.scope import use_scope
    from sentry_lite.transport import Transport

sent = []

class Capture(Transport):
    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type in ("event", "transaction"):
                sent.append(json.loads(item.payload.get_bytes()))

sdk.init(dsn="https://key@localhost/1", transport=Capture(), default_integrations=False,
         auto_enabling_integrations=False, traces_sample_rate=1.0)
out = {}
"""


def run_both(code: str) -> dict[str, dict[str, Any]]:
    """``code`` on each SDK: {"sentry_sdk": {"sent": [...], "out": {...}}, "sentry_lite": ...}."""
    script = HARNESS + textwrap.dedent(code) + (
        "\nsdk.flush()\nprint(json.dumps({'sent': sent, 'out': out}, default=str))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    results = {}
    for name in ("sentry_sdk", "sentry_lite"):
        done = subprocess.run([sys.executable, "-c", script, name], capture_output=True,
                              text=True, env=env, timeout=60, check=False)
        assert done.returncode == 0, f"{name}: {done.stderr}"
        results[name] = json.loads(done.stdout.splitlines()[-1])
    return results


def sent(results: dict[str, Any], name: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = results[name]["sent"]
    return events


def test_a_custom_event_level_goes_out_as_given() -> None:
    results = run_both("""
        sdk.capture_event({"message": "m", "level": "custom"})
        sdk.capture_event({"message": "m", "level": "critical"})
    """)
    for name in results:
        assert [e["level"] for e in sent(results, name)] == ["custom", "critical"], name


def test_an_iso_breadcrumb_timestamp_goes_out_as_the_official_sdk_sends_it() -> None:
    results = run_both("""
        sdk.add_breadcrumb(message="given", timestamp="2024-05-01T12:00:00Z")
        sdk.add_breadcrumb(message="offset", timestamp="2024-05-01T14:00:00.5+02:00")
        sdk.capture_message("m")
    """)
    stamps = {}
    for name in results:
        crumbs = sent(results, name)[0]["breadcrumbs"]["values"]
        stamps[name] = {c["message"]: c["timestamp"] for c in crumbs}
    assert stamps["sentry_lite"] == stamps["sentry_sdk"] == {
        "given": "2024-05-01T12:00:00.000000Z", "offset": "2024-05-01T12:00:00.500000Z"}


def test_a_transaction_entered_under_use_scope_is_that_scopes_span() -> None:
    results = run_both("""
        scope = sdk.get_current_scope().fork()
        with use_scope(scope):
            with sdk.start_transaction(name="tx") as tx:
                out["span_is_tx"] = scope.span is tx
                out["transaction_is_tx"] = scope.transaction is tx
                with sdk.start_span(op="child") as child:
                    out["child_is_span"] = scope.span is child
                out["back_to_tx"] = scope.span is tx
        out["after"] = scope.span is None
    """)
    for name in results:
        assert results[name]["out"] == {"span_is_tx": True, "transaction_is_tx": True,
                                        "child_is_span": True, "back_to_tx": True,
                                        "after": True}, name


def test_what_an_asyncio_task_sets_outside_an_isolation_scope_reaches_the_main_thread() -> None:
    results = run_both("""
        import asyncio

        async def main():
            sdk.set_tag("service", "worker")
            sdk.set_user({"id": "42"})
            sdk.add_breadcrumb(message="in the task")

        asyncio.run(main())
        sdk.capture_message("after")
    """)
    for name in results:
        (event,) = sent(results, name)
        assert event["tags"] == {"service": "worker"}, name
        assert event["user"] == {"id": "42"}, name
        assert [c["message"] for c in event["breadcrumbs"]["values"]] == ["in the task"], name


def test_a_transaction_set_by_hand_as_a_scope_s_span_names_its_events() -> None:
    results = run_both("""
        import importlib
        Transaction = importlib.import_module(sys.argv[1] + ".tracing").Transaction
        scope = sdk.get_current_scope().fork()
        scope.span = Transaction(name="by hand", source="task")
        with use_scope(scope):
            sdk.capture_message("m")
    """)
    for name in results:
        (event,) = sent(results, name)
        assert event["transaction"] == "by hand", name
        assert event["transaction_info"] == {"source": "task"}, name


def test_a_transaction_s_http_status_and_keys_that_subclass_str() -> None:
    results = run_both("""
        import enum

        class Color(str, enum.Enum):
            RED = "red"

        class Header(str):
            pass

        sdk.set_extra("by_color", {Color.RED: 1, Header("host"): 2})
        sdk.capture_message("m")
        with sdk.start_transaction(name="GET /x") as tx:
            tx.set_http_status(404)
    """)
    for name in results:
        event, transaction = sent(results, name)
        assert event["extra"]["by_color"] == {"Color.RED": 1, "host": 2}, name
        assert transaction["contexts"]["response"] == {"status_code": 404}, name


ASGI = """
import asyncio

async def app(scope, receive, send):
    if scope["path"] == "/reported":
        try:
            raise KeyError("reported by the application")
        except KeyError:
            sdk.capture_exception()
        await send({"type": "http.response.start", "status": 500, "headers": []})
        await send({"type": "http.response.body", "body": b"sorry"})
        return
    await send({"type": "http.response.start", "status": 500, "headers": []})
    await send({"type": "http.response.body", "body": b"sorry"})
    raise ValueError("escaped")

async def call(path):
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": b"a=1", "headers": [(b"host", b"app.test")],
             "server": ("127.0.0.1", 8123), "client": ("127.0.0.1", 50000)}
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}
    async def send(message):
        pass
    try:
        await SentryAsgiMiddleware(app)(scope, receive, send)
    except ValueError:
        pass

for path in ("/escaped", "/reported"):
    asyncio.run(call(path))
"""


def test_bare_asgi_middleware_names_by_url_and_reports_a_500_once() -> None:
    results = run_both(ASGI)
    seen = {}
    for name in results:
        seen[name] = sorted(
            (e.get("type", "event"), e["transaction"], e["transaction_info"]["source"],
             [x["type"] for x in e.get("exception", {}).get("values", [])], "message" in e)
            for e in sent(results, name)
        )
    assert seen["sentry_lite"] == seen["sentry_sdk"]
    assert seen["sentry_lite"] == [
        ("event", "http://127.0.0.1:8123/escaped", "url", ["ValueError"], False),
        ("event", "http://127.0.0.1:8123/reported", "url", ["KeyError"], False),
        ("transaction", "http://127.0.0.1:8123/escaped", "url", [], False),
        ("transaction", "http://127.0.0.1:8123/reported", "url", [], False),
    ]


# -- differences kept on purpose (docs/migration.md says why) ---------------------------


def test_kept_event_tags_win_over_scope_tags() -> None:
    # The official SDK overwrites what the caller put in the event with the scope's values:
    # the caller's value is lost. sentry_lite keeps the event's own values.
    results = run_both("""
        sdk.set_tag("where", "scope")
        sdk.set_extra("where", "scope")
        sdk.capture_event({"message": "m", "tags": {"where": "event"},
                           "extra": {"where": "event"}})
    """)
    official, lite = sent(results, "sentry_sdk")[0], sent(results, "sentry_lite")[0]
    assert (official["tags"]["where"], official["extra"]["where"]) == ("scope", "scope")
    assert (lite["tags"]["where"], lite["extra"]["where"]) == ("event", "event")


def test_kept_unknown_breadcrumb_keys_go_into_data() -> None:
    # The official SDK sends them at the top level, where Sentry's normalizer drops them.
    results = run_both("""
        sdk.add_breadcrumb(message="m", config_source="env")
        sdk.capture_message("m")
    """)
    official = sent(results, "sentry_sdk")[0]["breadcrumbs"]["values"][0]
    lite = sent(results, "sentry_lite")[0]["breadcrumbs"]["values"][0]
    assert official["config_source"] == "env" and "data" not in official
    assert lite["data"] == {"config_source": "env"} and "config_source" not in lite


def test_kept_levels_sentry_would_misread_are_normalized() -> None:
    # "WARNING" and "warn" reach Sentry as "error" when sent as given (Relay knows only
    # the lowercase names); sentry_lite sends "warning".
    results = run_both("""
        sdk.capture_event({"message": "m", "level": "WARNING"})
        sdk.capture_event({"message": "m", "level": "warn"})
    """)
    assert [e["level"] for e in sent(results, "sentry_sdk")] == ["WARNING", "warn"]
    assert [e["level"] for e in sent(results, "sentry_lite")] == ["warning", "warning"]


def test_kept_init_rejects_values_that_cannot_work() -> None:
    # The official SDK takes traces_sample_rate=2 and then drops every transaction;
    # max_breadcrumbs=-1 makes its add_breadcrumb raise later, in the application.
    code = textwrap.dedent("""
        import sys
        sdk = __import__(sys.argv[1])
        results = []
        for options in ({"traces_sample_rate": 2}, {"max_breadcrumbs": -1}):
            try:
                sdk.init(dsn="https://key@localhost/1", default_integrations=False, **options)
                sdk.add_breadcrumb(message="m")
                results.append("accepted")
            except Exception as error:
                results.append(type(error).__name__)
        print(results)
    """)
    said = {}
    for name in ("sentry_sdk", "sentry_lite"):
        done = subprocess.run([sys.executable, "-c", code, name], capture_output=True,
                              text=True, timeout=60, check=True)
        said[name] = done.stdout.strip()
    assert said == {"sentry_sdk": "['accepted', 'IndexError']",
                    "sentry_lite": "['ValueError', 'ValueError']"}


def test_kept_an_ended_transaction_does_not_name_later_events() -> None:
    # The official SDK leaves the name on the scope: errors long after the transaction ended
    # (the rest of the script, the next job) carry it. sentry_lite names a fork of the scope.
    results = run_both("""
        with sdk.start_transaction(name="nightly-job"):
            sdk.capture_message("during")
        sdk.capture_message("after")
    """)
    official = [e.get("transaction") for e in sent(results, "sentry_sdk") if "message" in e]
    lite = [e.get("transaction") for e in sent(results, "sentry_lite") if "message" in e]
    assert official == ["nightly-job", "nightly-job"]
    assert lite == ["nightly-job", None]
