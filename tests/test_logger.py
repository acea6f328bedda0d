"""Sentry Logs: sentry_lite.logger and the logging integration, delivered in batches."""

from __future__ import annotations

import logging
from typing import Any

import sentry_lite
from sentry_lite import logger
from tests.telemetry_helpers import run_items, shape

DEFAULT_ATTRS = {"sentry.sdk.name", "sentry.sdk.version", "process.runtime.name",
                 "process.runtime.version", "server.address", "sentry.environment",
                 "sentry.release"}


def _fresh_logger(name: str) -> logging.Logger:
    """A logger no earlier test (or framework logging config) has disabled or raised."""
    log = logging.getLogger(name)
    log.disabled = False
    log.setLevel(logging.DEBUG)
    return log


def _logs(server: Any) -> list[dict[str, Any]]:
    return [entry for item in server.items_of("log") for entry in item.payload.json["items"]]


def _value(entry: dict[str, Any], name: str) -> Any:
    return entry["attributes"][name]["value"]


def test_a_thousand_logs_and_records_arrive_once_in_a_few_batches(sentry_server: Any) -> None:
    sentry_lite.init(dsn=sentry_server.dsn, enable_logs=True, release="r-1",
                     server_name="host-1", send_default_pii=True)
    sentry_lite.set_user({"id": "u-1", "email": "u@example.com", "username": "ann"})
    app_logger = _fresh_logger("tests.logs.shop")
    app_logger.setLevel(logging.INFO)
    for n in range(1000):
        logger.info("order {order} paid by {who}", order=n, who="ann")
        app_logger.info("record %d of %s", n, "ann", extra={"shard": n % 4})
    sentry_lite.flush(timeout=10)

    items = sentry_server.items_of("log")
    logs = _logs(sentry_server)
    assert len(logs) == 2000
    assert 2 <= len(items) <= 40  # batches of up to 100, never one envelope per log
    assert all(item.headers["item_count"] == len(item.payload.json["items"]) for item in items)
    assert all(item.headers["content_type"] == "application/vnd.sentry.items.log+json"
               for item in items)
    api_logs = [e for e in logs if e["body"].startswith("order ")]
    records = [e for e in logs if e["body"].startswith("record ")]
    assert sorted(_value(e, "sentry.message.parameter.order") for e in api_logs) == list(
        range(1000))
    assert sorted(_value(e, "sentry.message.parameter.0") for e in records) == list(range(1000))
    first = api_logs[0]
    assert first["level"] == "info" and first["body"] == "order 0 paid by ann"
    assert _value(first, "sentry.message.template") == "order {order} paid by {who}"
    assert set(first["attributes"]) >= DEFAULT_ATTRS
    assert _value(first, "sentry.release") == "r-1"
    assert _value(first, "server.address") == "host-1"
    assert _value(first, "user.id") == "u-1" and _value(first, "user.email") == "u@example.com"
    assert _value(first, "user.name") == "ann"
    assert _value(first, "sentry.severity_number") == 9
    record = records[0]
    assert _value(record, "logger.name") == "tests.logs.shop"
    assert _value(record, "sentry.origin") == "auto.log.stdlib"
    assert _value(record, "sentry.message.template") == "record %d of %s"
    assert _value(record, "shard") == 0
    assert record["trace_id"] == first["trace_id"]


def test_before_send_log_edits_and_drops(sentry_init: Any, sentry_envelopes: Any,
                                         sentry_lost: Any) -> None:
    def hook(log: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
        if "secret" in log["body"]:
            return None
        log["attributes"]["edited"] = True
        log["body"] = log["body"].upper()
        return log

    sentry_init(before_send_log=hook)
    logger.warning("keep {x}", x=1)
    logger.error("a secret")
    sentry_lite.flush()
    (item,) = [i for e in sentry_envelopes for i in e.items if i.type == "log"]
    (log,) = item.payload.json["items"]
    assert log["body"] == "KEEP 1" and log["level"] == "warn"
    assert log["attributes"]["edited"] == {"value": True, "type": "boolean"}
    assert ("before_send", "log_item", 1) in sentry_lost
    assert any(r == "before_send" and c == "log_byte" and q > 0 for r, c, q in sentry_lost)


def test_a_hook_that_raises_drops_the_log_and_the_app_goes_on(sentry_init: Any,
                                                              sentry_lost: Any) -> None:
    def hook(log: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("bad hook")

    sentry_init(before_send_log=hook)
    logger.info("x")
    assert ("callback_error", "log_item", 1) in sentry_lost


def test_a_log_inside_a_transaction_carries_its_trace(sentry_init: Any,
                                                      sentry_envelopes: Any) -> None:
    sentry_init(traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="checkout") as tx, tx.start_child(op="db") as span:
        logger.info("inside")
    logger.info("outside")
    sentry_lite.flush()
    logs = [entry for e in sentry_envelopes for i in e.items if i.type == "log"
            for entry in i.payload.json["items"]]
    inside, outside = logs
    assert inside["trace_id"] == tx.trace_id and inside["span_id"] == span.span_id
    assert "span_id" not in outside


def test_positional_parameters_and_attributes(sentry_init: Any, sentry_envelopes: Any) -> None:
    sentry_init()
    logger.debug("{} + {} = {total}", 1, 2, total=3, attributes={"tags": ["a", "b"],
                                                                "obj": {"k": 1}})
    logger.fatal("{missing} stays")
    sentry_lite.flush()
    first, second = [entry for e in sentry_envelopes for i in e.items if i.type == "log"
                     for entry in i.payload.json["items"]]
    assert first["body"] == "1 + 2 = 3" and first["level"] == "debug"
    attrs = first["attributes"]
    assert attrs["sentry.message.parameter.0"] == {"value": 1, "type": "integer"}
    assert attrs["sentry.message.parameter.total"] == {"value": 3, "type": "integer"}
    assert attrs["tags"] == {"value": ["a", "b"], "type": "array"}
    assert attrs["obj"] == {"value": "{'k': 1}", "type": "string"}
    assert second["body"] == "{missing} stays" and second["level"] == "fatal"
    assert "sentry.message.template" not in second["attributes"]


def test_the_sdk_never_logs_about_itself(sentry_init: Any, sentry_envelopes: Any) -> None:
    sentry_init(enable_logs=True, debug=True)
    logging.getLogger("sentry_lite.errors").warning("internal")
    logging.getLogger("urllib3.connectionpool").warning("pool")
    _fresh_logger("tests.logs.mine").warning("mine")
    sentry_lite.flush()
    bodies = [entry["body"] for e in sentry_envelopes for i in e.items if i.type == "log"
              for entry in i.payload.json["items"]]
    assert bodies == ["mine"]


def test_records_need_enable_logs_and_respect_the_levels(sentry_init: Any,
                                                         sentry_envelopes: Any) -> None:
    from sentry_lite.integrations.logging import LoggingIntegration

    sentry_init(integrations=[LoggingIntegration(sentry_logs_level=logging.WARNING)],
                enable_logs=True)
    log = _fresh_logger("tests.logs.levels")
    log.info("too low")
    log.warning("sent")
    sentry_lite.flush()
    bodies = [entry["body"] for e in sentry_envelopes for i in e.items if i.type == "log"
              for entry in i.payload.json["items"]]
    assert bodies == ["sent"]
    sentry_envelopes.clear()
    sentry_init()  # enable_logs off: records stay out, the logger API still records
    log.warning("not sent")
    logger.info("api")
    sentry_lite.flush()
    bodies = [entry["body"] for e in sentry_envelopes for i in e.items if i.type == "log"
              for entry in i.payload.json["items"]]
    assert bodies == ["api"]


def test_sentry_logs_handler_and_ignored_loggers(sentry_init: Any, sentry_envelopes: Any) -> None:
    from sentry_lite.integrations.logging import (
        SentryLogsHandler,
        ignore_logger_for_sentry_logs,
    )

    sentry_init(enable_logs=True, default_integrations=False)
    log = _fresh_logger("tests.logs.handled")
    log.addHandler(SentryLogsHandler(level=logging.INFO))
    log.propagate = False
    try:
        log.error("via handler %s", "x")
        ignore_logger_for_sentry_logs("tests.logs.handled")
        log.error("ignored")
    finally:
        log.handlers.clear()
        log.propagate = True
        from sentry_lite.integrations.logging import unignore_logger_for_sentry_logs

        unignore_logger_for_sentry_logs("tests.logs.handled")
    sentry_lite.flush()
    logs = [entry for e in sentry_envelopes for i in e.items if i.type == "log"
            for entry in i.payload.json["items"]]
    assert [entry["body"] for entry in logs] == ["via handler x"]
    assert logs[0]["attributes"]["sentry.severity_number"]["value"] == 17


def test_logs_have_the_official_wire_shape() -> None:
    code = """
    from {module} import logger
    logger.info("hello {name} {n}", name="w", n=3, attributes={"a": [1, 2], "f": 1.5})
    logger.warning("plain")
    with sdk.start_transaction(name="t"):
        logger.error("in tx {ok}", ok=True)
    """
    mine = run_items("sentry_lite", code.replace("{module}", "sentry_lite"))
    theirs = run_items("sentry_sdk", code.replace("{module}", "sentry_sdk"))
    assert shape(mine) == shape(theirs)
    assert mine[0]["headers"]["type"] == "log" and mine[0]["payload"]["version"] == 2


def test_logs_still_buffered_at_exit_are_sent(sentry_server: Any) -> None:
    import subprocess
    import sys

    script = (
        "import sentry_lite\n"
        "from sentry_lite import logger, metrics\n"
        f"sentry_lite.init(dsn={sentry_server.dsn!r})\n"
        "logger.info('last words')\n"
        "metrics.count('exits', 1)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert sentry_server.wait_for_items("log", 1)
    assert sentry_server.wait_for_items("trace_metric", 1)
    assert [e["body"] for e in _logs(sentry_server)] == ["last words"]


def test_logs_are_sent_at_exit_without_the_atexit_integration(sentry_server: Any) -> None:
    import subprocess
    import sys

    script = (
        "import sentry_lite\n"
        "from sentry_lite import logger\n"
        f"sentry_lite.init(dsn={sentry_server.dsn!r}, default_integrations=False)\n"
        "logger.error('no integrations')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert sentry_server.wait_for_items("log", 1)
    assert [e["body"] for e in _logs(sentry_server)] == ["no integrations"]


def test_forwarded_records_have_the_official_wire_shape() -> None:
    code = """
    import logging
    from {module}.integrations.logging import LoggingIntegration
    sdk.init(dsn="https://key@127.0.0.1:9/1", transport=Keep(), release="r-1",
             environment="env-1", server_name="host-1", enable_logs=True,
             default_integrations=False, integrations=[LoggingIntegration()])
    log = logging.getLogger("shop.orders")
    log.warning("order %s of %d", "a", 2, extra={"shard": 3, "obj": [1, 2]})
    log.error("no args")
    """
    mine = run_items("sentry_lite", code.replace("{module}", "sentry_lite"))
    theirs = run_items("sentry_sdk", code.replace("{module}", "sentry_sdk"))
    assert shape(mine) == shape(theirs)
    bodies = [entry["body"] for entry in mine[0]["payload"]["items"]]
    assert bodies == ["order a of 2", "no args"]


def test_logs_from_many_threads_are_each_delivered_or_counted_once(
    sentry_init: Any, sentry_envelopes: Any, sentry_lost: Any
) -> None:
    import threading

    sentry_init()

    def work(worker: int) -> None:
        for n in range(300):
            logger.info("w{worker} n{n}", worker=worker, n=n)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sentry_lite.flush()
    bodies = [entry["body"] for e in sentry_envelopes for i in e.items if i.type == "log"
              for entry in i.payload.json["items"]]
    dropped = sum(q for reason, cat, q in sentry_lost if cat == "log_item")
    assert len(bodies) == len(set(bodies))
    assert len(bodies) + dropped == 1200
    assert all(reason == "queue_overflow" for reason, cat, _ in sentry_lost if cat == "log_item")


def test_the_older_switches_for_logs(sentry_init: Any, sentry_envelopes: Any) -> None:
    from sentry_lite.integrations.logging import LoggingIntegration

    log = _fresh_logger("tests.logs.switches")
    sentry_init(_experiments={"enable_logs": True})  # the experimental spelling
    log.warning("experiments")
    sentry_lite.flush()  # this client's batch, before the next init() replaces it
    sentry_init(enable_logs=True, integrations=[LoggingIntegration(capture_sentry_logs=False)])
    log.warning("switched off by the integration")
    sentry_init(integrations=[LoggingIntegration(capture_sentry_logs=True)])
    log.warning("switched on by the integration")
    sentry_lite.flush()
    bodies = [entry["body"] for e in sentry_envelopes for i in e.items if i.type == "log"
              for entry in i.payload.json["items"]]
    assert sorted(bodies) == ["experiments", "switched on by the integration"]
