"""The SQLAlchemy integration: real engines on SQLite files (sync, and async through
aiosqlite), and on a real PostgreSQL server when ``pgserver`` can start one."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

sqlalchemy = pytest.importorskip("sqlalchemy")

from sqlalchemy import create_engine, event, text  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.sqlalchemy import SqlalchemyIntegration  # noqa: E402


@pytest.fixture
def engine(tmp_path: Any) -> Any:
    engine = create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)"))
    yield engine
    engine.dispose()


def _spans(tx: dict[str, Any]) -> list[dict[str, Any]]:
    return [span for span in tx["spans"] if span["op"] == "db"]


def _query_crumbs(event: dict[str, Any]) -> list[dict[str, Any]]:
    crumbs = event.get("breadcrumbs", {}).get("values", [])
    return [crumb for crumb in crumbs if crumb.get("category") == "query"]


def test_a_statement_is_a_span_without_its_parameters(
    sentry_init, sentry_transactions, engine, tmp_path
) -> None:
    sentry_init(traces_sample_rate=1.0, integrations=[SqlalchemyIntegration()])
    with sentry_lite.start_transaction(name="orders"), engine.connect() as conn:
        conn.execute(text("INSERT INTO items (name) VALUES (:name)"), {"name": "s3cret"})
        conn.execute(text("SELECT 1"))

    (tx,) = sentry_transactions
    insert, select = _spans(tx)
    assert insert["description"] == "INSERT INTO items (name) VALUES (?)"
    assert select["description"] == "SELECT 1"
    assert insert["origin"] == "auto.db.sqlalchemy"
    assert insert["parent_span_id"] == tx["contexts"]["trace"]["span_id"]
    assert insert["data"]["db.system"] == "sqlite"
    assert insert["data"]["db.driver.name"] == "pysqlite"
    assert insert["data"]["db.name"] == str(tmp_path / "shop.db")
    assert "db.params" not in insert["data"]
    assert "s3cret" not in str(tx)


def test_parameters_only_with_send_default_pii(sentry_init, sentry_transactions,
                                               engine) -> None:
    sentry_init(traces_sample_rate=1.0, send_default_pii=True)
    with sentry_lite.start_transaction(name="orders"), engine.connect() as conn:
        conn.execute(text("INSERT INTO items (name) VALUES (:name)"),
                     [{"name": "a"}, {"name": "b"}])
    (tx,) = sentry_transactions
    (span,) = _spans(tx)
    assert span["data"]["db.params"] == [["a"], ["b"]]
    assert span["data"]["db.paramstyle"] == "qmark"
    assert span["data"]["db.executemany"] is True


def test_statements_leave_breadcrumbs_and_errors_mark_the_span(
    sentry_init, sentry_transactions, sentry_events, engine
) -> None:
    sentry_init(traces_sample_rate=1.0)
    with sentry_lite.start_transaction(name="broken"), engine.connect() as conn:
        conn.execute(text("SELECT name FROM items"))
        with pytest.raises(sqlalchemy.exc.OperationalError):
            conn.execute(text("SELECT nope FROM missing_table"))
        sentry_lite.capture_exception(ValueError("after the bad statement"))

    (tx,) = sentry_transactions
    ok, failed = _spans(tx)
    assert ok.get("status", "ok") == "ok"
    assert failed["description"] == "SELECT nope FROM missing_table"
    assert failed["status"] == "internal_error"
    (event,) = sentry_events
    messages = [crumb["message"] for crumb in _query_crumbs(event)]
    assert messages == ["SELECT name FROM items", "SELECT nope FROM missing_table"]


def test_a_slow_statement_records_where_it_was_run(sentry_init, sentry_transactions,
                                                   engine) -> None:
    sentry_init(traces_sample_rate=1.0, db_query_source_threshold_ms=20)

    @event.listens_for(engine, "before_cursor_execute")
    def slow_down(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "slow" in statement:
            time.sleep(0.05)

    with sentry_lite.start_transaction(name="slow"), engine.connect() as conn:
        conn.execute(text("SELECT 'slow'"))
        conn.execute(text("SELECT 'fast'"))
    (tx,) = sentry_transactions
    slow, fast = _spans(tx)
    assert slow["data"]["code.function"] == "test_a_slow_statement_records_where_it_was_run"
    assert slow["data"]["code.namespace"] == __name__
    assert slow["data"]["code.filepath"].endswith("test_sqlalchemy.py")
    assert isinstance(slow["data"]["code.lineno"], int)
    assert "code.function" not in fast["data"]


def test_query_source_can_be_switched_off(sentry_init, sentry_transactions, engine) -> None:
    sentry_init(traces_sample_rate=1.0, db_query_source_threshold_ms=0,
                enable_db_query_source=False)
    with sentry_lite.start_transaction(name="quiet"), engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    (span,) = _spans(sentry_transactions[0])
    assert "code.lineno" not in span["data"]


def test_the_async_engine(sentry_init, sentry_transactions, tmp_path) -> None:
    pytest.importorskip("aiosqlite")
    pytest.importorskip("greenlet")
    from sqlalchemy.ext.asyncio import create_async_engine

    sentry_init(traces_sample_rate=1.0)

    async def work() -> None:
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'async.db'}")
        with sentry_lite.start_transaction(name="async orders"):
            async with engine.begin() as conn:
                await conn.execute(text("CREATE TABLE t (x INTEGER)"))
                await conn.execute(text("INSERT INTO t VALUES (1)"))
        await engine.dispose()

    asyncio.run(work())
    (tx,) = sentry_transactions
    descriptions = [span["description"] for span in _spans(tx)]
    assert descriptions == ["CREATE TABLE t (x INTEGER)", "INSERT INTO t VALUES (1)"]
    assert all(span["data"]["db.driver.name"] == "aiosqlite" for span in _spans(tx))


def test_switches_on_by_itself_and_off_again(sentry_init, sentry_transactions, engine) -> None:
    client = sentry_init(traces_sample_rate=1.0)
    assert "sqlalchemy" in client.integrations
    sentry_init(traces_sample_rate=1.0, disabled_integrations=["sqlalchemy"])
    with sentry_lite.start_transaction(name="off"), engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    (tx,) = sentry_transactions
    assert _spans(tx) == []


# -- PostgreSQL ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_uri(tmp_path_factory: Any) -> Any:
    pgserver = pytest.importorskip("pgserver", reason="pgserver bundles a PostgreSQL server")
    pytest.importorskip("psycopg2", reason="no PostgreSQL driver (psycopg2) installed")
    try:
        server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="stop")
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"pgserver could not start PostgreSQL: {exc!r}")
    yield server.get_uri()
    server.cleanup()


def test_postgresql_spans_name_the_server(sentry_init, sentry_transactions,
                                          postgres_uri) -> None:
    engine = create_engine(postgres_uri.replace("postgresql://", "postgresql+psycopg2://"))
    sentry_init(traces_sample_rate=1.0)
    try:
        with sentry_lite.start_transaction(name="pg"), engine.connect() as conn:
            assert conn.execute(text("SELECT :n + 1"), {"n": 41}).scalar() == 42
    finally:
        engine.dispose()
    (tx,) = sentry_transactions
    (span,) = _spans(tx)
    assert span["description"] == "SELECT %(n)s + 1"
    assert span["data"]["db.system"] == "postgresql"
    assert span["data"]["db.driver.name"] == "psycopg2"
    assert span["data"]["db.name"] == engine.url.database
    if engine.url.host is not None:
        assert span["data"]["server.address"] == engine.url.host


def test_uninstall_removes_the_listeners(sentry_init) -> None:
    from sqlalchemy.engine import Engine

    from sentry_lite.integrations import sqlalchemy as integration

    sentry_init(integrations=[SqlalchemyIntegration()])
    assert event.contains(Engine, "before_cursor_execute", integration._before)
    SqlalchemyIntegration.uninstall()
    for name, hook in (("before_cursor_execute", integration._before),
                       ("after_cursor_execute", integration._after),
                       ("handle_error", integration._error)):
        assert not event.contains(Engine, name, hook)
