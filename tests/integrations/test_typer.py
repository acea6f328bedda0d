"""Typer: an exception escaping a command is reported, Typer's traceback still printed."""

from __future__ import annotations

import pytest

pytest.importorskip("typer")

from sentry_lite._loopback import LoopbackServer

APP = """
import sys, typer, sentry_lite
from sentry_lite.integrations.typer import TyperIntegration
IMPORT_FIRST
app = typer.Typer()

@app.command()
def deploy(region: str) -> None:
    sentry_lite.set_tag("region", region)
    raise RuntimeError(f"cannot deploy to {region}")

sys.argv = ["deploy", "eu-west"]
app()
"""


def run_app(python, server, *, integration: bool = True, after: bool = False):
    init = (f"sentry_lite.init(dsn={server.dsn!r}, "
            f"integrations={'[TyperIntegration()]' if integration else '[]'})")
    code = APP.replace("IMPORT_FIRST", init)
    if after:  # init() before typer is imported
        code = init.replace("sentry_lite.init", "import sentry_lite; from sentry_lite.integrations."
                            "typer import TyperIntegration; sentry_lite.init") + "\n" + code
        code = code.replace("IMPORT_FIRST", "")
    return python(code, env={"TYPER_STANDARD_TRACEBACK": "1", "NO_COLOR": "1"})


@pytest.mark.parametrize("after", [False, True], ids=["imported-before", "init-first"])
def test_an_uncaught_command_error_is_reported(python, after) -> None:
    with LoopbackServer() as server:
        result = run_app(python, server, after=after)
        assert server.wait_for_events(1, timeout=10)
        events = server.events
    assert result.returncode == 1
    assert "cannot deploy to eu-west" in result.stderr  # Typer still printed it
    (event,) = events
    (exception,) = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["mechanism"] == {"type": "typer", "handled": False}
    assert event["tags"]["region"] == "eu-west"


def test_without_the_integration_typer_errors_are_not_reported(python) -> None:
    with LoopbackServer() as server:
        result = run_app(python, server, integration=False)
        events = server.events
    assert result.returncode == 1
    assert "cannot deploy to eu-west" in result.stderr
    assert events == []
