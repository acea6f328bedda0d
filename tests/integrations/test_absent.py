"""The official integration modules sentry_lite does not implement import, and say so."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
import warnings
from typing import Any

import pytest

import sentry_lite
from sentry_lite._options import OptionHasNoEffectWarning
from sentry_lite.integrations import DidNotEnable, uninstall
from sentry_lite.integrations._absent import ABSENT


@pytest.mark.parametrize("module", sorted(ABSENT))
def test_every_absent_module_imports_with_its_official_class(module: str) -> None:
    imported = importlib.import_module(f"sentry_lite.integrations.{module}")
    cls = getattr(imported, ABSENT[module][0])
    assert cls.identifier == ABSENT[module][1]
    cls(include_prompts=False)  # the official arguments are accepted


def test_without_its_library_it_does_not_enable_as_upstream() -> None:
    from sentry_lite.integrations.aiomysql import AioMySQLIntegration

    with pytest.raises(DidNotEnable, match="aiomysql is not installed"):
        sentry_lite.init(integrations=[AioMySQLIntegration()])


def test_with_its_library_it_warns_once_and_does_nothing(sentry_init: Any) -> None:
    from sentry_lite.integrations.gnu_backtrace import GnuBacktraceIntegration

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        client = sentry_init(integrations=[GnuBacktraceIntegration()])
        sentry_init(integrations=[GnuBacktraceIntegration()])
    messages = [str(w.message) for w in seen if w.category is OptionHasNoEffectWarning]
    assert messages == ["sentry_lite: GnuBacktraceIntegration is accepted but has no effect: "
                        "sentry_lite does not implement the gnu_backtrace integration"]
    assert client.get_integration("gnu_backtrace") is not None
    uninstall("gnu_backtrace")


def test_a_real_module_wins_and_the_alias_reaches_the_absent_ones() -> None:
    script = textwrap.dedent("""
        import sentry_lite
        sentry_lite.install_as_sentry_sdk()
        from sentry_sdk.integrations.openai import OpenAIIntegration
        from sentry_sdk.integrations.flask import FlaskIntegration
        import sentry_sdk.integrations.flask as flask_module
        print(OpenAIIntegration.identifier, flask_module.__file__.endswith("flask.py"))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["openai", "True"]
