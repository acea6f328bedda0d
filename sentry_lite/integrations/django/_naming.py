"""Transaction names for Django requests, from the resolved URL pattern or view.

``transaction_style="url"`` names a request after its URL pattern, written the way Sentry
shows routes: ``path("users/<int:pk>/", ...)`` becomes ``/users/{pk}/`` and
``re_path(r"^articles/(?P<year>[0-9]{4})/$", ...)`` becomes ``/articles/{year}/``.
``"function_name"`` names it after the view: ``module.function`` or ``module.ViewClass``.
Pure functions on strings (a bounded cache remembers the few patterns an app has).
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_CONVERTER = re.compile(r"(?<!\?P)<(?:[^>:]+:)?([^>]+)>")
_QUANTIFIER = re.compile(r"[?*+]|\{\d*,?\d*\}")
_DROPPED_ESCAPES = frozenset("AZbB")  # anchors: no text of their own
_cache: dict[str, str] = {}
_MAX_CACHED = 512


def route_name(route: str) -> str:
    """``/users/{pk}/`` for a resolved route (``path()`` and ``re_path()`` syntax mixed)."""
    name = _cache.get(route)
    if name is None:
        name = "/" + _regex_to_text(_CONVERTER.sub(r"{\1}", route)).lstrip("/")
        if len(_cache) >= _MAX_CACHED:
            _cache.clear()
        _cache[route] = name
    return name


def _regex_to_text(pattern: str) -> str:
    """The readable text a regex matches: groups as ``{name}``, anchors dropped."""
    out: list[str] = []
    i, end = 0, len(pattern)
    while i < end:
        char = pattern[i]
        if char == "\\" and i + 1 < end:
            escaped = pattern[i + 1]
            if escaped not in _DROPPED_ESCAPES:
                out.append(escaped)
            i += 2
        elif char == "(":
            close = _closing(pattern, i)
            out.append(_group(pattern[i + 1 : close]))
            i = _skip_quantifier(pattern, close + 1)
        elif char == "[":
            close = _class_end(pattern, i)
            out.append(pattern[i : close + 1])
            i = _skip_quantifier(pattern, close + 1)
        elif char in "^$?*+":  # anchors and quantifiers outside groups
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _group(inner: str) -> str:
    if inner.startswith("?P<"):
        close = inner.find(">")
        return "{" + inner[3:close] + "}" if close > 3 else "{arg}"
    if inner.startswith("?:"):
        return _regex_to_text(inner[2:])
    if inner.startswith("?"):
        return ""  # lookarounds, flags, comments
    return "{arg}"


def _closing(pattern: str, start: int) -> int:
    """Index of the ``)`` closing the group opened at ``start`` (or the last index)."""
    depth, i = 0, start
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(pattern, i) + 1
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(pattern) - 1


def _class_end(pattern: str, start: int) -> int:
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern):
        if pattern[i] == "\\":
            i += 2
            continue
        if pattern[i] == "]":
            return i
        i += 1
    return len(pattern) - 1


def _skip_quantifier(pattern: str, i: int) -> int:
    match = _QUANTIFIER.match(pattern, i)
    if match is None:
        return i
    end = match.end()
    return end + 1 if end < len(pattern) and pattern[end] in "?+" else end


def view_name(func: Any) -> str:
    """``module.qualname`` of a view function, or of the class a class-based view came from."""
    target = getattr(func, "view_class", None) or func
    if not hasattr(target, "__qualname__"):
        target = type(target)  # a callable instance
    module = getattr(target, "__module__", None)
    name = getattr(target, "__qualname__", None) or repr(target)
    return f"{module}.{name}" if module else name


__all__ = ["route_name", "view_name"]
