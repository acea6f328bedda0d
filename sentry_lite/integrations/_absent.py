"""Integrations of the official SDK that sentry_lite does not implement: importable, and honest.

``from sentry_sdk.integrations.openai import OpenAIIntegration`` must not stop an application
at its first line. Each module of ``ABSENT`` is a file of three lines holding the official
class name, made here. The class accepts the official arguments; in
``init(integrations=[...])`` it raises ``DidNotEnable`` when its library is not installed (as
upstream), and otherwise warns once (``OptionHasNoEffectWarning``) that it instruments
nothing, and does nothing.
"""

from __future__ import annotations

import importlib.util

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PREFIX = "sentry_lite.integrations."

# module: (class, identifier, the library it instruments; None: none to look for)
ABSENT: dict[str, tuple[str, str, str | None]] = {
    "aiomysql": ("AioMySQLIntegration", "aiomysql", "aiomysql"),
    "anthropic": ("AnthropicIntegration", "anthropic", "anthropic"),
    "beam": ("BeamIntegration", "beam", "apache_beam"),
    "clickhouse_driver": ("ClickhouseDriverIntegration", "clickhouse_driver",
                          "clickhouse_driver"),
    "cloud_resource_context": ("CloudResourceContextIntegration", "cloudresourcecontext", None),
    "cohere": ("CohereIntegration", "cohere", "cohere"),
    "executing": ("ExecutingIntegration", "executing", "executing"),
    "gnu_backtrace": ("GnuBacktraceIntegration", "gnu_backtrace", None),
    "google_genai": ("GoogleGenAIIntegration", "google_genai", "google.genai"),
    "gql": ("GQLIntegration", "gql", "gql"),
    "huggingface_hub": ("HuggingfaceHubIntegration", "huggingface_hub", "huggingface_hub"),
    "langchain": ("LangchainIntegration", "langchain", "langchain_core"),
    "langgraph": ("LanggraphIntegration", "langgraph", "langgraph"),
    "launchdarkly": ("LaunchDarklyIntegration", "launchdarkly", "ldclient"),
    "litellm": ("LiteLLMIntegration", "litellm", "litellm"),
    "mcp": ("MCPIntegration", "mcp", "mcp"),
    "mistral": ("MistralIntegration", "mistral", "mistralai"),
    "openai": ("OpenAIIntegration", "openai", "openai"),
    "openai_agents": ("OpenAIAgentsIntegration", "openai_agents", "agents"),
    "otlp": ("OTLPIntegration", "otlp", "opentelemetry"),
    "pure_eval": ("PureEvalIntegration", "pure_eval", "pure_eval"),
    "pydantic_ai": ("PydanticAIIntegration", "pydantic_ai", "pydantic_ai"),
    "pyreqwest": ("PyreqwestIntegration", "pyreqwest", "pyreqwest"),
    "ray": ("RayIntegration", "ray", "ray"),
    "rust_tracing": ("RustTracingIntegration", "rust_tracing", None),
    "spark": ("SparkIntegration", "spark", "pyspark"),
    "starlite": ("StarliteIntegration", "starlite", "starlite"),
    "statsig": ("StatsigIntegration", "statsig", "statsig"),
    "trytond": ("TrytondWSGIIntegration", "trytond_wsgi", "trytond"),
    "typesafe": ("TypeSafeIntegration", "typesafe", "typesafe_sdk"),
    "unleash": ("UnleashIntegration", "unleash", "UnleashClient"),
}

_warned: set[str] = set()


def absent_class(module: str) -> type:
    """The stand-in class of ``ABSENT[module]``."""
    from sentry_lite.integrations import DidNotEnable, Integration

    class_name, identifier, library = ABSENT[module]

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs = args, kwargs

    def setup_once() -> None:
        if library is not None and _missing(library):
            raise DidNotEnable(f"{library} is not installed")
        if class_name not in _warned:
            _warned.add(class_name)
            import warnings

            from sentry_lite._options import OptionHasNoEffectWarning

            warnings.warn(f"sentry_lite: {class_name} is accepted but has no effect: sentry_lite "
                          f"does not implement the {module} integration",
                          OptionHasNoEffectWarning, stacklevel=4)

    return type(class_name, (Integration,), {
        "identifier": identifier, "__init__": __init__, "setup_once": staticmethod(setup_once),
        "__module__": PREFIX + module,
        "__doc__": f"The official {class_name}, accepted and without effect here.",
    })


def _missing(library: str) -> bool:
    try:
        return importlib.util.find_spec(library) is None
    except (ImportError, ValueError):
        return True


__all__ = ["ABSENT", "absent_class"]
