"""Public constants: the version, the defaults, and (loaded on first use) the tables of
``sentry_sdk.consts``: ``OP``, ``SPANDATA``, ``SPANSTATUS``, ``SPANTEMPLATE``, ``SPANNAME``,
``INSTRUMENTER``, ``EndpointType``, ``CompressionAlgo``, ``ClientConstructor``, ``DEFAULT_OPTIONS``.
"""

from __future__ import annotations

VERSION = "0.1.0"
SDK_NAME = "sentry.python.lite"
USER_AGENT = f"{SDK_NAME}/{VERSION}"
# The official sentry-sdk release whose API sentry_lite mirrors (reported for "sentry-sdk"
# by importlib.metadata after install_as_sentry_sdk()).
SENTRY_SDK_API_VERSION = "2.76.0"

DEFAULT_MAX_BREADCRUMBS = 100
DEFAULT_SHUTDOWN_TIMEOUT = 2.0
DEFAULT_QUEUE_SIZE = 100
DEFAULT_MAX_VALUE_LENGTH = 100_000
DEFAULT_MAX_STACK_FRAMES = 100
DEFAULT_ADD_FULL_STACK = False

LEVELS = ("fatal", "error", "warning", "info", "debug")
MATCH_ALL = ".*"
FALSE_VALUES = ["false", "no", "off", "n", "0"]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite._constructor import ClientConstructor
    from sentry_lite._conventions import (
        INSTRUMENTER,
        OP,
        SPANDATA,
        SPANNAME,
        SPANSTATUS,
        SPANTEMPLATE,
        CompressionAlgo,
        EndpointType,
    )

    DEFAULT_OPTIONS: dict[str, Any]

_CONVENTIONS = frozenset(
    ("INSTRUMENTER", "OP", "SPANDATA", "SPANNAME", "SPANSTATUS", "SPANTEMPLATE",
     "CompressionAlgo", "EndpointType")
)  # fmt: skip


def __getattr__(name: str) -> Any:
    # core modules import this one: the tables load only when asked for
    if name in _CONVENTIONS:
        from sentry_lite import _conventions

        value = getattr(_conventions, name)
    elif name == "ClientConstructor":
        from sentry_lite._constructor import ClientConstructor as value
    elif name == "DEFAULT_OPTIONS":
        from sentry_lite._constructor import default_options

        value = default_options()
    else:
        raise AttributeError(f"module 'sentry_lite.consts' has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_ADD_FULL_STACK",
    "DEFAULT_MAX_BREADCRUMBS",
    "DEFAULT_MAX_STACK_FRAMES",
    "DEFAULT_MAX_VALUE_LENGTH",
    "DEFAULT_OPTIONS",
    "DEFAULT_QUEUE_SIZE",
    "DEFAULT_SHUTDOWN_TIMEOUT",
    "FALSE_VALUES",
    "INSTRUMENTER",
    "LEVELS",
    "MATCH_ALL",
    "OP",
    "SDK_NAME",
    "SPANDATA",
    "SPANNAME",
    "SPANSTATUS",
    "SPANTEMPLATE",
    "USER_AGENT",
    "VERSION",
    "ClientConstructor",
    "CompressionAlgo",
    "EndpointType",
]
