"""Integrations that switch on by themselves for frameworks the application uses.

``init()`` never imports a framework: for each entry of :data:`AUTO_ENABLING` whose
module is already in ``sys.modules`` the integration is set up at once; for the others
an import watcher (``_importhook``) sets it up when the application imports the
framework, for the client in charge at that moment, if that client still wants
auto-enabling and has not disabled it. An integration module that does not exist (yet)
or raises :class:`DidNotEnable` is skipped with a debug message.
"""

from __future__ import annotations

import sys

from sentry_lite.integrations import (
    DidNotEnable,
    disabled_identifiers,
    identifier_of,
    load,
    setup_one,
)
from sentry_lite.integrations._importhook import when_imported
from sentry_lite.scope import get_client

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType
    from typing import Any

OWNER = "_auto"
_P = "sentry_lite.integrations."

# (module the application imports, the integration class that handles it)
AUTO_ENABLING: tuple[tuple[str, str], ...] = (
    ("aiohttp", _P + "aiohttp.AioHttpIntegration"),
    ("anthropic", _P + "anthropic.AnthropicIntegration"),
    ("ariadne", _P + "ariadne.AriadneIntegration"),
    ("arq", _P + "arq.ArqIntegration"),
    ("asyncpg", _P + "asyncpg.AsyncPGIntegration"),
    ("boto3", _P + "boto3.Boto3Integration"),
    ("bottle", _P + "bottle.BottleIntegration"),
    ("celery", _P + "celery.CeleryIntegration"),
    ("chalice", _P + "chalice.ChaliceIntegration"),
    ("clickhouse_driver", _P + "clickhouse_driver.ClickhouseDriverIntegration"),
    ("cohere", _P + "cohere.CohereIntegration"),
    ("django", _P + "django.DjangoIntegration"),
    ("falcon", _P + "falcon.FalconIntegration"),
    ("fastapi", _P + "fastapi.FastApiIntegration"),
    ("flask", _P + "flask.FlaskIntegration"),
    ("google.genai", _P + "google_genai.GoogleGenAIIntegration"),
    ("gql", _P + "gql.GQLIntegration"),
    ("graphene", _P + "graphene.GrapheneIntegration"),
    ("httpx", _P + "httpx.HttpxIntegration"),
    ("huey", _P + "huey.HueyIntegration"),
    ("huggingface_hub", _P + "huggingface_hub.HuggingfaceHubIntegration"),
    ("langchain", _P + "langchain.LangchainIntegration"),
    ("langgraph", _P + "langgraph.LanggraphIntegration"),
    ("litestar", _P + "litestar.LitestarIntegration"),
    ("loguru", _P + "loguru.LoguruIntegration"),
    ("mcp", _P + "mcp.MCPIntegration"),
    ("openai", _P + "openai.OpenAIIntegration"),
    ("agents", _P + "openai_agents.OpenAIAgentsIntegration"),
    ("pydantic_ai", _P + "pydantic_ai.PydanticAIIntegration"),
    ("pymongo", _P + "pymongo.PyMongoIntegration"),
    ("pyramid", _P + "pyramid.PyramidIntegration"),
    ("quart", _P + "quart.QuartIntegration"),
    ("redis", _P + "redis.RedisIntegration"),
    ("rq", _P + "rq.RqIntegration"),
    ("sanic", _P + "sanic.SanicIntegration"),
    ("sqlalchemy", _P + "sqlalchemy.SqlalchemyIntegration"),
    ("starlette", _P + "starlette.StarletteIntegration"),
    ("starlite", _P + "starlite.StarliteIntegration"),
    ("strawberry", _P + "strawberry.StrawberryIntegration"),
    ("tornado", _P + "tornado.TornadoIntegration"),
)


def _instance(path: str, say: Callable[[str], None]) -> Any:
    """An instance of the integration at ``path``, or None when it cannot be loaded."""
    module_name = path.rpartition(".")[0]
    try:
        cls = load(path)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            say(f"no sentry_lite integration module {module_name} (yet); skipped")
        else:
            say(f"{path} needs {exc.name}, which is not installed; skipped")
        return None
    except Exception as exc:
        say(f"{path} could not be loaded: {exc!r}; skipped")
        return None
    return cls()


def _enable(
    path: str,
    into: dict[str, Any],
    options: Any,
    disabled: set[str],
    say: Callable[[str], None],
) -> str | None:
    """Set up the integration at ``path`` and add it to ``into``; its identifier if it did."""
    integration = _instance(path, say)
    if integration is None:
        return None
    name = identifier_of(integration)
    if name in into or name in disabled:
        return None
    try:
        setup_one(integration, options, say)
    except DidNotEnable as exc:
        say(f"integration {name} not enabled: {exc}")
        return None
    except Exception as exc:
        say(f"integration {name} failed to set up: {exc!r}")
        return None
    into[name] = integration
    return name


def enable_auto_integrations(
    into: dict[str, Any], options: Any, disabled: set[str], say: Callable[[str], None]
) -> None:
    """Enable the integrations of frameworks already imported; watch for the others."""
    modules = sys.modules
    for module_name, path in AUTO_ENABLING:
        if module_name in modules:
            _enable(path, into, options, disabled, say)
        else:
            when_imported(module_name, _later(path), OWNER)


_callbacks: dict[str, Callable[[ModuleType], None]] = {}


def _later(path: str) -> Callable[[ModuleType], None]:
    # One callback object per path, so that a second init() does not add another.
    callback = _callbacks.get(path)
    if callback is None:

        def callback(module: ModuleType) -> None:
            enable_for_current_client(path)

        _callbacks[path] = callback
    return callback


def enable_for_current_client(path: str) -> str | None:
    """After a framework import: set its integration up for the client now in charge."""
    client = get_client()
    if not client.is_active():
        return None
    options = client.options
    if not (options.default_integrations and options.auto_enabling_integrations):
        return None

    def say(message: str) -> None:
        client.log_debug(message)

    name = _enable(path, client.integrations, options, disabled_identifiers(options), say)
    if name is not None:
        names = getattr(client, "_integration_names", None)
        if isinstance(names, list) and name not in names:
            names.append(name)
            names.sort()
        say(f"integration {name} enabled after its framework was imported")
    return name


__all__ = ["AUTO_ENABLING", "enable_auto_integrations", "enable_for_current_client"]
