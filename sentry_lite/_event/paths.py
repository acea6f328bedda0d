"""Where a frame's code lives: its filename, absolute path, module, and ``in_app``.

All of it depends only on the code object and the ``in_app`` options, so it is worked out
once per code object and remembered (a bounded cache per set of ``in_app`` options).

``in_app``, first rule that applies:

1. the module is listed in ``in_app_include`` (or is a submodule of one listed): True;
2. the module is listed in ``in_app_exclude``: False;
3. the file is in ``site-packages``/``dist-packages``, the standard library, or is not a
   real file (``<frozen ...>``, ``<string>``): False;
4. the file is under ``project_root`` (default: the working directory when the first
   event is built): True;
5. otherwise False.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import CodeType
    from typing import Any

    # filename, abs_path, module, in_app, the SDK's own code, may hide itself
    CodeInfo = tuple[str, str, "str | None", bool, bool, bool]

_MAX_CODES = 4096
_SDK = "sentry_lite"
_STDLIB = os.path.dirname(os.__file__) + os.sep
_EXTERNAL = (f"{os.sep}site-packages{os.sep}", f"{os.sep}dist-packages{os.sep}")


def filename_for(module: str | None, abs_path: str) -> str:
    """The path of a module's file relative to its top-level package's parent directory."""
    if not module or abs_path.startswith("<"):
        return abs_path
    if abs_path.endswith(".pyc"):
        abs_path = abs_path[:-1]
    parts = abs_path.replace("\\", "/").split("/")
    depth = module.count(".") + 1
    if depth == 1:
        return parts[-1]
    if parts[-1] == "__init__.py":
        depth += 1
    return "/".join(parts[-depth:])


def _listed(module: str | None, names: tuple[str, ...]) -> bool:
    if not module:
        return False
    return any(module == name or module.startswith(name + ".") for name in names)


class Paths:
    """The ``in_app`` rules of one set of options, and the code objects seen so far."""

    __slots__ = ("codes", "exclude", "include", "root")

    def __init__(self, include: tuple[str, ...], exclude: tuple[str, ...], root: str | None):
        self.include = include
        self.exclude = exclude
        if root is None:
            try:
                root = os.getcwd()
            except OSError:
                root = None
        self.root = os.path.abspath(root).rstrip(os.sep) + os.sep if root else None
        self.codes: dict[int, tuple[CodeType, CodeInfo]] = {}

    def in_app(self, module: str | None, abs_path: str) -> bool:
        if _listed(module, self.include):
            return True
        if _listed(module, self.exclude) or abs_path.startswith(("<", _STDLIB)):
            return False
        if any(marker in abs_path for marker in _EXTERNAL):
            return False
        return self.root is not None and abs_path.startswith(self.root)

    def info(self, code: CodeType, f_globals: dict[str, Any]) -> CodeInfo:
        """What is known of ``code`` (run with ``f_globals``)."""
        # Keyed by identity: code objects compare equal across files (co_filename is not
        # part of their equality). The entry holds the code, so its id is not reused.
        entry = self.codes.get(id(code))
        if entry is not None and entry[0] is code:
            return entry[1]
        found = self._learn(code, f_globals)
        if len(self.codes) >= _MAX_CODES:
            self.codes.clear()
        self.codes[id(code)] = (code, found)
        return found

    def _learn(self, code: CodeType, f_globals: dict[str, Any]) -> CodeInfo:
        module = f_globals.get("__name__")
        if not isinstance(module, str):
            module = None
        raw = code.co_filename or "<unknown>"
        abs_path = raw if raw.startswith("<") else os.path.abspath(raw)
        own = module is not None and (module == _SDK or module.startswith(_SDK + "."))
        return (
            filename_for(module, abs_path),
            abs_path,
            module,
            self.in_app(module, abs_path),
            own,
            "__tracebackhide__" in code.co_varnames,
        )


_by_options: dict[tuple[Any, ...], Paths] = {}


def paths_for(options: Any) -> Paths:
    """The :class:`Paths` for the ``in_app`` options of ``options``."""
    key = (
        tuple(options.in_app_include or ()),
        tuple(options.in_app_exclude or ()),
        options.project_root,
    )
    paths = _by_options.get(key)
    if paths is None:
        if len(_by_options) > 16:
            _by_options.clear()
        paths = _by_options[key] = Paths(key[0], key[1], key[2])
    return paths


__all__ = ["Paths", "filename_for", "paths_for"]
