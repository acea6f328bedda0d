"""Names a compatibility module re-exports from the module that defines them, found on first use.

The official SDK's modules re-export many names of their neighbours (``SPANDATA`` in
``sentry_sdk.tracing``, ``capture_internal_exceptions`` in ``sentry_sdk.scope``...). Our facades
look such a name up here: in the module named for it, then in the modules where the official
SDK keeps most of them (``utils``, ``consts``, ``_types``), so that a name that moves between
those stays found.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_MISSING = object()
_COMMON = ("sentry_lite.utils", "sentry_lite.consts", "sentry_lite._types")


def find(name: str, *modules: str) -> Any:
    """``name`` from the first of ``modules`` (then the common ones) that has it; raises
    ``AttributeError`` when none does (or none can be imported)."""
    import importlib

    for module_name in (*modules, *_COMMON):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        value = getattr(module, name, _MISSING)
        if value is not _MISSING:
            return value
    raise AttributeError(name)


__all__ = ["find"]
