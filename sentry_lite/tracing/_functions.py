"""``functions_to_trace``: at ``init()``, each function the option names gets ``@trace``.

An entry is ``{"qualified_name": "package.module.function"}`` or
``{"qualified_name": "package.module.Class.method"}``: the module is imported and the
attribute replaced by its traced form (a static or class method stays one). Code that took
the function before ``init()`` (``from module import function``) keeps the plain one, as
with the official SDK. A name that cannot be traced is skipped and logged (``debug=True``);
``init()`` goes on. A function traced already (``init()`` called again) is left as it is:
calls never get two spans.
"""

from __future__ import annotations

from importlib import import_module

from sentry_lite.tracing._decorator import trace

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

_MARK = "__sentry_lite_traced__"


def instrument(entries: Iterable[Any], log: Callable[[str], None]) -> list[str]:
    """Trace each function ``entries`` names; the names traced now."""
    done = []
    for entry in entries:
        name = entry.get("qualified_name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or "." not in name.strip("."):
            log(f"functions_to_trace: {entry!r} is not {{'qualified_name': "
                "'module.function'}} (or 'module.Class.method'); skipped")
            continue
        try:
            if _instrument(name):
                done.append(name)
                log(f"functions_to_trace: tracing {name}")
        except Exception as exc:
            log(f"functions_to_trace: cannot trace {name!r} ({exc!r}); skipped")
    return done


def _owner(path: str) -> Any:
    """The module ``path`` names, or else the class ``module.Class`` it names."""
    try:
        return import_module(path)
    except ModuleNotFoundError:
        if "." not in path:
            raise
        module_path, class_name = path.rsplit(".", 1)
        owner = getattr(import_module(module_path), class_name)
        if not isinstance(owner, type):
            raise TypeError(f"{path} is neither a module nor a class") from None
        return owner


def _instrument(name: str) -> bool:
    owner_path, attribute = name.rsplit(".", 1)
    owner = _owner(owner_path)
    if isinstance(owner, type):
        return _instrument_member(owner, attribute)
    function = getattr(owner, attribute)
    if getattr(function, _MARK, False):
        return False
    setattr(owner, attribute, _traced(function))
    return True


def _instrument_member(cls: type, attribute: str) -> bool:
    raw = next((klass.__dict__[attribute] for klass in cls.__mro__
                if attribute in klass.__dict__), None)
    if raw is None:
        raise AttributeError(f"{cls.__qualname__} has no attribute {attribute!r}")
    if isinstance(raw, (staticmethod, classmethod)):
        if getattr(raw.__func__, _MARK, False):
            return False
        setattr(cls, attribute, type(raw)(_traced(raw.__func__)))
        return True
    if getattr(raw, _MARK, False):
        return False
    if not callable(raw):
        raise TypeError(f"{cls.__qualname__}.{attribute} is not a function")
    setattr(cls, attribute, _traced(raw))
    return True


def _traced(function: Any) -> Any:
    if not callable(function):
        raise TypeError(f"{function!r} is not a function")
    wrapper = trace(function)
    setattr(wrapper, _MARK, True)
    return wrapper


__all__ = ["instrument"]
