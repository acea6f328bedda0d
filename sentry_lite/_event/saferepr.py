"""Bounded ``repr``: never raises, never renders more than a bounded part of a value.

``repr(big_list)`` builds the whole text before we could cut it. Here builtin containers
are rendered by our own code, a few items and a few levels deep, so the cost depends on
the limits, not on the value. For small builtin values the result equals ``repr()``.

Objects of other classes keep their own ``__repr__``, with two guards: a class that does
not define one is rendered without calling it, and a sized object that reports more than
``LARGE`` items is rendered from a bounded slice of its items instead of its
``__repr__`` (which would likely walk all of them).
"""

from __future__ import annotations

from itertools import islice

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

ITEMS = 10  # items shown per container
LEVELS = 3  # containers shown inside containers
LARGE = 1000  # a sized object with more items is not handed to its own __repr__
DEFAULT_LIMIT = 1024

_object_repr = object.__repr__
_OWN = {
    list.__repr__: ("[", "]"),
    tuple.__repr__: ("(", ")"),
    set.__repr__: ("{", "}"),
    frozenset.__repr__: ("frozenset({", "})"),
    dict.__repr__: ("{", "}"),
}


def type_name(value: object) -> str:
    """``module.QualName`` of ``value``'s class (the module left out for builtins)."""
    cls = type(value)
    try:
        name = cls.__qualname__
        module = cls.__module__
    except Exception:
        return "object"
    if module in ("builtins", None) or not isinstance(module, str):
        return str(name)
    return f"{module}.{name}"


def opaque(value: object, note: str = "") -> str:
    """A repr that calls nothing on ``value``: ``<module.Class object at 0x...>``."""
    return f"<{type_name(value)} object at {id(value):#x}{note}>"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 3, 0)] + "..."


def _int_repr(value: int) -> str:
    if value.bit_length() > 4000:  # beyond the int/str conversion limit, and slow
        return f"<int with {value.bit_length()} bits>"
    return int.__repr__(value)


class _Renderer:
    """One bounded rendering: a character budget shared by every part."""

    __slots__ = ("active", "budget", "parts")

    def __init__(self, limit: int) -> None:
        self.parts: list[str] = []
        self.budget = limit
        self.active: set[int] = set()

    def emit(self, text: str) -> bool:
        self.parts.append(text)
        self.budget -= len(text)
        return self.budget > 0

    def render(self, value: Any, level: int) -> bool:
        """Append the rendering of ``value``; False once the budget is spent."""
        cls = type(value)
        if cls is str or cls is bytes or cls is bytearray:
            # slice first: never build the repr of a huge string
            return self.emit(repr(value[: self.budget + 2]))
        if cls is int:
            return self.emit(_int_repr(value))
        if cls is float or cls is bool or value is None:
            return self.emit(repr(value))
        try:
            method: Any = cls.__repr__
        except Exception:
            return self.emit(opaque(value))
        brackets = _OWN.get(method)
        if brackets is not None:
            return self.container(value, brackets, level)
        return self.emit(_cut(other_repr(value), max(self.budget, 0) + 3))

    def container(self, value: Any, brackets: tuple[str, str], level: int) -> bool:
        key = id(value)
        if key in self.active:
            return self.emit("{...}" if isinstance(value, dict) else "[...]")
        try:
            size = len(value)
        except Exception:
            return self.emit(opaque(value))
        opening, closing = brackets
        if size == 0:
            if isinstance(value, (set, frozenset)):
                return self.emit(f"{type(value).__name__}()")
            return self.emit(opening + closing)
        if level >= LEVELS:
            return self.emit(opening + "..." + closing)
        self.active.add(key)
        try:
            if not self.emit(opening):
                return False
            if isinstance(value, dict):
                complete = self.items(value, size, level)
            else:
                complete = self.elements(value, size, level)
                if complete and size == 1 and isinstance(value, tuple):
                    self.emit(",")
            return complete and self.emit(closing)
        finally:
            self.active.discard(key)

    def elements(self, value: Iterable[Any], size: int, level: int) -> bool:
        for index, item in enumerate(islice(value, ITEMS)):
            if (index and not self.emit(", ")) or not self.render(item, level + 1):
                return False
        return size <= ITEMS or self.emit(", ...")

    def items(self, value: dict[Any, Any], size: int, level: int) -> bool:
        for index, (key, item) in enumerate(islice(value.items(), ITEMS)):
            if index and not self.emit(", "):
                return False
            if not self.render(key, level + 1) or not self.emit(": "):
                return False
            if not self.render(item, level + 1):
                return False
        return size <= ITEMS or self.emit(", ...")


def _large_repr(value: Any, size: int) -> str:
    """A sized object with many items: its class and a bounded slice of its items."""
    from collections.abc import Mapping

    items: Any
    if isinstance(value, Mapping):
        items = dict(islice(value.items(), ITEMS))
    else:
        items = list(islice(iter(value), ITEMS))
    return f"<{type_name(value)} with {size} items: {safe_repr(items, 256)}>"


def other_repr(value: Any) -> str:
    """``repr()`` of an object of a non-builtin class, guarded (unbounded length)."""
    cls: Any = type(value)
    try:
        if cls.__repr__ is _object_repr:
            return opaque(value)
        if hasattr(cls, "__len__"):
            size = len(value)
            if isinstance(size, int) and size > LARGE:
                return _large_repr(value, size)
        text = repr(value)
    except Exception:
        return opaque(value, " (repr failed)")
    return text if isinstance(text, str) else opaque(value)


def repr_cut(value: Any, limit: int) -> tuple[str, bool]:
    """A bounded ``repr`` of ``value`` and whether it was cut to ``limit``; never raises."""
    cls = type(value)
    if cls is float or cls is bool or value is None:
        return repr(value), False
    try:
        if cls is int:
            text = _int_repr(value)
        elif cls is str:
            text = repr(value[: limit + 2])  # slice first: never repr a huge string whole
        else:
            renderer = _Renderer(limit)
            renderer.render(value, 0)
            text = "".join(renderer.parts)
    except Exception:
        try:
            text = opaque(value, " (repr failed)")
        except Exception:
            text = "<unrepresentable object>"
    if len(text) <= limit:
        return text, False
    return text[: max(limit - 3, 0)] + "...", True


def safe_repr(value: Any, limit: int = DEFAULT_LIMIT) -> str:
    """A bounded ``repr`` of ``value``: at most ``limit`` characters, never raises."""
    return repr_cut(value, limit)[0]


__all__ = ["DEFAULT_LIMIT", "opaque", "other_repr", "repr_cut", "safe_repr", "type_name"]
