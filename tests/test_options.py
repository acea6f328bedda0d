"""Options accepted without effect: ``init()`` says so once per option, visibly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from sentry_lite._options import INERT_OPTIONS


def test_init_warns_once_per_inert_option_the_user_passed() -> None:
    code = textwrap.dedent("""
        import warnings, sentry_lite
        from sentry_lite._options import OptionHasNoEffectWarning
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            sentry_lite.init(ignore_spans=["a"], trace_lifecycle="stream", stream_gen_ai_spans=True)
            sentry_lite.init(ignore_spans=["b"])  # warned already: said once
            sentry_lite.Client(trace_lifecycle="stream")
            # keys of _experiments that do something here are not reported
            sentry_lite.init(_experiments={"transport_compression_level": 1})
            sentry_lite.init(_experiments={"transport_compression_level": 1, "other": 2})
        print(repr([(str(w.message), issubclass(w.category, UserWarning),
                     w.category is OptionHasNoEffectWarning, w.filename) for w in seen]))
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "PYTHONWARN"))}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=env)
    seen = eval(done.stdout)
    assert [message.split()[2].split("=")[0] for message, *_ in seen] == [
        "ignore_spans", "trace_lifecycle", "_experiments"]  # stream_gen_ai_spans=True: the default
    assert "_experiments={'other': 2}" in seen[2][0]
    assert seen[0][0].startswith("sentry_lite: option ignore_spans=['a'] is accepted but")
    assert all(visible and ours and where == "<string>" for _, visible, ours, where in seen)


def test_the_default_filters_show_the_warning_on_stderr() -> None:
    code = "import sentry_lite; sentry_lite.init(trace_lifecycle='stream')"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "PYTHONWARN"))}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=env)
    assert "OptionHasNoEffectWarning: sentry_lite: option trace_lifecycle='stream'" in done.stderr


def test_every_inert_option_has_a_default_to_compare_with() -> None:
    from sentry_lite._options import _DEFAULTS

    assert _DEFAULTS.keys() >= INERT_OPTIONS
