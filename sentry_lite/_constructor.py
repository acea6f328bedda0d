"""``ClientConstructor`` and ``DEFAULT_OPTIONS``: every option of ``Client()`` and ``init()`` as one
signature and one dict, built from the option table in :mod:`sentry_lite._options`.

Code written for the official SDK reads them to learn which options exist and their defaults.
"""

from __future__ import annotations

import inspect

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def default_options() -> dict[str, Any]:
    """A fresh copy of every option's default (lists and dicts copied too)."""
    from sentry_lite._options import _DEFAULTS  # consts -> here -> _options -> consts

    return {k: v.copy() if isinstance(v, (list, dict)) else v for k, v in _DEFAULTS.items()}


def _signature() -> inspect.Signature:
    from sentry_lite._options import _DEFAULTS

    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("dsn", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None),
    ]
    params += [inspect.Parameter(k, keyword, default=v) for k, v in _DEFAULTS.items() if k != "dsn"]
    return inspect.Signature(params)


def get_options(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """Every option's value for ``Client(*args, **kwargs)``, validated, as a dict."""
    from sentry_lite._options import _DEFAULTS, build_options

    if len(args) > 1:
        raise TypeError("get_options() takes at most one positional argument (the DSN)")
    options = build_options(args[0] if args else None, kwargs)
    return {name: getattr(options, name) for name in _DEFAULTS}


class ClientConstructor:
    """The signature of ``Client()``: ``dsn`` then every option by keyword. A type aid only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass


ClientConstructor.__init__.__signature__ = _signature()  # type: ignore[attr-defined]

__all__ = ["ClientConstructor", "default_options", "get_options"]
