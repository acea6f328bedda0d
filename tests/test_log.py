"""The SDK's own diagnostics: silent by default, on stderr with debug=True."""

from __future__ import annotations

from typing import Any

import sentry_lite


def _broken(event: Any, hint: Any) -> Any:
    raise RuntimeError("hook bug")


def test_debug_writes_to_the_current_stderr(sentry_init: Any, capsys: Any) -> None:
    sentry_init(debug=True, before_send=_broken)
    sentry_lite.capture_message("x")
    err = capsys.readouterr().err
    assert "[sentry_lite] ERROR: before_send raised" in err
    assert "RuntimeError: hook bug" in err


def test_without_debug_the_sdk_is_silent(sentry_init: Any, capsys: Any) -> None:
    sentry_init(before_send=_broken)
    sentry_lite.capture_message("x")
    assert "sentry_lite" not in capsys.readouterr().err


def test_debug_names_options_that_have_no_effect(sentry_init: Any, capsys: Any) -> None:
    sentry_init(debug=True, ignore_spans=["x"])
    err = capsys.readouterr().err
    assert "option ignore_spans is accepted but has no effect" in err
    assert "option trace_lifecycle" not in err  # left at its default: nothing to say
