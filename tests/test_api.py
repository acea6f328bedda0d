"""The module-level API: init(), its errors, the client, custom transports, imports."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import sentry_lite
from sentry_lite._dsn import BadDsn
from sentry_lite.envelope import Envelope
from sentry_lite.testing import CapturingTransport

ROOT = Path(__file__).resolve().parents[1]


def test_public_names_are_sorted_complete_and_importable() -> None:
    names = sentry_lite.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    for name in names:
        assert getattr(sentry_lite, name) is not None
    assert sentry_lite.VERSION == sentry_lite.consts.VERSION


def test_import_paths_that_official_sdk_users_write() -> None:
    from sentry_lite.consts import VERSION
    from sentry_lite.envelope import Envelope, Item
    from sentry_lite.integrations import DidNotEnable, Integration
    from sentry_lite.scope import Scope
    from sentry_lite.transport import HttpTransport, Transport
    from sentry_lite.types import Breadcrumb, Event, Hint

    assert issubclass(HttpTransport, Transport)
    assert sentry_lite.Transport is Transport and sentry_lite.HttpTransport is HttpTransport
    assert sentry_lite.Scope is Scope
    assert issubclass(DidNotEnable, Exception) and Integration.identifier == ""
    assert all(x is not None for x in (VERSION, Envelope, Item, Breadcrumb, Event, Hint))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("capture_exception", ["error", "scope", "scope_kwargs"]),
        ("capture_message", ["message", "level", "scope", "scope_kwargs"]),
        ("capture_event", ["event", "hint", "scope", "scope_kwargs"]),
        ("add_breadcrumb", ["crumb", "hint", "kwargs"]),
        ("set_tag", ["key", "value"]),
        ("set_user", ["value"]),
        ("flush", ["timeout", "callback"]),
        (
            "add_attachment",
            ["bytes", "filename", "path", "content_type", "add_to_transactions"],
        ),
        ("set_transaction_name", ["name", "source"]),
    ],
)
def test_signatures_match_the_official_sdk(name: str, params: list[str]) -> None:
    assert list(inspect.signature(getattr(sentry_lite, name)).parameters) == params


def test_init_rejects_an_unknown_option_by_name() -> None:
    with pytest.raises(TypeError, match="max_breadcrumb"):
        sentry_lite.init(max_breadcrumb=10)
    assert not sentry_lite.is_initialized()


@pytest.mark.parametrize(
    ("dsn", "message"),
    [
        ("not a dsn", "scheme"),
        ("ftp://key@host/1", "scheme 'ftp'"),
        ("https://host/1", "public key"),
        ("https://key@/1", "no host"),
        ("https://key@host/", "project id"),
        ("https://key@host/abc", "project id"),
        ("https://key@host:99999/1", "Invalid DSN"),
    ],
)
def test_init_rejects_a_malformed_dsn_clearly(dsn: str, message: str) -> None:
    with pytest.raises(BadDsn, match=message) as info:
        sentry_lite.init(dsn=dsn)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("sample_rate", 2),
        ("sample_rate", "1"),
        ("traces_sample_rate", -0.1),
        ("max_breadcrumbs", -1),
        ("max_breadcrumbs", 1.5),
        ("shutdown_timeout", -1),
        ("transport_queue_size", 0),
        ("before_send", "not callable"),
        ("max_request_body_size", "huge"),
        ("in_app_include", "mypackage"),
        ("release", 123),
        ("transport", 42),
    ],
)
def test_init_rejects_bad_option_values_naming_the_option(option: str, value: Any) -> None:
    with pytest.raises(ValueError, match=option):
        sentry_lite.init(**{option: value})


def test_init_without_dsn_works_and_sends_nothing(monkeypatch: Any) -> None:
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    sentry_lite.init()
    assert sentry_lite.is_initialized()
    client = sentry_lite.get_client()
    assert client.transport is None and client.dsn is None
    assert sentry_lite.capture_message("goes nowhere") is None
    sentry_lite.flush()


def test_init_reads_the_environment(monkeypatch: Any) -> None:
    monkeypatch.setenv("SENTRY_DSN", "https://abc@example.invalid/42")
    monkeypatch.setenv("SENTRY_RELEASE", "rel-1")
    monkeypatch.setenv("SENTRY_ENVIRONMENT", "staging")
    monkeypatch.setenv("SENTRY_DEBUG", "yes")
    sentry_lite.init(transport=CapturingTransport)
    options = sentry_lite.get_client().options
    assert (options.dsn, options.release, options.environment, options.debug) == (
        "https://abc@example.invalid/42",
        "rel-1",
        "staging",
        True,
    )
    assert options["release"] == "rel-1" and "release" in options


def test_init_takes_the_dsn_positionally_and_returns_a_closing_guard() -> None:
    transport = CapturingTransport()
    with sentry_lite.init("https://k@example.invalid/1", transport=transport):
        assert sentry_lite.get_client().dsn == "https://k@example.invalid/1"
        assert sentry_lite.capture_message("inside") is not None
    assert sentry_lite.get_client().transport is None  # closed by the guard
    assert len(transport.events) == 1


def test_capture_returns_the_event_id_and_sends_an_envelope(sentry_envelopes: list[Any]) -> None:
    event_id = sentry_lite.capture_message("hello", level="warning")
    assert event_id is not None and len(event_id) == 32
    envelope = sentry_envelopes[0]
    assert envelope.headers["event_id"] == event_id
    assert envelope.items[0].type == "event"
    event = envelope.get_event()
    assert event["message"] == "hello" and event["level"] == "warning"
    assert event["platform"] == "python"


def test_sdk_block_names_sentry_lite(sentry_events: list[Any]) -> None:
    sentry_lite.capture_message("x")
    sdk = sentry_events[0]["sdk"]
    assert sdk["version"] == sentry_lite.VERSION
    assert {"name": "pypi:sentry-lite", "version": sentry_lite.VERSION} in sdk["packages"]


class _OurStyleTransport(sentry_lite.Transport):
    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self.received: list[Envelope] = []
        self.flushed: list[float] = []
        self.killed = False

    def capture_envelope(self, envelope: Envelope) -> None:
        self.received.append(envelope)

    def flush(self, timeout: float, callback: Any = None) -> None:
        self.flushed.append(timeout)

    def kill(self) -> None:
        self.killed = True


def test_transport_instance_gets_envelopes_flush_and_kill() -> None:
    transport = _OurStyleTransport()
    sentry_lite.init(transport=transport, shutdown_timeout=3)
    sentry_lite.capture_message("via instance")
    sentry_lite.flush()
    sentry_lite.flush(timeout=0.5)
    sentry_lite.get_client().close()
    assert transport.flushed == [3, 0.5, 3]
    assert transport.killed
    item = transport.received[0].items[0]
    assert item.type == "event" and item.headers["type"] == "event"
    assert item.payload.json["message"] == "via instance"
    assert json.loads(item.payload.bytes)["message"] == "via instance"


def test_transport_class_is_instantiated_with_the_options() -> None:
    sentry_lite.init("https://key@example.invalid/7", transport=_OurStyleTransport)
    transport = sentry_lite.get_client().transport
    assert isinstance(transport, _OurStyleTransport)
    assert transport.parsed_dsn is not None and transport.parsed_dsn.project_id == "7"
    sentry_lite.capture_message("x")
    assert len(transport.received) == 1


def test_old_style_callable_transport_gets_the_error_events_only() -> None:
    received: list[Any] = []
    sentry_lite.init(transport=received.append, traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="checkout"):
        sentry_lite.capture_message("to a function")
    sentry_lite.flush(5)
    # as the official SDK: the function is for events; the transaction goes nowhere
    assert [e["message"] for e in received] == ["to a function"]
    assert received[0]["transaction"] == "checkout"


def test_a_transport_written_for_the_official_sdk_works_unchanged() -> None:
    pytest.importorskip("sentry_sdk.transport")
    from sentry_sdk.transport import Transport as OfficialTransport

    class OfficialStyle(OfficialTransport):
        def __init__(self, options: Any = None) -> None:
            super().__init__(options)
            self.events: list[Any] = []
            self.attachments: list[bytes] = []

        def capture_envelope(self, envelope: Any) -> None:
            event = envelope.get_event()
            self.events.append(event)
            for item in envelope.items:
                if item.type == "attachment":
                    self.attachments.append(item.payload.bytes)

        def flush(self, timeout: float, callback: Any = None) -> None:
            return None

    sentry_lite.init("https://key@example.invalid/3", transport=OfficialStyle)
    sentry_lite.add_attachment(bytes=b"log line", filename="app.log")
    sentry_lite.capture_message("for the official base class")
    transport = sentry_lite.get_client().transport
    assert isinstance(transport, OfficialStyle)
    assert transport.events[0]["message"] == "for the official base class"
    assert transport.attachments == [b"log line"]
    sentry_lite.flush()


def test_attachments_from_bytes_path_and_callable(
    tmp_path: Path, sentry_envelopes: list[Any]
) -> None:
    log = tmp_path / "server.log"
    log.write_bytes(b"from a file")
    sentry_lite.add_attachment(bytes=b"raw", filename="raw.bin", content_type="text/plain")
    sentry_lite.add_attachment(path=str(log))
    sentry_lite.add_attachment(bytes=lambda: b"lazy", filename="lazy.txt")
    sentry_lite.capture_message("with files")
    items = [i for i in sentry_envelopes[0].items if i.type == "attachment"]
    assert [(i.headers["filename"], i.payload.bytes) for i in items] == [
        ("raw.bin", b"raw"),
        ("server.log", b"from a file"),
        ("lazy.txt", b"lazy"),
    ]
    assert items[0].headers["content_type"] == "text/plain"
    assert items[0].headers["length"] == 3
    # not given: guessed from the file name (as upstream), else application/octet-stream
    assert [i.headers["content_type"] for i in items[1:]] == ["application/octet-stream",
                                                              "text/plain"]


def test_before_send_can_add_attachments_through_the_hint(sentry_init: Any,
                                                        sentry_envelopes: list[Any]) -> None:
    from sentry_lite.attachments import Attachment

    def before_send(event: Any, hint: Any) -> Any:
        hint["attachments"].append(Attachment(bytes=b"added", filename="added.json"))
        return event

    sentry_init(before_send=before_send)
    sentry_lite.capture_message("no attachment on the scope")
    (envelope,) = sentry_envelopes
    (item,) = [i for i in envelope.items if i.type == "attachment"]
    assert (item.headers["filename"], item.payload.bytes) == ("added.json", b"added")
    assert item.headers["content_type"] == "application/json"


def test_before_send_can_edit_and_drop_and_raising_drops(
    sentry_init: Any, sentry_events: list[Any], sentry_lost: list[Any]
) -> None:
    def before_send(event: Any, hint: Any) -> Any:
        if event["message"] == "drop":
            return None
        if event["message"] == "boom":
            raise RuntimeError("hook bug")
        event["tags"] = {"edited": "yes"}
        return event

    sentry_init(before_send=before_send)
    assert sentry_lite.capture_message("keep") is not None
    assert sentry_lite.capture_message("drop") is None
    assert sentry_lite.capture_message("boom") is None
    assert [e["message"] for e in sentry_events] == ["keep"]
    assert sentry_events[0]["tags"] == {"edited": "yes"}
    assert sentry_lost == [("before_send", "error", 1), ("before_send", "error", 1)]


def test_sample_rate_zero_drops_and_counts(
    sentry_init: Any, sentry_events: list[Any], sentry_lost: list[Any]
) -> None:
    sentry_init(sample_rate=0.0)
    assert sentry_lite.capture_message("never") is None
    assert sentry_events == [] and sentry_lost == [("sample_rate", "error", 1)]


def test_import_has_no_side_effects_and_stays_in_the_stdlib() -> None:
    script = (
        "import sys, threading\n"
        "before = set(sys.modules); threads = threading.active_count()\n"
        "import sentry_lite\n"
        "added = sorted(set(sys.modules) - before)\n"
        "print(repr((added, threading.active_count() - threads)))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env
    ).stdout
    added, new_threads = eval(out)
    assert new_threads == 0
    stdlib = set(sys.stdlib_module_names)
    foreign = [m for m in added if m.split(".")[0] not in stdlib | {"sentry_lite"}]
    assert foreign == [], f"import sentry_lite pulled in {foreign}"
    heavy = {"urllib3", "ssl", "http", "logging", "json", "typing", "dataclasses", "uuid"}
    assert heavy.isdisjoint(m.split(".")[0] for m in added), added


def test_nothing_escapes_a_capture_even_with_a_broken_transport(sentry_init: Any) -> None:
    class Broken(sentry_lite.Transport):
        def capture_envelope(self, envelope: Any) -> None:
            raise OSError("disk full")

        def record_lost_event(self, *args: Any, **kwargs: Any) -> None:
            raise RuntimeError("also broken")

    sentry_lite.init(transport=Broken())
    assert sentry_lite.capture_message("x") is None
    assert sentry_lite.capture_exception(ValueError("v")) is None


def test_capture_exception_forms(sentry_events: list[Any]) -> None:
    try:
        raise KeyError("handled now")
    except KeyError:
        sentry_lite.capture_exception()
        info = sys.exc_info()
    sentry_lite.capture_exception(ValueError("given"))
    sentry_lite.capture_exception(info)
    assert sentry_lite.capture_exception() is None  # nothing being handled
    types = [e["exception"]["values"][-1]["type"] for e in sentry_events]
    assert types == ["KeyError", "ValueError", "KeyError"]
