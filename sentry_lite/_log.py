"""The SDK's own diagnostics: silent unless ``debug=True``.

The logger is named ``sentry_lite.errors``; the logging integration never turns its
records into events or breadcrumbs.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import logging

LOGGER_NAME = "sentry_lite.errors"
_state: dict[str, logging.Logger] = {}


def get_logger() -> logging.Logger:
    """The SDK logger, with a stderr handler installed on first use."""
    logger = _state.get("logger")
    if logger is None:
        import logging

        logger = logging.getLogger(LOGGER_NAME)
        if not logger.handlers:
            handler = _stderr_handler()
            handler.setFormatter(logging.Formatter(" [sentry_lite] %(levelname)s: %(message)s"))
            logger.addHandler(handler)
            logger.setLevel(logging.DEBUG)
            logger.propagate = False
        _state["logger"] = logger
    return logger


def _stderr_handler() -> logging.Handler:
    import logging
    import sys

    class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
        """Writes to whatever ``sys.stderr`` is now (tests and daemons replace it)."""

        @property
        def stream(self) -> object:
            return sys.stderr

        @stream.setter
        def stream(self, value: object) -> None:
            return None

    return StderrHandler()


def log(debug: bool, level: str, message: str, exc_info: bool = False) -> None:
    """Write ``message`` at ``level`` ("debug", "warning", "error") when ``debug`` is on."""
    if not debug:
        return
    try:
        getattr(get_logger(), level)(message, exc_info=exc_info)
    except Exception:
        pass
