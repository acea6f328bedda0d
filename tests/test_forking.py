"""The fork helper of the tests: a hung child shows its stacks and is stopped; one that
raises leaves with its own code; neither ever runs the parent's pytest."""

from __future__ import annotations

import os
import time

import pytest

from tests.forking import HUNG, RAISED, fork_child, run_in_child, wait_child

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def test_a_child_exits_with_what_its_body_returns() -> None:
    assert run_in_child(lambda: None) == 0
    assert run_in_child(lambda: True) == 0
    assert run_in_child(lambda: False) == 1
    assert run_in_child(lambda: 7) == 7


def test_a_child_whose_body_raises_exits_with_its_own_code(
    capfd: pytest.CaptureFixture[str],
) -> None:
    def body() -> None:
        raise ValueError("in the child")

    assert run_in_child(body) == RAISED
    assert "ValueError: in the child" in capfd.readouterr().err


def test_a_hung_child_writes_its_stacks_and_is_stopped_by_its_alarm(
    capfd: pytest.CaptureFixture[str],
) -> None:
    def stuck_in_the_child() -> None:
        time.sleep(60)

    started = time.monotonic()
    assert run_in_child(stuck_in_the_child, limit=1) == -14  # SIGALRM, after the stacks
    assert time.monotonic() - started < 30
    assert "stuck_in_the_child" in capfd.readouterr().err


def test_the_parent_kills_a_child_that_outlives_its_wait() -> None:
    def ignores_its_alarm() -> None:
        import signal

        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        time.sleep(60)

    pid = fork_child(ignores_its_alarm, limit=30)
    assert wait_child(pid, limit=0.5) == HUNG
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: nothing is left behind
