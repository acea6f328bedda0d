"""``setup_integrations`` and ``iter_default_integrations`` with the official SDK's signatures,
for code that sets integrations up by hand. Both go through the same machinery as ``init()``."""

from __future__ import annotations

from itertools import zip_longest

from sentry_lite._options import options_from
from sentry_lite.integrations import (
    DEFAULT_INTEGRATIONS,
    DidNotEnable,
    _installed,
    load,
    setup_from_options,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from typing import Any

    from sentry_lite.integrations import Integration


def setup_integrations(
    integrations: Sequence[Integration],
    with_defaults: bool = True,
    with_auto_enabling_integrations: bool = False,
    disabled_integrations: Sequence[Any] | None = None,
    options: dict[str, Any] | None = None,
) -> dict[str, Integration]:
    """Set up ``integrations`` (plus the defaults, and the auto-enabling ones of frameworks
    already imported, when asked); the active ones by identifier."""
    choice = options_from({
        **dict(options or {}),
        "integrations": list(integrations),
        "default_integrations": with_defaults,
        "auto_enabling_integrations": with_auto_enabling_integrations,
        "disabled_integrations": list(disabled_integrations or ()),
    })
    return setup_from_options(choice)


def iter_default_integrations(with_auto_enabling_integrations: bool) -> Iterator[type[Any]]:
    """The default integration classes (and the auto-enabling ones that can be imported)."""
    paths = list(DEFAULT_INTEGRATIONS)
    if with_auto_enabling_integrations:
        from sentry_lite.integrations._auto import AUTO_ENABLING

        paths += [path for _, path in AUTO_ENABLING]
    for path in paths:
        try:
            yield load(path)
        except (ImportError, AttributeError, DidNotEnable, SyntaxError):
            continue


# The oldest version of each library an integration supports (the official SDK's table).
_MIN_VERSIONS: dict[str, tuple[int, ...]] = {
    "aiohttp": (3, 4), "aiomysql": (0, 3, 0), "anthropic": (0, 16), "ariadne": (0, 20),
    "arq": (0, 23), "asyncpg": (0, 23), "beam": (2, 12), "boto3": (1, 16), "bottle": (0, 12),
    "celery": (4, 4, 7), "chalice": (1, 16, 0), "clickhouse_driver": (0, 2, 0),
    "cohere": (5, 4, 0), "django": (1, 8), "dramatiq": (1, 9), "falcon": (1, 4),
    "fastapi": (0, 79, 0), "flask": (1, 1, 4), "gql": (3, 4, 1), "graphene": (3, 3),
    "google_genai": (1, 29, 0), "grpc": (1, 32, 0), "httpx": (0, 16, 0),
    "huggingface_hub": (0, 24, 7), "langchain": (0, 1, 0), "langgraph": (0, 6, 6),
    "launchdarkly": (9, 8, 0), "litellm": (1, 77, 5), "loguru": (0, 7, 0), "mcp": (1, 15, 0),
    "openai": (1, 0, 0), "openai_agents": (0, 0, 19), "openfeature": (0, 7, 1),
    "pydantic_ai": (1, 0, 0), "pymongo": (3, 5, 0), "quart": (0, 16, 0), "ray": (2, 7, 0),
    "requests": (2, 0, 0), "rq": (0, 6), "sanic": (0, 8), "sqlalchemy": (1, 2),
    "starlette": (0, 16), "starlite": (1, 48), "statsig": (0, 55, 3),
    "strawberry": (0, 209, 5), "tornado": (6, 0), "typer": (0, 15), "unleash": (6, 0, 1),
}


def _check_minimum_version(
    integration: type[Integration], version: tuple[int, ...] | None, package: str | None = None
) -> None:
    """Raise ``DidNotEnable`` when ``version`` of the library is older than the integration
    supports (or could not be parsed), as third-party integrations call it."""
    package = package or integration.identifier
    if version is None:
        raise DidNotEnable(f"Unparsable {package} version.")
    minimum = _MIN_VERSIONS.get(integration.identifier)
    if minimum is None:
        return
    for have, need in zip_longest(version, minimum, fillvalue=0):
        if have != need:
            if have < need:
                wanted = ".".join(map(str, minimum))
                raise DidNotEnable(f"Integration only supports {package} {wanted} or newer.")
            return


_DEFAULT_INTEGRATIONS = list(DEFAULT_INTEGRATIONS)
_DEFAULT_FAILED_REQUEST_STATUS_CODES = frozenset(range(500, 600))
_installed_integrations = _installed  # the live set of identifiers set up in this process
# Upstream: the identifiers whose setup was tried; the same live set here (discarding one
# makes the next init() set it up again, as upstream).
_processed_integrations = _installed


def _auto_enabling() -> list[str]:
    from sentry_lite.integrations._auto import AUTO_ENABLING

    return [path for _, path in AUTO_ENABLING]


__all__ = ["iter_default_integrations", "setup_integrations"]
