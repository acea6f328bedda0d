"""``sentry_sdk.ai.monitoring``: ``@ai_track`` and ``record_token_usage``.

Both are deprecated upstream (they warn, as there) in favour of the span API; they work as
upstream. ``@ai_track("description")`` runs a sync or async function in a span: the outermost
one is the pipeline (op ``ai.pipeline``; its description names the pipeline), those called
inside it are runs (op ``ai.run``, with ``gen_ai.pipeline.name``). Keyword arguments
``sentry_tags`` and ``sentry_data`` of a call become the span's tags and data. An exception
leaving the pipeline is reported (``mechanism: ai_monitoring, handled: false``) and raised.
"""

from __future__ import annotations

import inspect
import sys
import warnings
from contextvars import ContextVar
from functools import wraps

from sentry_lite._conventions import SPANDATA
from sentry_lite.api import start_span
from sentry_lite.integrations import capture_exc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])

_pipeline: ContextVar[str | None] = ContextVar("sentry_lite_ai_pipeline", default=None)


def set_ai_pipeline_name(name: str | None) -> None:
    _pipeline.set(name)


def get_ai_pipeline_name() -> str | None:
    return _pipeline.get()


class _Call:
    """One tracked call: its span, and whether it opened the pipeline."""

    def __init__(self, description: str, span_kwargs: dict[str, Any],
                 kwargs: dict[str, Any]) -> None:
        self.outer = _pipeline.get()
        op = span_kwargs.get("op") or ("ai.run" if self.outer else "ai.pipeline")
        rest = {k: v for k, v in span_kwargs.items() if k != "op"}
        self.manager = start_span(name=description, op=op, **rest)
        self.tags = kwargs.pop("sentry_tags", None) or {}
        self.data = kwargs.pop("sentry_data", None) or {}
        self.description = description
        self.token: Any = None

    def __enter__(self) -> _Call:
        span = self.manager.__enter__()
        for key, value in self.tags.items():
            span.set_tag(key, value)
        for key, value in self.data.items():
            span.set_data(key, value)
        if self.outer:
            span.set_data(SPANDATA.GEN_AI_PIPELINE_NAME, self.outer)
        else:
            self.token = _pipeline.set(self.description)
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        try:
            if exc is not None and self.token is not None and isinstance(exc, Exception):
                capture_exc(sys.exc_info(), {"type": "ai_monitoring", "handled": False})
        finally:
            if self.token is not None:
                _pipeline.reset(self.token)
            self.manager.__exit__(kind, exc, tb)


def ai_track(description: str, **span_kwargs: Any) -> Callable[[F], F]:
    """``@ai_track("description")`` on a sync or async function (deprecated upstream)."""
    warnings.warn("sentry_sdk.ai.ai_track is deprecated upstream: use start_span()",
                  DeprecationWarning, stacklevel=2)

    def decorate(function: F) -> F:
        if inspect.iscoroutinefunction(function):

            @wraps(function)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                with _Call(description, span_kwargs, kwargs):
                    return await function(*args, **kwargs)

            return run_async  # type: ignore[return-value]

        @wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with _Call(description, span_kwargs, kwargs):
                return function(*args, **kwargs)

        return run  # type: ignore[return-value]

    return decorate


def record_token_usage(
    span: Any,
    input_tokens: int | None = None,
    input_tokens_cached: int | None = None,
    input_tokens_cache_write: int | None = None,
    output_tokens: int | None = None,
    output_tokens_reasoning: int | None = None,
    total_tokens: int | None = None,
) -> None:
    """The ``gen_ai.usage.*`` data of ``span`` (deprecated upstream: use ``set_data``)."""
    warnings.warn("record_token_usage() is deprecated upstream: use span.set_data()",
                  DeprecationWarning, stacklevel=2)
    pipeline = _pipeline.get()
    if pipeline:
        span.set_data(SPANDATA.GEN_AI_PIPELINE_NAME, pipeline)
    if total_tokens is None and input_tokens is not None and output_tokens is not None:
        total_tokens = input_tokens + output_tokens
    for key, value in ((SPANDATA.GEN_AI_USAGE_INPUT_TOKENS, input_tokens),
                       (SPANDATA.GEN_AI_USAGE_INPUT_TOKENS_CACHED, input_tokens_cached),
                       (SPANDATA.GEN_AI_USAGE_INPUT_TOKENS_CACHE_WRITE, input_tokens_cache_write),
                       (SPANDATA.GEN_AI_USAGE_OUTPUT_TOKENS, output_tokens),
                       (SPANDATA.GEN_AI_USAGE_OUTPUT_TOKENS_REASONING, output_tokens_reasoning),
                       (SPANDATA.GEN_AI_USAGE_TOTAL_TOKENS, total_tokens)):
        if value is not None:
            span.set_data(key, value)


__all__ = ["ai_track", "get_ai_pipeline_name", "record_token_usage", "set_ai_pipeline_name"]
