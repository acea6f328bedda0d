"""Client options: one typed record, its defaults, the environment, and validation.

``init()`` is the only place options enter the SDK, so every mistake in them is
reported there, as a ``TypeError`` (unknown name) or a ``ValueError`` (bad value).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

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
# them (profiling, metrics, spotlight...). They are listed in docs/migration.md.
INERT_OPTIONS = frozenset(
    {
        "profiles_sample_rate",
        "profiles_sampler",
        "profiler_mode",
        "profile_lifecycle",
        "profile_session_sample_rate",
        "spotlight",
        "enable_metrics",
        "before_send_metric",
        "before_send_span",
        "enable_db_query_source",
        "db_query_source_threshold_ms",
        "enable_http_request_source",
        "http_request_source_threshold_ms",
        "trace_lifecycle",
        "stream_gen_ai_spans",
        "instrumenter",
        "data_collection",
        "ignore_spans",
        "auto_session_tracking",
        "enable_backpressure_handling",
        "enable_logs",
        "before_send_log",
        "functions_to_trace",
        "_experiments",
    }
)

_TRUE = {"1", "true", "t", "yes", "y", "on"}
_MAX_BODY_SIZES = ("never", "small", "medium", "always")


@dataclass
class Options:
    """Every option ``init()`` accepts, with the official SDK's defaults."""

    dsn: str | None = None
    release: str | None = None
    environment: str | None = None
    server_name: str | None = None
    dist: str | None = None
    debug: bool = False
    # events
    max_breadcrumbs: int = DEFAULT_MAX_BREADCRUMBS
    sample_rate: float = 1.0
    error_sampler: Any = None
    before_send: Any = None
    before_send_transaction: Any = None
    before_breadcrumb: Any = None
    ignore_errors: list[Any] = field(default_factory=list)
    attach_stacktrace: bool = False
    send_default_pii: bool = False
    include_local_variables: bool = True
    include_source_context: bool = True
    in_app_include: list[str] = field(default_factory=list)
    in_app_exclude: list[str] = field(default_factory=list)
    project_root: str | None = None
    max_value_length: int | None = None
    max_stack_frames: int | None = DEFAULT_MAX_STACK_FRAMES
    max_request_body_size: str = "medium"
    event_scrubber: Any = None
    custom_repr: Any = None
    add_full_stack: bool = False
    # integrations
    integrations: list[Any] = field(default_factory=list)
    default_integrations: bool = True
    auto_enabling_integrations: bool = True
    disabled_integrations: list[Any] | None = None
    # delivery
    transport: Any = None
    transport_queue_size: int = DEFAULT_QUEUE_SIZE
    shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT
    send_client_reports: bool = True
    http_proxy: str | None = None
    https_proxy: str | None = None
    proxy_headers: dict[str, str] | None = None
    ca_certs: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    keep_alive: bool = False
    socket_options: list[Any] | None = None
    # tracing
    traces_sample_rate: float | None = None
    traces_sampler: Any = None
    enable_tracing: bool | None = None
    propagate_traces: bool = True
    trace_propagation_targets: list[str] | None = field(default_factory=lambda: [".*"])
    trace_ignore_status_codes: frozenset[int] = frozenset()
    strict_trace_continuation: bool = False
    org_id: str | None = None
    # accepted for compatibility, no effect (see INERT_OPTIONS)
    profiles_sample_rate: float | None = None
    profiles_sampler: Any = None
    profiler_mode: str | None = None
    profile_lifecycle: str = "manual"
    profile_session_sample_rate: float | None = None
    spotlight: Any = None
    enable_metrics: bool = True
    before_send_metric: Any = None
    before_send_span: Any = None
    enable_db_query_source: bool = True
    db_query_source_threshold_ms: int = 100
    enable_http_request_source: bool = True
    http_request_source_threshold_ms: int = 100
    trace_lifecycle: str | None = None
    stream_gen_ai_spans: bool = True
    instrumenter: str | None = "sentry"
    data_collection: Any = None
    ignore_spans: Any = None
    auto_session_tracking: bool = True
    enable_backpressure_handling: bool = True
    enable_logs: bool = False
    before_send_log: Any = None
    functions_to_trace: list[Any] = field(default_factory=list)
    _experiments: dict[str, Any] = field(default_factory=dict)

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


_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Options))


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


def validate(options: Options) -> None:
    """Raise ``ValueError`` naming the first option whose value cannot work."""
    _check_rate("sample_rate", options.sample_rate)
    _check_rate("traces_sample_rate", options.traces_sample_rate, allow_none=True)
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
                 "error_sampler", "traces_sampler", "custom_repr"):
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
