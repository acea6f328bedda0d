"""The option table and what derives from it: ``Options``, the environment, ``_experiments``,
validation, the "accepted without effect" warning and the option docs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from sentry_lite import consts
from sentry_lite._options import (
    _ENVIRONMENT,
    _FIELDS,
    EFFECTIVE_EXPERIMENTS,
    INERT_OPTIONS,
    ROWS,
    Options,
    _docs,
    build_options,
    options_from,
)
from sentry_lite._options._table import BOTH, EXPERIMENT, TABLE

PACKAGE = Path(__file__).resolve().parents[1] / "sentry_lite"


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "PYTHONWARN"))}


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, check=True, env=_clean_env())


# -- the table ----------------------------------------------------------------------------

def test_each_option_is_declared_once_and_options_has_exactly_the_tables_attributes() -> None:
    names = [row.name for row in TABLE]
    assert len(names) == len(set(names))
    # the class annotations are for the type checker only: they must name what the table does
    assert set(Options.__annotations__) == set(_FIELDS)
    assert set(vars(Options())) == set(_FIELDS)


def test_the_keywords_are_the_official_ones_and_experiments_keys_are_not_keywords() -> None:
    keywords = {row.name for row in TABLE if row.spelled != EXPERIMENT}
    assert keywords == set(consts.DEFAULT_OPTIONS) == set(Options().keys())
    for row in TABLE:
        if row.spelled != "init":
            assert row.name not in consts.DEFAULT_OPTIONS or row.spelled == BOTH


def test_defaults_come_from_the_table_and_lists_are_copied() -> None:
    options = Options()
    for name, default in _FIELDS.items():
        assert getattr(options, name) == default
    options.in_app_include.append("mine")
    assert Options().in_app_include == [] and consts.DEFAULT_OPTIONS["in_app_include"] == []


# -- the environment ----------------------------------------------------------------------

@pytest.mark.parametrize("name,variables,parse", _ENVIRONMENT, ids=[e[0] for e in _ENVIRONMENT])
def test_an_option_not_given_is_read_from_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, variables: tuple[str, ...], parse: Any
) -> None:
    for variable in variables:
        monkeypatch.delenv(variable, raising=False)
    raw = "1" if ROWS[name].kind == "bool" else "https://k@example.invalid/1"
    monkeypatch.setenv(variables[-1], raw)
    assert getattr(build_options(None, {}), name) == parse(raw)
    given = True if ROWS[name].kind == "bool" else "https://given@example.invalid/2"
    assert getattr(build_options(None, {name: given}), name) == given  # the argument wins
    if len(variables) > 1:  # the first variable wins over the next
        monkeypatch.setenv(variables[0], "https://first@example.invalid/3")
        assert getattr(build_options(None, {}), name) == "https://first@example.invalid/3"


def test_environment_is_production_unless_given_or_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SENTRY_ENVIRONMENT", raising=False)
    assert build_options(None, {}).environment == "production"
    monkeypatch.setenv("SENTRY_KEEP_ALIVE", "off")
    assert build_options(None, {}).keep_alive is False


def test_options_from_a_dict_reads_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTRY_DSN", "https://k@example.invalid/1")
    monkeypatch.setenv("CLIENT_CERT_FILE", "/c.pem")
    made = options_from({"dsn": None, "unknown": 1})
    assert made.dsn is None and made.cert_file is None


# -- _experiments -------------------------------------------------------------------------

def test_experiments_keys_become_attributes_as_in_the_official_sdk() -> None:
    options = build_options(None, {"_experiments": {
        "max_flags": 3, "record_sql_params": True, "outbox_path": "/tmp/box",
        "transport_compression_level": 1, "continuous_profiling_auto_start": True,
        "enable_logs": True, "profiles_sample_rate": 0.5, "profiler_mode": "thread",
    }})
    assert (options.max_flags, options.record_sql_params, options.outbox_path) == (
        3, True, "/tmp/box")
    assert options.transport_compression_level == 1 and options.continuous_profiling_auto_start
    assert options.enable_logs is True and options.profiles_sample_rate == 0.5
    assert options.profiler_mode == "thread"
    # the keyword, when given, wins over its _experiments spelling
    both = build_options(None, {"profiles_sample_rate": 0.25,
                                "_experiments": {"profiles_sample_rate": 1.0}})
    assert both.profiles_sample_rate == 0.25
    # what sentry_sdk code hands over as a dict is read the same way
    assert options_from({"_experiments": {"max_flags": 7}}).max_flags == 7


def test_every_effective_experiments_key_has_a_row_that_says_so() -> None:
    spelled = {row.name for row in TABLE if row.spelled in (EXPERIMENT, BOTH) and row.effective}
    assert spelled == EFFECTIVE_EXPERIMENTS
    assert "_experiments" not in INERT_OPTIONS  # some of its keys act


def test_a_keyword_that_is_an_experiments_key_says_where_it_goes() -> None:
    with pytest.raises(TypeError, match=r"_experiments=\{'max_flags': \.\.\.\}"):
        build_options(None, {"max_flags": 5})
    with pytest.raises(TypeError, match="Unknown option 'nope'"):
        build_options(None, {"nope": 5})


# -- validation ---------------------------------------------------------------------------

CHECKED = [row for row in TABLE if row.check is not None]


@pytest.mark.parametrize("row", CHECKED, ids=[row.name for row in CHECKED])
def test_every_checked_option_refuses_a_bad_value_by_name(row: Any) -> None:
    bad = object()  # not a number, string, list, dict, choice nor callable
    given = {"_experiments": {row.name: bad}} if row.spelled == EXPERIMENT else {row.name: bad}
    label = f"_experiments['{row.name}']" if row.spelled == EXPERIMENT else row.name
    with pytest.raises(ValueError, match=f"Option {re.escape(label)} must be"):
        build_options(None, given)


@pytest.mark.parametrize("given", [
    {"sample_rate": 1.5}, {"sample_rate": True}, {"traces_sample_rate": -0.1},
    {"max_breadcrumbs": -1}, {"transport_queue_size": 0}, {"shutdown_timeout": -1},
    {"max_request_body_size": "huge"}, {"profile_lifecycle": "always"},
    {"in_app_include": "myapp"}, {"before_send": "not callable"}, {"release": 1},
    {"_experiments": {"max_flags": 0}}, {"_experiments": ["max_flags"]},
])
def test_values_that_cannot_work_are_refused_at_init(given: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="Option "):
        build_options(None, given)


def test_good_values_pass_and_iterables_become_lists() -> None:
    options = build_options(None, {"in_app_include": ("a", "b"), "sample_rate": 0,
                                   "max_value_length": None, "profiler_mode": "gevent"})
    assert options.in_app_include == ["a", "b"] and options.sample_rate == 0


# -- accepted without effect ---------------------------------------------------------------

def test_init_warns_once_per_inert_option_the_user_passed() -> None:
    done = _run("""
        import warnings, sentry_lite
        from sentry_lite._options import OptionHasNoEffectWarning
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            sentry_lite.init(ignore_spans=["a"], trace_lifecycle="stream", stream_gen_ai_spans=True)
            sentry_lite.init(ignore_spans=["b"])  # warned already: said once
            sentry_lite.Client(trace_lifecycle="stream")
            # keys of _experiments that act here are not reported; the others are, one by one
            sentry_lite.init(_experiments={"transport_compression_level": 1, "max_flags": 5})
            sentry_lite.init(_experiments={"max_spans": 10, "other": 2, "transport_http2": True})
        print(repr([(str(w.message), issubclass(w.category, UserWarning),
                     w.category is OptionHasNoEffectWarning, w.filename) for w in seen]))
    """)
    seen = eval(done.stdout)
    assert [message.split()[2].split("=")[0] for message, *_ in seen] == [
        "ignore_spans", "trace_lifecycle", "_experiments['other']",
        "_experiments['transport_http2']"]
    assert seen[0][0].startswith("sentry_lite: option ignore_spans=['a'] is accepted but")
    assert "_experiments['other']=2 is accepted but has no effect" in seen[2][0]
    assert all(visible and ours and where == "<string>" for _, visible, ours, where in seen)


def test_the_default_filters_show_the_warning_on_stderr() -> None:
    done = _run("import sentry_lite; sentry_lite.init(trace_lifecycle='stream')")
    assert "OptionHasNoEffectWarning: sentry_lite: option trace_lifecycle='stream'" in done.stderr


# -- the docs -----------------------------------------------------------------------------

def test_the_option_docs_are_in_step_with_the_table() -> None:
    stale = _docs.stale()
    assert not stale, (f"{stale} differ from the option table: run "
                       "`python -m sentry_lite._options` and commit the result")
    reference = (_docs.DOCS / "configuration.md").read_text(encoding="utf-8")
    for row in TABLE:
        assert f'`{row.name}`' in reference or f'"{row.name}"' in reference, row.name


def test_the_check_finds_a_hand_edit_and_the_generator_undoes_it(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(_docs.DOCS, docs)
    page = docs / "configuration.md"
    page.write_text(page.read_text().replace("| `sample_rate` | float | `1.0` |",
                                             "| `sample_rate` | float | `0.5` |"))
    assert _docs.stale(docs) == ["configuration.md"]
    assert _docs.stale(docs, write=True) == ["configuration.md"]
    assert _docs.stale(docs) == []
    assert "| `sample_rate` | float | `1.0` |" in page.read_text()
    done = subprocess.run([sys.executable, "-m", "sentry_lite._options", "--check"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout


def test_markers_missing_are_an_error() -> None:
    with pytest.raises(ValueError, match="options-inert"):
        _docs.rewrite("no markers here", "options-inert", "x")


# -- one way to read an option ------------------------------------------------------------

# Other libraries' ``options`` that our code reads (not sentry_lite options).
FOREIGN_OPTIONS = {
    "integrations/dramatiq.py": "a dramatiq message's and actor's options",
    "integrations/_celery_beat.py": "a celery beat entry's options",
    "_constructor.py": "get_options() copies every option into the dict it returns",
}
_READS = re.compile(r"\boptions\.get\(|\boptions\[|getattr\(\s*[\w.]*\boptions\s*,")


def test_the_package_reads_options_as_attributes_only() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("_options/") or relative in FOREIGN_OPTIONS:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _READS.search(line.split("#")[0]):
                found.append(f"{relative}:{number}: {line.strip()}")
    assert not found, "read options as attributes (options.name):\n" + "\n".join(found)


def test_the_reader_check_sees_the_three_old_ways() -> None:
    assert all(_READS.search(line) for line in (
        'options.get("debug")', 'client.options["release"]', 'getattr(client.options, "x", 1)'))
