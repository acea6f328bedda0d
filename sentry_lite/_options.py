"""Client options: one typed record, its defaults, the environment, and validation.

``init()`` is the only place options enter the SDK, so every mistake in them is
reported there, as a ``TypeError`` (unknown name) or a ``ValueError`` (bad value).
"""

from __future__ import annotations

import os

from sentry_lite.consts import (
    DEFAULT_MAX_BREADCRUMBS,
    DEFAULT_MAX_STACK_FRAMES,
    DEFAULT_QUEUE_SIZE,
    DEFAULT_SHUTDOWN_TIMEOUT,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import Any

# Options that the official SDK accepts and that sentry_lite takes without acting on
# them (span streaming, backpressure...). init() warns about each one given a value.
INERT_OPTIONS = frozenset(
    {
        "before_send_span",
        "enable_http_request_source",
        "http_request_source_threshold_ms",
        "trace_lifecycle",
        "stream_gen_ai_spans",
        "data_collection",
        "ignore_spans",
        "enable_backpressure_handling",
        "functions_to_trace",
        "add_full_stack",
        "_experiments",
    }
)

_TRUE = {"1", "true", "t", "yes", "y", "on"}
_MAX_BODY_SIZES = ("never", "small", "medium", "always")


# The defaults (the official SDK's values); lists and dicts are copied per instance.
_DEFAULTS: dict[str, Any] = {
    "dsn": None,
    "release": None,
    "environment": None,
    "server_name": None,
    "dist": None,
    "debug": False,
    # events
    "max_breadcrumbs": DEFAULT_MAX_BREADCRUMBS,
    "sample_rate": 1.0,
    "error_sampler": None,
    "before_send": None,
    "before_send_transaction": None,
    "before_breadcrumb": None,
    "ignore_errors": [],
    "attach_stacktrace": False,
    "send_default_pii": False,
    "include_local_variables": True,
    "include_source_context": True,
    "in_app_include": [],
    "in_app_exclude": [],
    "project_root": None,
    "max_value_length": None,
    "max_stack_frames": DEFAULT_MAX_STACK_FRAMES,
    "max_request_body_size": "medium",
    "event_scrubber": None,
    "custom_repr": None,
    "add_full_stack": False,
    # integrations
    "integrations": [],
    "default_integrations": True,
    "auto_enabling_integrations": True,
    "disabled_integrations": None,
    # delivery
    "transport": None,
    "transport_queue_size": DEFAULT_QUEUE_SIZE,
    "shutdown_timeout": DEFAULT_SHUTDOWN_TIMEOUT,
    "send_client_reports": True,
    "http_proxy": None,
    "https_proxy": None,
    "proxy_headers": None,
    "ca_certs": None,
    "cert_file": None,
    "key_file": None,
    "keep_alive": False,
    "socket_options": None,
    # tracing
    "traces_sample_rate": None,
    "traces_sampler": None,
    "enable_tracing": None,
    "propagate_traces": True,
    "trace_propagation_targets": [".*"],
    "trace_ignore_status_codes": frozenset(),
    "strict_trace_continuation": False,
    "org_id": None,
    # accepted for compatibility, no effect (see INERT_OPTIONS)
    "profiles_sample_rate": None,
    "profiles_sampler": None,
    "profiler_mode": None,
    "profile_lifecycle": "manual",
    "profile_session_sample_rate": None,
    "spotlight": None,
    "enable_metrics": True,
    "before_send_metric": None,
    "before_send_span": None,
    "enable_db_query_source": True,
    "db_query_source_threshold_ms": 100,
    "enable_http_request_source": True,
    "http_request_source_threshold_ms": 100,
    "trace_lifecycle": None,
    "stream_gen_ai_spans": True,
    "instrumenter": "sentry",
    "data_collection": None,
    "ignore_spans": None,
    "auto_session_tracking": True,
    "enable_backpressure_handling": True,
    "enable_logs": False,
    "before_send_log": None,
    "functions_to_trace": [],
    "_experiments": {},
}
_NAMES: tuple[str, ...] = tuple(_DEFAULTS)


class Options:
    """Every option ``init()`` accepts, with the official SDK's defaults.

    A plain class rather than a dataclass: ``dataclasses`` costs ~10 ms to import.
    """

    dsn: str | None
    release: str | None
    environment: str | None
    server_name: str | None
    dist: str | None
    debug: bool
    # events
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
    # integrations
    integrations: list[Any]
    default_integrations: bool
    auto_enabling_integrations: bool
    disabled_integrations: list[Any] | None
    # delivery
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
    # tracing
    traces_sample_rate: float | None
    traces_sampler: Any
    enable_tracing: bool | None
    propagate_traces: bool
    trace_propagation_targets: list[str] | None
    trace_ignore_status_codes: frozenset[int]
    strict_trace_continuation: bool
    org_id: str | None
    # accepted for compatibility, no effect (see INERT_OPTIONS)
    profiles_sample_rate: float | None
    profiles_sampler: Any
    profiler_mode: str | None
    profile_lifecycle: str
    profile_session_sample_rate: float | None
    spotlight: Any
    enable_metrics: bool
    before_send_metric: Any
    before_send_span: Any
    enable_db_query_source: bool
    db_query_source_threshold_ms: int
    enable_http_request_source: bool
    http_request_source_threshold_ms: int
    trace_lifecycle: str | None
    stream_gen_ai_spans: bool
    instrumenter: str | None
    data_collection: Any
    ignore_spans: Any
    auto_session_tracking: bool
    enable_backpressure_handling: bool
    enable_logs: bool
    before_send_log: Any
    functions_to_trace: list[Any]
    _experiments: dict[str, Any]

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - _DEFAULTS.keys()
        if unknown:
            raise TypeError(f"Options() got an unknown option {sorted(unknown)[0]!r}")
        for name, default in _DEFAULTS.items():
            if name in values:
                value = values[name]
            elif type(default) is list or type(default) is dict:
                value = default.copy()
            else:
                value = default
            setattr(self, name, value)

    def __repr__(self) -> str:
        changed = [f"{n}={getattr(self, n)!r}" for n in _NAMES if getattr(self, n) != _DEFAULTS[n]]
        return f"Options({', '.join(changed)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Options) and all(
            getattr(self, n) == getattr(other, n) for n in _NAMES
        )

    __hash__ = None  # type: ignore[assignment]

    # Mapping-style access, because code written for the official SDK reads
    # ``client.options["send_default_pii"]``.
    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in _NAMES

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default) if key in _NAMES else default

    def keys(self) -> Iterator[str]:
        return iter(_NAMES)

    @property
    def tracing_enabled(self) -> bool:
        """True when transactions may be sampled (``traces_sample_rate`` or a sampler)."""
        if self.enable_tracing is False:
            return False
        return self.traces_sample_rate is not None or self.traces_sampler is not None



def _env_flag(value: str) -> bool:
    return value.strip().lower() in _TRUE


def build_options(dsn: str | None = None, kwargs: Mapping[str, Any] | None = None) -> Options:
    """Turn ``init()``'s arguments into validated :class:`Options`.

    Raises ``TypeError`` for an unknown option and ``ValueError`` for a bad value.
    """
    given = dict(kwargs or {})
    if dsn is not None:
        if "dsn" in given:
            raise TypeError("init() got the DSN twice: as its first argument and as dsn=")
        given["dsn"] = dsn
    unknown = sorted(set(given) - set(_NAMES))
    if unknown:
        raise TypeError(f"Unknown option {unknown[0]!r} passed to init()")
    options = Options(**given)
    _apply_environment(options, given)
    validate(options)
    return options


def options_from(client_options: Any) -> Options:
    """``Options`` from what sentry_sdk code passes as ``client_options`` (or a client's options);
    unknown keys are left out, nothing is validated."""
    if isinstance(client_options, Options):
        return client_options
    given = dict(client_options or {})
    return Options(**{k: v for k, v in given.items() if k in _DEFAULTS})


def _apply_environment(options: Options, given: Mapping[str, Any]) -> None:
    env = os.environ
    if "dsn" not in given and env.get("SENTRY_DSN"):
        options.dsn = env["SENTRY_DSN"]
    if options.release is None and env.get("SENTRY_RELEASE"):
        options.release = env["SENTRY_RELEASE"]
    if options.environment is None:
        options.environment = env.get("SENTRY_ENVIRONMENT") or "production"
    if "debug" not in given and "SENTRY_DEBUG" in env:
        options.debug = _env_flag(env["SENTRY_DEBUG"])
    if options.enable_tracing and options.traces_sample_rate is None:
        options.traces_sample_rate = 1.0
    if options.dsn == "":
        options.dsn = None


def _check_rate(name: str, value: Any, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"Option {name} must be a number between 0 and 1, got {value!r}")


def _check_int(name: str, value: Any, minimum: int, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"Option {name} must be an integer >= {minimum}, got {value!r}")


def _check_callable(name: str, value: Any) -> None:
    if value is not None and not callable(value):
        raise ValueError(f"Option {name} must be callable or None, got {value!r}")


def _check_str(name: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"Option {name} must be a string or None, got {value!r}")


def _check_profiling(options: Options) -> None:
    _check_rate("profiles_sample_rate", options.profiles_sample_rate, allow_none=True)
    _check_rate("profile_session_sample_rate", options.profile_session_sample_rate,
                allow_none=True)
    _check_callable("profiles_sampler", options.profiles_sampler)
    if options.profile_lifecycle not in ("manual", "trace"):
        raise ValueError("Option profile_lifecycle must be 'manual' or 'trace', "
                         f"got {options.profile_lifecycle!r}")
    if options.profiler_mode not in (None, "thread", "gevent", "sleep"):
        raise ValueError("Option profiler_mode must be 'thread' or 'gevent', "
                         f"got {options.profiler_mode!r}")


def validate(options: Options) -> None:
    """Raise ``ValueError`` naming the first option whose value cannot work."""
    _check_rate("sample_rate", options.sample_rate)
    _check_rate("traces_sample_rate", options.traces_sample_rate, allow_none=True)
    _check_profiling(options)
    _check_int("max_breadcrumbs", options.max_breadcrumbs, 0)
    _check_int("transport_queue_size", options.transport_queue_size, 1)
    _check_int("max_value_length", options.max_value_length, 1, allow_none=True)
    _check_int("max_stack_frames", options.max_stack_frames, 1, allow_none=True)
    timeout = options.shutdown_timeout
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
        raise ValueError(f"Option shutdown_timeout must be a number >= 0, got {timeout!r}")
    for name in ("release", "environment", "server_name", "dist", "http_proxy", "https_proxy",
                 "ca_certs", "project_root"):
        _check_str(name, getattr(options, name))
    for name in ("before_send", "before_send_transaction", "before_breadcrumb",
                 "error_sampler", "traces_sampler", "custom_repr",
                 "before_send_log", "before_send_metric"):
        _check_callable(name, getattr(options, name))
    if options.max_request_body_size not in _MAX_BODY_SIZES:
        raise ValueError(
            f"Option max_request_body_size must be one of {_MAX_BODY_SIZES}, "
            f"got {options.max_request_body_size!r}"
        )
    for name in ("in_app_include", "in_app_exclude", "ignore_errors", "integrations"):
        value = getattr(options, name)
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise ValueError(f"Option {name} must be a list, got {value!r}")
        setattr(options, name, list(value))
    if options.dsn is not None and not isinstance(options.dsn, str):
        raise ValueError(f"Option dsn must be a string, got {options.dsn!r}")


class OptionHasNoEffectWarning(UserWarning):
    """An option ``init()`` accepted for compatibility does nothing in sentry_lite (yet)."""


_warned: set[str] = set()


# The _experiments keys sentry_lite acts on (docs/configuration.md, Delivery).
_EFFECTIVE_EXPERIMENTS = frozenset({
    "outbox_path", "transport_compression_level", "enable_logs", "max_flags",
    "profiles_sample_rate", "record_sql_params",
})


def _inert_value(options: Options, name: str) -> Any:
    value = options[name]
    if name == "_experiments" and isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in _EFFECTIVE_EXPERIMENTS}
    return value


def _ours(module: object) -> bool:
    return isinstance(module, str) and module.partition(".")[0] == "sentry_lite"


def warn_inert_options(options: Options) -> list[str]:
    """Warn once per process for each option in INERT_OPTIONS given a non-default value.

    Returns every such option of ``options`` (for the debug log), warned now or before.
    """
    given = [n for n in sorted(INERT_OPTIONS) if _inert_value(options, n) != _DEFAULTS[n]]
    named = [n for n in given if n not in _warned]
    if not named:
        return given
    import sys
    import warnings

    depth = 2  # point the warning at the code calling init() / Client()
    frame = sys._getframe(1)
    while frame.f_back is not None and _ours(frame.f_globals.get("__name__")):
        depth += 1
        frame = frame.f_back
    for name in named:
        _warned.add(name)
        warnings.warn(
            f"sentry_lite: option {name}={_inert_value(options, name)!r} is accepted but has "
            "no effect "
            "(see docs/configuration.md, 'Accepted without effect')",
            OptionHasNoEffectWarning,
            stacklevel=depth,
        )
    return given
