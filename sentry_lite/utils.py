"""``sentry_sdk.utils``: the helpers integrations and third-party packages call.

A facade: the code lives in :mod:`sentry_lite._errors` (exceptions, frames, internal errors),
:mod:`sentry_lite._text` (text, time, URLs, versions) and :mod:`sentry_lite._runtime` (DSN, release,
integrations, gevent, attributes). Names left out are listed in docs/migration.md.
"""

from __future__ import annotations

import logging
import math
from contextvars import ContextVar

from sentry_lite import _log
from sentry_lite._attrs import format_attribute, serialize_attribute
from sentry_lite._dsn import BadDsn
from sentry_lite._errors import (
    CaptureInternalException,
    capture_internal_exception,
    capture_internal_exceptions,
    current_stacktrace,
    event_from_exception,
    event_hint_with_exc_info,
    exc_info_from_error,
    exceptions_from_error_tuple,
    filename_for_module,
    get_errno,
    get_error_message,
    get_lines_from_file,
    get_source_context,
    get_type_module,
    get_type_name,
    handle_in_app,
    iter_event_frames,
    iter_event_stacktraces,
    iter_stacks,
    reraise,
    serialize_frame,
    set_in_app_in_frames,
    should_be_treated_as_error,
    should_hide_frame,
    single_exception_from_error_tuple,
    walk_exception_chain,
)
from sentry_lite._runtime import (
    Auth,
    Dsn,
    deprecation_warning,
    ensure_integration_enabled,
    get_before_send_log,
    get_before_send_metric,
    get_before_send_span,
    get_current_thread_meta,
    get_default_release,
    get_gevent_hub,
    get_git_revision,
    get_sdk_name,
    has_data_collection_enabled,
    is_gevent,
    is_internal_task,
    is_module_patched,
    is_sentry_url,
    mark_sentry_task_internal,
    nanosecond_time,
    now,
    nullcontext,
)
from sentry_lite._text import (
    FALSY_ENV_VALUES,
    ISO_TZ_SEPARATORS,
    TRUTHY_ENV_VALUES,
    Components,
    ParsedUrl,
    datetime_from_isoformat,
    env_to_bool,
    format_timestamp,
    json_dumps,
    match_regex_list,
    package_version,
    parse_url,
    parse_version,
    qualname_from_function,
    safe_repr,
    safe_serialize,
    safe_str,
    sanitize_url,
    strip_string,
    to_string,
    transaction_from_function,
    try_convert,
)
from sentry_lite._types import SENSITIVE_DATA_SUBSTITUTE, AnnotatedValue
from sentry_lite.consts import DEFAULT_ADD_FULL_STACK, DEFAULT_MAX_STACK_FRAMES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite._conventions import EndpointType

HAS_REAL_CONTEXTVARS = True  # CPython 3.10+: always the stdlib's contextvars
HAS_CHAINED_EXCEPTIONS = True
PY37 = True
MAX_STACK_FRAMES = 2000  # the official SDK's cap on frames walked for add_full_stack
CONTEXTVARS_ERROR_MESSAGE = "sentry_lite uses the contextvars module of the standard library."


class ServerlessTimeoutWarning(Exception):
    """Raised (as a warning event) when a serverless function nears its time limit."""


class _DebugOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from sentry_lite.api import get_client

        return bool(get_client().options.debug)


# Messages written here show with ``debug=True``, like the official SDK's.
_log.get_logger()
logger = logging.getLogger(f"{_log.LOGGER_NAME}.utils")
logger.addFilter(_DebugOnly())


def is_valid_sample_rate(rate: object, source: str) -> bool:
    """True for a number (or bool) in [0, 1]; else warns (with ``debug=True``) and False."""
    from decimal import Decimal
    from numbers import Real

    if not isinstance(rate, (Real, Decimal)) or math.isnan(rate):
        logger.warning(f"{source} Given sample rate is invalid. Sample rate must be a boolean or "
                       f"a number between 0 and 1. Got {rate} of type {type(rate)}.")  # fmt: skip
        return False
    if not 0 <= float(rate) <= 1:
        logger.warning(f"{source} Given sample rate is invalid. Sample rate must be between 0 "
                       f"and 1. Got {rate}.")  # fmt: skip
        return False
    return True


def _get_installed_modules() -> dict[str, str]:
    """Installed distributions and their versions (imported by third-party integrations)."""
    from sentry_lite.integrations.modules import installed_distributions

    return dict(installed_distributions())


def __getattr__(name: str) -> Any:
    if name == "EndpointType":  # the enum lives with the other tables of consts
        from sentry_lite._conventions import EndpointType

        return EndpointType
    if name == "TimeoutThread":  # the serverless integrations' warning thread
        from sentry_lite.integrations._serverless import TimeoutWarning

        return TimeoutWarning
    raise AttributeError(f"module 'sentry_lite.utils' has no attribute {name!r}")


__all__ = [
    "CONTEXTVARS_ERROR_MESSAGE",
    "DEFAULT_ADD_FULL_STACK",
    "DEFAULT_MAX_STACK_FRAMES",
    "FALSY_ENV_VALUES",
    "HAS_CHAINED_EXCEPTIONS",
    "HAS_REAL_CONTEXTVARS",
    "ISO_TZ_SEPARATORS",
    "MAX_STACK_FRAMES",
    "PY37",
    "SENSITIVE_DATA_SUBSTITUTE",
    "TRUTHY_ENV_VALUES",
    "AnnotatedValue",
    "Auth",
    "BadDsn",
    "CaptureInternalException",
    "Components",
    "ContextVar",
    "Dsn",
    "EndpointType",
    "ParsedUrl",
    "ServerlessTimeoutWarning",
    "capture_internal_exception",
    "capture_internal_exceptions",
    "current_stacktrace",
    "datetime_from_isoformat",
    "deprecation_warning",
    "ensure_integration_enabled",
    "env_to_bool",
    "event_from_exception",
    "event_hint_with_exc_info",
    "exc_info_from_error",
    "exceptions_from_error_tuple",
    "filename_for_module",
    "format_attribute",
    "format_timestamp",
    "get_before_send_log",
    "get_before_send_metric",
    "get_before_send_span",
    "get_current_thread_meta",
    "get_default_release",
    "get_errno",
    "get_error_message",
    "get_gevent_hub",
    "get_git_revision",
    "get_lines_from_file",
    "get_sdk_name",
    "get_source_context",
    "get_type_module",
    "get_type_name",
    "handle_in_app",
    "has_data_collection_enabled",
    "is_gevent",
    "is_internal_task",
    "is_module_patched",
    "is_sentry_url",
    "is_valid_sample_rate",
    "iter_event_frames",
    "iter_event_stacktraces",
    "iter_stacks",
    "json_dumps",
    "logger",
    "mark_sentry_task_internal",
    "match_regex_list",
    "nanosecond_time",
    "now",
    "nullcontext",
    "package_version",
    "parse_url",
    "parse_version",
    "qualname_from_function",
    "reraise",
    "safe_repr",
    "safe_serialize",
    "safe_str",
    "sanitize_url",
    "serialize_attribute",
    "serialize_frame",
    "set_in_app_in_frames",
    "should_be_treated_as_error",
    "should_hide_frame",
    "single_exception_from_error_tuple",
    "strip_string",
    "to_string",
    "transaction_from_function",
    "try_convert",
    "walk_exception_chain",
]  # fmt: skip
