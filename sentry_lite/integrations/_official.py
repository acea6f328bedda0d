"""``setup_integrations`` and ``iter_default_integrations`` with the official SDK's signatures,
for code that sets integrations up by hand. Both go through the same machinery as ``init()``."""

from __future__ import annotations

from sentry_lite.integrations import DEFAULT_INTEGRATIONS, DidNotEnable, load, setup_from_options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from typing import Any

    from sentry_lite.integrations import Integration


class _Choice:
    """What ``setup_from_options`` reads, from the official arguments (other names are looked
    up in ``options``, a dict or a client's options)."""

    def __init__(self, integrations: Sequence[Any], with_defaults: bool, auto: bool,
                 disabled: Sequence[Any] | None, options: Any) -> None:
        self.integrations = list(integrations)
        self.default_integrations = with_defaults
        self.auto_enabling_integrations = auto
        self.disabled_integrations = list(disabled or ())
        self._options = options if options is not None else {}

    def __getattr__(self, name: str) -> Any:
        options = self.__dict__.get("_options", {})
        if isinstance(options, dict):
            return options.get(name)
        return getattr(options, name, None)

    def get(self, name: str, default: Any = None) -> Any:
        value = getattr(self, name)
        return default if value is None else value

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)


def setup_integrations(
    integrations: Sequence[Integration],
    with_defaults: bool = True,
    with_auto_enabling_integrations: bool = False,
    disabled_integrations: Sequence[Any] | None = None,
    options: dict[str, Any] | None = None,
) -> dict[str, Integration]:
    """Set up ``integrations`` (plus the defaults, and the auto-enabling ones of frameworks
    already imported, when asked); the active ones by identifier."""
    choice = _Choice(integrations, with_defaults, with_auto_enabling_integrations,
                     disabled_integrations, options)
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


__all__ = ["iter_default_integrations", "setup_integrations"]
