"""Public constants: the version and the defaults users may want to read."""

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

LEVELS = ("fatal", "error", "warning", "info", "debug")
