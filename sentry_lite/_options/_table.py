"""The option table: one row per option, the only place an option is declared.

Each row gives the name, the type (as shown in the docs, and the check ``init()`` applies),
the default, the environment variable(s) read when the option is not given, how it is
spelled (an ``init()`` keyword, a key of ``_experiments``, or both), whether sentry_lite acts
on it, and a line of documentation. ``Options``, validation, the defaults of
``sentry_lite.consts.DEFAULT_OPTIONS``, the "accepted without effect" warning and the option
reference in ``docs/configuration.md`` are all derived from ``TABLE``
(``python -m sentry_lite._options`` rewrites the docs).
"""

from __future__ import annotations

from sentry_lite._flags import DEFAULT_FLAG_CAPACITY
from sentry_lite.consts import (
    DEFAULT_MAX_BREADCRUMBS,
    DEFAULT_MAX_STACK_FRAMES,
    DEFAULT_QUEUE_SIZE,
    DEFAULT_SHUTDOWN_TIMEOUT,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Check = Callable[[str, Any], Any]

# How an option is spelled: ``init(name=...)``, ``init(_experiments={name: ...})``, or both
# (the official SDK reads some top-level options from ``_experiments`` too).
INIT, EXPERIMENT, BOTH = "init", "_experiments", "both"


class Opt:
    """One option. ``check(name, value)`` returns the value to keep or raises ValueError."""

    __slots__ = ("check", "default", "doc", "effective", "env", "kind", "name", "section",
                 "shown", "spelled")

    def __init__(self, name: str, kind: str, default: Any, doc: str, *, section: str,
                 check: Check | None = None, env: tuple[str, ...] = (), spelled: str = INIT,
                 effective: bool = True, shown: str | None = None) -> None:
        self.name, self.kind, self.default, self.doc = name, kind, default, doc
        self.section, self.check, self.env, self.spelled = section, check, env, spelled
        self.effective, self.shown = effective, shown

    def __repr__(self) -> str:
        return f"Opt({self.name!r})"


# -- checks: each returns the value to keep or raises ValueError naming the option --------

def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def rate(name: str, value: Any) -> Any:
    if not _number(value) or not 0 <= value <= 1:
        raise ValueError(f"Option {name} must be a number between 0 and 1, got {value!r}")
    return value


def rate_or_none(name: str, value: Any) -> Any:
    return value if value is None else rate(name, value)


def int_at_least(minimum: int, allow_none: bool = False) -> Check:
    def check(name: str, value: Any) -> Any:
        if value is None and allow_none:
            return value
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"Option {name} must be an integer >= {minimum}, got {value!r}")
        return value
    return check


def seconds(name: str, value: Any) -> Any:
    if not _number(value) or value < 0:
        raise ValueError(f"Option {name} must be a number >= 0, got {value!r}")
    return value


def function(name: str, value: Any) -> Any:
    if value is not None and not callable(value):
        raise ValueError(f"Option {name} must be callable or None, got {value!r}")
    return value


def text(name: str, value: Any) -> Any:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"Option {name} must be a string or None, got {value!r}")
    return value


def a_list(name: str, value: Any) -> Any:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ValueError(f"Option {name} must be a list, got {value!r}")
    return value if type(value) is list else list(value)


def a_dict(name: str, value: Any) -> Any:
    if not isinstance(value, dict):
        raise ValueError(f"Option {name} must be a dict, got {value!r}")
    return value


def one_of(*choices: Any) -> Check:
    def check(name: str, value: Any) -> Any:
        if value not in choices:
            raise ValueError(f"Option {name} must be one of {choices}, got {value!r}")
        return value
    return check


# -- the table, in the order of docs/configuration.md --------------------------------------

_S = "Identity"
TABLE: tuple[Opt, ...] = (
    Opt("dsn", "str", None, "where events go; none: nothing is sent (see below)",
        section=_S, check=text, env=("SENTRY_DSN",)),
    Opt("release", "str", None, "version of your code", section=_S, check=text,
        env=("SENTRY_RELEASE",), shown="the git commit of the working directory"),
    Opt("environment", "str", None, "deployment environment", section=_S, check=text,
        env=("SENTRY_ENVIRONMENT",), shown='`"production"`'),
    Opt("server_name", "str", None, "this host's name in events", section=_S, check=text,
        shown="the host name"),
    Opt("dist", "str", None, "build variant", section=_S, check=text),
    Opt("debug", "bool", False, "the SDK explains on stderr what it does", section=_S,
        env=("SENTRY_DEBUG",)),
)
_S = "Events"
TABLE += (
    Opt("sample_rate", "float", 1.0, "share of error events sent", section=_S, check=rate),
    Opt("error_sampler", "callable", None, "`f(event, hint) -> float or bool`, instead of "
        "`sample_rate`", section=_S, check=function),
    Opt("before_send", "callable", None, "`f(event, hint) -> event or None`; `None` drops; if it "
        "raises, the event is dropped", section=_S, check=function),
    Opt("before_breadcrumb", "callable", None, "`f(crumb, hint) -> crumb or None`; if it raises, "
        "the crumb is kept", section=_S, check=function),
    Opt("ignore_errors", "list", [], 'exception classes or names (`"KeyError"`, '
        '`"myapp.errors.Retry"`) never reported', section=_S, check=a_list),
    Opt("max_breadcrumbs", "int", DEFAULT_MAX_BREADCRUMBS, "size of each scope's breadcrumb ring",
        section=_S, check=int_at_least(0)),
    Opt("attach_stacktrace", "bool", False, "message events carry the stack where they were "
        "captured", section=_S),
    Opt("send_default_pii", "bool", False, "send IP addresses, cookies and user data found "
        "automatically", section=_S),
    Opt("include_local_variables", "bool", True, "frames carry their local variables (bounded)",
        section=_S),
    Opt("include_source_context", "bool", True, "frames carry 5 lines of source around the line",
        section=_S),
    Opt("in_app_include", "list", [], "module prefixes that are your code", section=_S,
        check=a_list),
    Opt("in_app_exclude", "list", [], "module prefixes that are not your code", section=_S,
        check=a_list),
    Opt("project_root", "str", None, "files below it are your code", section=_S, check=text,
        shown="the working directory"),
    Opt("max_value_length", "int", None, "cut longer strings", section=_S,
        check=int_at_least(1, allow_none=True)),
    Opt("max_stack_frames", "int", DEFAULT_MAX_STACK_FRAMES, "frames kept per stack trace",
        section=_S, check=int_at_least(1, allow_none=True)),
    Opt("event_scrubber", "EventScrubber", None, "what is scrubbed from events", section=_S,
        shown="the default denylist"),
    Opt("custom_repr", "callable", None, "`f(value) -> str or None` used before `repr()`",
        section=_S, check=function),
    Opt("max_request_body_size", "str", "medium", "`never`, `small`, `medium`, `always` "
        "(framework integrations)", section=_S,
        check=one_of("never", "small", "medium", "always")),
    Opt("add_full_stack", "bool", False, "an exception's stack trace also has the frames that "
        "led to the code that captured it (the catching frame once, at its raising line)",
        section=_S),
)
_S = "Integrations"
TABLE += (
    Opt("integrations", "list", [], "integrations to enable, with their settings", section=_S,
        check=a_list),
    Opt("default_integrations", "bool", True, "logging, excepthook, threading, atexit, dedupe, "
        "stdlib, argv, modules", section=_S),
    Opt("auto_enabling_integrations", "bool", True, "framework integrations switch on when the "
        "framework is imported", section=_S),
    Opt("disabled_integrations", "list", None, "integrations (classes or instances) never to "
        "enable", section=_S),
)
_S = "Delivery"
TABLE += (
    Opt("transport", "Transport", None, "a `Transport` instance or subclass, or a function taking "
        "each error event (not transactions, as in the official SDK)", section=_S,
        shown="HTTP when a DSN is set"),
    Opt("transport_queue_size", "int", DEFAULT_QUEUE_SIZE, "envelopes waiting to be sent as they "
        "are; beyond (a burst), further ones wait compressed in an overflow lane of 16 MiB "
        "(`HttpTransport.overflow_bytes`), in order; only beyond that are the newest dropped and "
        "counted (`queue_overflow`)", section=_S, check=int_at_least(1)),
    Opt("shutdown_timeout", "float", DEFAULT_SHUTDOWN_TIMEOUT, "seconds `flush()` and the exit "
        "hook wait", section=_S, check=seconds),
    Opt("send_client_reports", "bool", True, "tell the server how many events were dropped and "
        "why", section=_S),
    Opt("http_proxy", "str", None, "proxy URL for an http DSN (`\"\"`: none)", section=_S,
        check=text, shown="`HTTP_PROXY` unless `NO_PROXY` names the host"),
    Opt("https_proxy", "str", None, "proxy URL for an https DSN (`\"\"`: none)", section=_S,
        check=text, shown="`HTTPS_PROXY` unless `NO_PROXY` names the host"),
    Opt("proxy_headers", "dict", None, "extra headers for the proxy", section=_S),
    Opt("ca_certs", "str", None, "CA bundle (file or directory) to verify the server",
        section=_S, check=text, env=("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"),
        shown="certifi's bundle"),
    Opt("cert_file", "str", None, "client certificate", section=_S, env=("CLIENT_CERT_FILE",)),
    Opt("key_file", "str", None, "the client certificate's key", section=_S,
        env=("CLIENT_KEY_FILE",)),
    Opt("keep_alive", "bool", False, "TCP keep-alive on the connection", section=_S,
        env=("SENTRY_KEEP_ALIVE",)),
    Opt("socket_options", "list", None, "`(level, option, value)` tuples for the socket",
        section=_S),
    Opt("outbox_path", "str", None, "a durable outbox: what cannot be sent before exit is "
        "written to this directory and sent by the next process (once); see "
        "[design/delivery.md](design/delivery.md) (a sentry_lite extension)", section=_S,
        check=text, spelled=EXPERIMENT),
    Opt("transport_compression_level", "int", None, "gzip level of request bodies (0: none)",
        section=_S, check=int_at_least(0, allow_none=True), spelled=EXPERIMENT, shown="`5`"),
    Opt("transport_zlib_compression_level", "int", None, "the older name of "
        "`transport_compression_level` (which wins when both are given)", section=_S,
        check=int_at_least(0, allow_none=True), spelled=EXPERIMENT),
    Opt("transport_num_pools", "int", None, "connection pools the transport's urllib3 pool "
        "manager keeps (one per origin: the DSN's, a redirect's)", section=_S,
        check=int_at_least(1, allow_none=True), spelled=EXPERIMENT, shown="`2`"),
)
_S = "Tracing"
TABLE += (
    Opt("traces_sample_rate", "float", None, "share of transactions sent; setting it turns "
        "tracing on", section=_S, check=rate_or_none),
    Opt("traces_sampler", "callable", None, "`f(sampling_context) -> float or bool`",
        section=_S, check=function),
    Opt("enable_tracing", "bool", None, "`True` means `traces_sample_rate=1.0` unless set",
        section=_S),
    Opt("propagate_traces", "bool", True, "send `sentry-trace`/`baggage` on outgoing requests",
        section=_S),
    Opt("trace_propagation_targets", "list", [".*"], "URL patterns that get the headers",
        section=_S),
    Opt("trace_ignore_status_codes", "set of int", frozenset(), "transactions ending with these "
        "HTTP statuses are not sent", section=_S),
    Opt("strict_trace_continuation", "bool", False, "also refuse incoming traces unless both "
        "sides have the same `org_id` (different ids are always refused)", section=_S),
    Opt("org_id", "str", None, "organisation id for `strict_trace_continuation` and the DSC",
        section=_S, shown="from the DSN"),
    Opt("before_send_transaction", "callable", None, "like `before_send`, for transactions",
        section=_S, check=function),
    Opt("enable_db_query_source", "bool", True, "slow database spans (SQLAlchemy) get the "
        "application's `code.*` line that ran them", section=_S),
    Opt("db_query_source_threshold_ms", "int", 100, "how slow a statement must be for that",
        section=_S),
    Opt("record_sql_params", "bool", False, "asyncpg spans may carry the query's arguments "
        "(with the integration's `record_params`)", section=_S, spelled=EXPERIMENT),
    Opt("instrumenter", "str", "sentry", 'who makes spans: with `"otel"`, `start_transaction()` / '
        '`start_span()` (whose `instrumenter` is `"sentry"`) return a `NoOpSpan`, as upstream',
        section=_S),
    Opt("enable_http_request_source", "bool", True, "slow outgoing requests (aiohttp client) get "
        "the application's `code.*` line that made them", section=_S),
    Opt("http_request_source_threshold_ms", "int", 100, "how slow a request must be for that",
        section=_S),
    Opt("trace_lifecycle", "str", None, "", section=_S, effective=False, spelled=BOTH),
    Opt("stream_gen_ai_spans", "bool", True, "", section=_S, effective=False),
    Opt("ignore_spans", "list", None, "", section=_S, effective=False, spelled=BOTH),
    Opt("before_send_span", "callable", None, "", section=_S, effective=False, spelled=BOTH),
    Opt("max_spans", "int", None, "child spans a sampled transaction keeps; the ones beyond are "
        "counted as lost (`buffer_overflow`)", section=_S, check=int_at_least(1, allow_none=True),
        spelled=EXPERIMENT, shown="`1000`"),
    Opt("functions_to_trace", "list", [], "`[{\"qualified_name\": \"module.function\"}]` (or "
        "`module.Class.method`): each gets `@trace` at `init()`; a name that cannot be "
        "traced is skipped (logged with `debug`)", section=_S),
    Opt("data_collection", "dict", None, "", section=_S, effective=False, spelled=BOTH),
    Opt("enable_backpressure_handling", "bool", True, "", section=_S, effective=False),
)
_S = "Logs, metrics, Spotlight"
TABLE += (
    Opt("enable_logs", "bool", False, "the logging integration forwards records as Sentry Logs "
        "([logs.md](logs.md)); `sentry_lite.logger` records either way, as upstream", section=_S,
        spelled=BOTH),
    Opt("before_send_log", "callable", None, "`f(log, hint) -> log or None`: edit or drop a log",
        section=_S, check=function, spelled=BOTH),
    Opt("enable_metrics", "bool", True, "`False`: `sentry_lite.metrics` records nothing",
        section=_S, spelled=BOTH),
    Opt("before_send_metric", "callable", None, "`f(metric, hint) -> metric or None`: edit or "
        "drop a metric", section=_S, check=function, spelled=BOTH),
    Opt("spotlight", "bool or str", None, "`True` or a URL: a copy of every envelope for the "
        "Spotlight sidecar ([flags-and-spotlight.md](flags-and-spotlight.md))", section=_S,
        env=("SENTRY_SPOTLIGHT",), shown="off"),
    Opt("max_flags", "int", DEFAULT_FLAG_CAPACITY, "feature-flag evaluations kept per scope",
        section=_S, check=int_at_least(1), spelled=EXPERIMENT),
)
_S = "Profiling"
TABLE += (
    Opt("profiles_sample_rate", "float", None, "share of sampled transactions that also get a "
        "profile (transaction profiles)", section=_S, check=rate_or_none, spelled=BOTH),
    Opt("profiles_sampler", "callable", None, "`f(sampling_context) -> float`, asked for each "
        "sampled transaction; wins over the rate", section=_S, check=function),
    Opt("profile_session_sample_rate", "float", None, "continuous profiling: the chance, drawn "
        "once at `init()`, that this process profiles at all", section=_S, check=rate_or_none),
    Opt("profile_lifecycle", "str", "manual", '`"manual"`: between '
        '`sentry_lite.profiler.start_profiler()` and `stop_profiler()`; `"trace"`: while a '
        "sampled transaction is open", section=_S, check=one_of("manual", "trace")),
    Opt("profiler_mode", "str", None, "how the sampling thread is started: a plain thread, or "
        "gevent's original (unpatched) thread functions", section=_S, spelled=BOTH,
        check=one_of(None, "thread", "gevent", "sleep"),
        shown='`"thread"` (`"gevent"` under gevent)'),
    Opt("continuous_profiling_auto_start", "bool", False, "with `profile_lifecycle=\"manual\"`, "
        "the continuous profiler starts at `init()`, without `start_profiler()`", section=_S,
        spelled=EXPERIMENT),
)
_S = "Release health"
TABLE += (
    Opt("auto_session_tracking", "bool", True, "each request of a web integration is a session, "
        "counted per minute and sent every 60 s; needs a `release` ([sessions.md](sessions.md))",
        section=_S),
)
# Keys of the official SDK's ``_experiments`` that sentry_lite does not act on.
_S = "Experiments"
TABLE += tuple([
    Opt(name, "", None, "", section=_S, effective=False, spelled=EXPERIMENT)
    for name in ("continuous_profiling_mode", "otel_powered_performance",
                 "transport_compression_algo", "transport_http2",
                 "transport_async", "suppress_asgi_chained_exceptions")
])
TABLE += (
    Opt("_experiments", "dict", {}, "the official SDK's opt-in features: the keys marked "
        "`_experiments` above are read from it; any other key warns that it has no effect",
        section=_S, check=a_dict),
)
