"""Databags: arbitrary user values made JSON-safe, bounded, scrubbed, trims recorded.

A databag (``extra``, a context, ``user``, request data, breadcrumb data, a frame's
locals) is walked at most ``MAX_DEPTH`` containers deep and ``BREADTH`` items wide
(``ROOT_BREADTH`` for its top level, whose keys the user chose one by one). What does
not fit is collapsed into a bounded repr or left out, and each cut is described in a
meta tree (Relay's ``_meta`` format): ``{"": {"len": 30}}`` for a container that lost
items, ``{"": {"rem": [["!limit", "x"]]}}`` for a collapsed one,
``{"": {"rem": [["!config", "s"]]}}`` for a value the denylist filtered.

The walk reads at most the bounded part of every value: sequences and mappings are read
through ``islice``, strings are sliced before anything else, and objects go through
:func:`~sentry_lite._event.saferepr.repr_cut`. At most ``MAX_CONTAINERS`` containers are
walked per databag (ten wide and five deep would otherwise be 100,000 nodes); the rest
are collapsed like the ones too deep.
"""

from __future__ import annotations

import math
from itertools import islice

from sentry_lite._event.saferepr import repr_cut
from sentry_lite._types import AnnotatedValue

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sentry_lite._event.scrubber import KeyPolicy

    Meta = dict[str, Any]

MAX_DEPTH = 5
BREADTH = 10
ROOT_BREADTH = 50
MAX_CONTAINERS = 200  # containers walked per databag; deeper ones are collapsed to a repr
COLLAPSED_LENGTH = 1024  # the repr of a collapsed container is at most this long
FILTERED = "[Filtered]"
CYCLE = "<cyclic>"

_LISTS = (list, tuple, set, frozenset)
_BIG_INT = 1 << 63  # larger ints become text: Relay takes 64-bit integers
_PLAIN = frozenset((str, int, float, bool, type(None), dict, list, tuple, set, frozenset))


def filtered_meta() -> Meta:
    return {"": {"rem": [["!config", "s"]]}}


def collapsed_meta() -> Meta:
    return {"": {"rem": [["!limit", "x"]]}}


def cut_meta(limit: int, length: int | None = None) -> Meta:
    own: dict[str, Any] = {"rem": [["!limit", "x", max(limit - 3, 0), limit]]}
    if length is not None:
        own["len"] = length
    return {"": own}


def truncate(text: str, limit: int) -> tuple[str, Meta | None]:
    """``text`` cut to ``limit`` characters (the last three are ``...``) and its meta."""
    if len(text) <= limit:
        return text, None
    return text[: max(limit - 3, 0)] + "...", cut_meta(limit, len(text))


def _abc(name: str) -> Any:
    import collections.abc

    return getattr(collections.abc, name)


class Walker:
    """Converts values under one set of rules (string limit, repr mode, key policy)."""

    __slots__ = ("_active", "budget", "custom_repr", "max_len", "policy", "reprs")

    def __init__(
        self,
        max_len: int,
        reprs: bool = False,
        policy: KeyPolicy | None = None,
        custom_repr: Callable[[Any], Any] | None = None,
    ) -> None:
        self.max_len = max_len
        self.reprs = reprs  # frame locals: every leaf becomes its repr
        self.policy = policy
        self.custom_repr = custom_repr
        self._active: set[int] = set()
        self.budget = MAX_CONTAINERS

    def bag(self, value: Any, breadth: int = ROOT_BREADTH) -> tuple[Any, Meta | None]:
        """``value`` as a databag root: its JSON-safe form and its meta tree (or None)."""
        self.budget = MAX_CONTAINERS
        try:
            if type(value) is dict:
                return self.mapping(value, 0, breadth)
            return self.node(value, 0, breadth)
        except Exception:
            self._active.clear()
            return self.leaf(value)

    # -- nodes ------------------------------------------------------------------

    def node(self, value: Any, depth: int, breadth: int = BREADTH) -> tuple[Any, Meta | None]:
        cls = type(value)
        if cls is str:
            if self.reprs:
                return self.leaf(value)
            return truncate(value, self.max_len)
        if cls is int:
            if -_BIG_INT < value < _BIG_INT:
                return (repr(value) if self.reprs else value), None
            return self.leaf(value)  # beyond what JSON encoders and Relay take
        if cls is bool or value is None:
            return (repr(value) if self.reprs else value), None
        if cls is float:
            if self.reprs or not math.isfinite(value):
                return repr(value), None
            return value, None
        if self.custom_repr is not None and cls not in _PLAIN:
            custom = self.custom(value)
            if custom is not None:
                return custom
        if cls is dict:
            return self.mapping(value, depth, breadth)
        if cls in _LISTS:
            return self.sequence(value, depth, breadth)
        return self.other(value, depth, breadth)

    def other(self, value: Any, depth: int, breadth: int) -> tuple[Any, Meta | None]:
        if type(value) is AnnotatedValue:  # a value an integration changed, and how
            inner, meta = self.node(value.value, depth, breadth)
            merged = dict(meta or {})
            merged[""] = {**merged.get("", {}), **value.metadata}
            return inner, merged
        try:
            if isinstance(value, (str, bytes, bytearray)):
                return self.leaf(value)
            if isinstance(value, (dict, _abc("Mapping"))):
                return self.mapping(value, depth, breadth)
            if isinstance(value, (list, tuple, set, frozenset, _abc("Sequence"), _abc("Set"))):
                return self.sequence(value, depth, breadth)
            if not self.reprs and type(value).__module__ == "datetime":
                iso = getattr(value, "isoformat", None)
                if iso is not None:
                    return truncate(str(iso()), self.max_len)
        except Exception:
            pass
        return self.leaf(value)

    def leaf(self, value: Any) -> tuple[str, Meta | None]:
        text, cut = repr_cut(value, self.max_len)
        return text, (cut_meta(self.max_len) if cut else None)

    def custom(self, value: Any) -> tuple[Any, Meta | None] | None:
        try:
            text = self.custom_repr(value)  # type: ignore[misc]
        except Exception:
            return None
        if isinstance(text, str):
            return truncate(text, self.max_len)
        return None

    def collapse(self, value: Any) -> tuple[str, Meta]:
        text, _ = repr_cut(value, min(self.max_len, COLLAPSED_LENGTH))
        return text, collapsed_meta()

    # -- containers -------------------------------------------------------------

    def mapping(self, value: Any, depth: int, breadth: int) -> tuple[Any, Meta | None]:
        if depth >= MAX_DEPTH or self.budget <= 0:
            return self.collapse(value)
        self.budget -= 1
        key_id = id(value)
        active = self._active
        if key_id in active:
            return CYCLE, None
        size: int | None
        if type(value) is dict:
            size = len(value)
            items = value.items()
            pairs = list(items) if size <= breadth else list(islice(items, breadth + 1))
        else:
            try:
                size = _size(value)
                pairs = list(islice(value.items(), breadth + 1))
            except Exception:
                return self.leaf(value)
        active.add(key_id)
        out, meta = self._pairs(pairs[:breadth] if len(pairs) > breadth else pairs, depth)
        active.discard(key_id)
        if len(pairs) > breadth:
            meta = _trimmed(meta, size)
        return out, meta

    def _pairs(
        self, pairs: list[tuple[Any, Any]], depth: int
    ) -> tuple[dict[str, Any], Meta | None]:
        out: dict[str, Any] = {}
        meta: Meta | None = None
        policy = self.policy
        checked = policy is not None and (depth == 0 or policy.recursive)
        decided = policy._decided if checked else None  # type: ignore[union-attr]
        reprs = self.reprs
        short = self.max_len // 10 - 1 if reprs else self.max_len  # repr() of these fits
        for key, item in pairs:
            name = key if type(key) is str else self.key(key)
            if decided is not None:
                denied = decided.get(name)
                if denied is None:
                    denied = policy.denied(name)  # type: ignore[union-attr]
                if denied:
                    out[name] = FILTERED
                    if meta is None:
                        meta = {}
                    if name:
                        meta[name] = filtered_meta()
                    continue
            # the common leaves, without a call
            cls = type(item)
            if cls is str:
                if len(item) <= short:
                    out[name] = repr(item) if reprs else item
                    continue
            elif cls is int:
                if -_BIG_INT < item < _BIG_INT:
                    out[name] = repr(item) if reprs else item
                    continue
            elif cls is bool or item is None:
                out[name] = repr(item) if reprs else item
                continue
            elif cls is float:
                out[name] = repr(item) if reprs or item - item != 0 else item  # nan, inf
                continue
            if cls is dict:
                out[name], child = self.mapping(item, depth + 1, BREADTH)
            elif cls is list:
                out[name], child = self.sequence(item, depth + 1, BREADTH)
            else:
                out[name], child = self.node(item, depth + 1)
            if child is not None and name:  # "" is the meta tree's own key
                if meta is None:
                    meta = {}
                meta[name] = child
        return out, meta

    def key(self, key: Any) -> str:
        # str(), as the official SDK: a str subclass (an Enum member, a case-insensitive
        # header name) keeps its text; repr() only when str() fails
        if type(key) is int:
            return str(key)
        try:
            text = str(key)
        except Exception:
            return repr_cut(key, 200)[0]
        return text if len(text) <= 200 else text[:197] + "..."

    def sequence(self, value: Any, depth: int, breadth: int) -> tuple[Any, Meta | None]:
        if depth >= MAX_DEPTH or self.budget <= 0:
            return self.collapse(value)
        self.budget -= 1
        key_id = id(value)
        active = self._active
        if key_id in active:
            return CYCLE, None
        size: int | None
        cls = type(value)
        if cls is list or cls is tuple:
            size = len(value)
            items = value[: breadth + 1]
        else:
            try:
                size = _size(value)
                items = list(islice(value, breadth + 1))
            except Exception:
                return self.leaf(value)
        active.add(key_id)
        out, meta = self._items(items[:breadth] if len(items) > breadth else items, depth)
        active.discard(key_id)
        if len(items) > breadth:
            meta = _trimmed(meta, size)
        return out, meta

    def _items(self, items: list[Any], depth: int) -> tuple[list[Any], Meta | None]:
        out: list[Any] = []
        meta: Meta | None = None
        reprs = self.reprs
        short = self.max_len // 10 - 1 if reprs else self.max_len
        for index, item in enumerate(items):
            cls = type(item)
            if cls is str:
                if len(item) <= short:
                    out.append(repr(item) if reprs else item)
                    continue
            elif cls is int:
                if -_BIG_INT < item < _BIG_INT:
                    out.append(repr(item) if reprs else item)
                    continue
            elif cls is bool or item is None:
                out.append(repr(item) if reprs else item)
                continue
            elif cls is float:
                out.append(repr(item) if reprs or item - item != 0 else item)  # nan, inf
                continue
            if cls is dict:
                converted, child = self.mapping(item, depth + 1, BREADTH)
            elif cls is list:
                converted, child = self.sequence(item, depth + 1, BREADTH)
            else:
                converted, child = self.node(item, depth + 1)
            out.append(converted)
            if child is not None:
                if meta is None:
                    meta = {}
                meta[str(index)] = child
        return out, meta


def _size(value: Any) -> int | None:
    try:
        size = len(value)
    except Exception:
        return None
    return size if type(size) is int else None


def _trimmed(meta: Meta | None, size: int | None) -> Meta:
    """``meta`` with the note that the container lost items (how many it had, if known)."""
    if meta is None:
        meta = {}
    meta[""] = {"len": size} if size is not None else {"rem": [["!limit", "x"]]}
    return meta


def merge_meta(root: Meta, path: tuple[str, ...], meta: Meta | None) -> None:
    """Graft the meta tree ``meta`` into ``root`` at ``path`` (merging with what is there)."""
    if not meta:
        return
    node = root
    for part in path:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    _merge(node, meta)


def _merge(target: Meta, source: Meta) -> None:
    for key, value in source.items():
        existing = target.get(key)
        if isinstance(existing, dict) and isinstance(value, dict) and key != "":
            _merge(existing, value)
        else:
            target[key] = value


__all__ = [
    "BREADTH",
    "FILTERED",
    "MAX_DEPTH",
    "ROOT_BREADTH",
    "Walker",
    "filtered_meta",
    "merge_meta",
    "truncate",
]
