"""Client options: the typed record ``init()`` builds from the option table.

Every option is declared once, in :mod:`sentry_lite._options._table`. From that table come
the ``Options`` attributes and their defaults, the environment variables read, the options
lifted from ``_experiments``, validation (``init()`` raises ``TypeError`` for an unknown name
and ``ValueError`` for a bad value), the "accepted without effect" warning, and the option
reference in the docs (``python -m sentry_lite._options`` rewrites it).

The package reads options one way: as attributes of an ``Options`` (``options.enable_logs``).
Code given a dict (what ``sentry_sdk`` code passes) turns it into one with ``options_from``.
"""

from __future__ import annotations

import os

from sentry_lite._options._table import BOTH, EXPERIMENT, TABLE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import Any

    from sentry_lite._options._table import Check, Opt

ROWS: dict[str, Opt] = {row.name: row for row in TABLE}
# The keywords of init() (and the keys of client.options["..."]), in the table's order.
_NAMES: tuple[str, ...] = tuple([row.name for row in TABLE if row.spelled != EXPERIMENT])
_DEFAULTS: dict[str, Any] = {name: ROWS[name].default for name in _NAMES}
# Every attribute of Options: the keywords and the effective keys of _experiments.
_FIELDS: dict[str, Any] = {
    row.name: row.default for row in TABLE if row.spelled != EXPERIMENT or row.effective}
_COPIED = frozenset([n for n, value in _FIELDS.items() if type(value) in (list, dict)])
# (label in errors, option, check, default): a value that is its default needs no check.
_CHECKS: tuple[tuple[str, str, Check, Any], ...] = tuple([
    (f"_experiments[{row.name!r}]" if row.spelled == EXPERIMENT else row.name, row.name,
     row.check, row.default)
    for row in TABLE if row.check is not None and row.name in _FIELDS])
# Keys of _experiments that set an option: always (EXPERIMENT), or when the keyword is left at
# its default (BOTH: the official SDK reads these options from _experiments too).
_LIFTED: dict[str, bool] = {
    row.name: row.spelled == EXPERIMENT for row in TABLE
    if row.name in _FIELDS and row.spelled in (EXPERIMENT, BOTH)}
# Keys of _experiments that sentry_lite acts on; any other one warns like an inert option.
EFFECTIVE_EXPERIMENTS = frozenset([
    row.name for row in TABLE if row.effective and row.spelled in (EXPERIMENT, BOTH)])
# Keywords accepted without effect: init() warns about each one given another value.
INERT_OPTIONS = frozenset([r.name for r in TABLE if not r.effective and r.name in _NAMES])

_TRUE = {"1", "true", "t", "yes", "y", "on"}


def _env_flag(value: str) -> bool:
    return value.strip().lower() in _TRUE


# (option, variables, parse): what is read from the environment when the option is not set.
# SENTRY_SPOTLIGHT (a flag or a URL) is read by the Spotlight setup (sentry_lite._spotlight).
_ENVIRONMENT: tuple[tuple[str, tuple[str, ...], Any], ...] = tuple([
    (row.name, row.env, _env_flag if row.kind == "bool" else str)
    for row in TABLE if row.env and row.kind in ("bool", "str")])


class Options:
    """Every option ``init()`` accepts, with the official SDK's defaults, and the options
    sentry_lite reads from ``_experiments`` (``max_flags``, ``outbox_path``...).

    A plain class rather than a dataclass: ``dataclasses`` costs ~10 ms to import. The
    attributes are those of the option table; they are annotated here for the type checker.
    """

    dsn: str | None
    release: str | None
    environment: str | None
    server_name: str | None
    dist: str | None
    debug: bool
    max_breadcrumbs: int
    sample_rate: float
    error_sampler: Any
    before_send: Any
    before_send_transaction: Any
    before_breadcrumb: Any
    ignore_errors: list[Any]
    attach_stacktrace: bool
    send_default_pii: bool
    include_local_variables: bool
    include_source_context: bool
    in_app_include: list[str]
    in_app_exclude: list[str]
    project_root: str | None
    max_value_length: int | None
    max_stack_frames: int | None
    max_request_body_size: str
    event_scrubber: Any
    custom_repr: Any
    add_full_stack: bool
    integrations: list[Any]
    default_integrations: bool
    auto_enabling_integrations: bool
    disabled_integrations: list[Any] | None
    transport: Any
    transport_queue_size: int
    shutdown_timeout: float
    send_client_reports: bool
    http_proxy: str | None
    https_proxy: str | None
    proxy_headers: dict[str, str] | None
    ca_certs: str | None
    cert_file: str | None
    key_file: str | None
    keep_alive: bool
    socket_options: list[Any] | None
    outbox_path: str | None
    transport_compression_level: int | None
    transport_zlib_compression_level: int | None
    transport_num_pools: int | None
    traces_sample_rate: float | None
    traces_sampler: Any
    enable_tracing: bool | None
    propagate_traces: bool
    trace_propagation_targets: list[str] | None
    trace_ignore_status_codes: frozenset[int]
    strict_trace_continuation: bool
    org_id: str | None
    enable_db_query_source: bool
    db_query_source_threshold_ms: int
    record_sql_params: bool
    enable_http_request_source: bool
    http_request_source_threshold_ms: int
    trace_lifecycle: str | None
    stream_gen_ai_spans: bool
    instrumenter: str | None
    data_collection: Any
    ignore_spans: Any
    before_send_span: Any
    max_spans: int | None
    functions_to_trace: list[Any]
    enable_backpressure_handling: bool
    enable_logs: bool
    before_send_log: Any
    enable_metrics: bool
    before_send_metric: Any
    spotlight: Any
    max_flags: int
    profiles_sample_rate: float | None
    profiles_sampler: Any
    profiler_mode: str | None
    profile_lifecycle: str
    profile_session_sample_rate: float | None
    continuous_profiling_auto_start: bool
    auto_session_tracking: bool
    _experiments: dict[str, Any]

    def __init__(self, **values: Any) -> None:
        unknown = values.keys() - _FIELDS.keys()
        if unknown:
            raise TypeError(f"Options() got an unknown option {sorted(unknown)[0]!r}")
        for name, default in _FIELDS.items():
            if name in values:
                value = values[name]
            elif name in _COPIED:
                value = default.copy()
            else:
                value = default
            setattr(self, name, value)

    def __repr__(self) -> str:
        changed = [f"{n}={getattr(self, n)!r}" for n in _FIELDS if getattr(self, n) != _FIELDS[n]]
        return f"Options({', '.join(changed)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Options) and all(
            getattr(self, n) == getattr(other, n) for n in _FIELDS
        )

    __hash__ = None  # type: ignore[assignment]

    # Mapping-style access, for code written for the official SDK, which reads
    # ``client.options["send_default_pii"]``; sentry_lite itself reads attributes.
    def __getitem__(self, key: str) -> Any:
        if key not in _DEFAULTS:
            raise KeyError(key)
        return getattr(self, key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in _DEFAULTS

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in _DEFAULTS else default

    def keys(self) -> Iterator[str]:
        return iter(_NAMES)

    @property
    def tracing_enabled(self) -> bool:
        """True when transactions may be sampled (``traces_sample_rate`` or a sampler)."""
        if self.enable_tracing is False:
            return False
        return self.traces_sample_rate is not None or self.traces_sampler is not None


def build_options(dsn: str | None = None, kwargs: Mapping[str, Any] | None = None) -> Options:
    """Turn ``init()``'s arguments into validated :class:`Options`.

    Raises ``TypeError`` for an unknown option and ``ValueError`` for a bad value.
    """
    given = dict(kwargs or {})
    if dsn is not None:
        if "dsn" in given:
            raise TypeError("init() got the DSN twice: as its first argument and as dsn=")
        given["dsn"] = dsn
    for name in given:
        if name not in _DEFAULTS:
            raise TypeError(_unknown(name))
    options = Options(**given)
    _apply_environment(options, given)
    if options._experiments and isinstance(options._experiments, dict):
        _lift_experiments(options, options._experiments)
    _derive(options)
    validate(options)
    return options


def _unknown(name: str) -> str:
    row = ROWS.get(name)
    if row is not None and row.spelled == EXPERIMENT:
        return (f"Unknown option {name!r} passed to init(): as in the official SDK, "
                f"it is given as _experiments={{{name!r}: ...}}")
    return f"Unknown option {name!r} passed to init()"


def options_from(client_options: Any) -> Options:
    """``Options`` from what sentry_sdk code passes as ``client_options`` (a dict, or a
    client's options): unknown keys are left out, ``_experiments`` keys are lifted as at
    ``init()``; the environment is not read (``init()`` does that) and nothing is validated."""
    if isinstance(client_options, Options):
        return client_options
    given = {k: v for k, v in dict(client_options or {}).items() if k in _DEFAULTS}
    options = Options(**given)
    if isinstance(options._experiments, dict):
        _lift_experiments(options, options._experiments)
    return options


def _apply_environment(options: Options, given: Mapping[str, Any]) -> None:
    env = os.environ
    for name, variables, parse in _ENVIRONMENT:
        if given.get(name) is None:
            for variable in variables:
                raw = env.get(variable)
                if raw:
                    setattr(options, name, parse(raw))
                    break


def _lift_experiments(options: Options, experiments: dict[str, Any]) -> None:
    """Options spelled as ``_experiments`` keys become attributes: an ``_experiments``-only
    key always, a key that is also a keyword only when the keyword was left at its default."""
    for key, value in experiments.items():
        only_there = _LIFTED.get(key)
        if only_there or (only_there is False and getattr(options, key) == _FIELDS[key]):
            setattr(options, key, value)


def _derive(options: Options) -> None:
    if options.environment is None:
        options.environment = "production"
    if options.enable_tracing and options.traces_sample_rate is None:
        options.traces_sample_rate = 1.0
    if options.dsn == "":
        options.dsn = None


def validate(options: Options) -> None:
    """Raise ``ValueError`` naming the first option whose value cannot work (lists given
    as other iterables become lists)."""
    for label, name, check, default in _CHECKS:
        value = getattr(options, name)
        if value is not default:
            kept = check(label, value)
            if kept is not value:
                setattr(options, name, kept)


class OptionHasNoEffectWarning(UserWarning):
    """An option ``init()`` accepted for compatibility does nothing in sentry_lite (yet)."""


_warned: set[str] = set()


def _inert_given(options: Options) -> dict[str, Any]:
    """The options of ``options`` that have no effect here and were given a value."""
    found = {name: getattr(options, name) for name in INERT_OPTIONS
             if getattr(options, name) != _DEFAULTS[name]}
    experiments = options._experiments
    if experiments and isinstance(experiments, dict):
        for key, value in experiments.items():
            if key not in EFFECTIVE_EXPERIMENTS and not (key in _LIFTED and key in found):
                found[f"_experiments[{key!r}]"] = value
    return found


def _ours(module: object) -> bool:
    return isinstance(module, str) and module.partition(".")[0] == "sentry_lite"


def _stacklevel() -> int:
    """The ``stacklevel`` pointing a warning our caller issues at the first frame outside
    sentry_lite (the application's ``init()`` call or constructor)."""
    import sys

    depth = 2
    frame = sys._getframe(2)  # the caller of our caller
    while frame.f_back is not None and _ours(frame.f_globals.get("__name__")):
        depth += 1
        frame = frame.f_back
    return depth


def warn_inert_argument(owner: str, name: str, value: Any) -> None:
    """Warn once per process that ``owner``'s argument ``name`` (given ``value``) is accepted
    for code written for the official SDK and has no effect here."""
    label = f"{owner}({name}=...)"
    if label in _warned:
        return
    _warned.add(label)
    import warnings

    warnings.warn(f"sentry_lite: {owner}({name}={value!r}) is accepted but has no effect",
                  OptionHasNoEffectWarning, stacklevel=_stacklevel())


def warn_inert_options(options: Options) -> list[str]:
    """Warn once per process for each option accepted without effect that was given a value
    (a keyword of ``INERT_OPTIONS``, or an ``_experiments`` key sentry_lite does not act on).

    Returns every such option of ``options`` (for the debug log), warned now or before.
    """
    given = _inert_given(options)
    named = sorted(label for label in given if label not in _warned)
    if not named:
        return sorted(given)
    import warnings

    depth = _stacklevel()  # the code calling init() / Client()
    for label in named:
        _warned.add(label)
        warnings.warn(
            f"sentry_lite: option {label}={given[label]!r} is accepted but has no effect "
            "(see docs/configuration.md, 'Accepted without effect')",
            OptionHasNoEffectWarning,
            stacklevel=depth,
        )
    return sorted(given)
