"""uWSGI: warn once, at ``init()``, when its flags keep the background sender from working.

Events leave through one background thread. Two uWSGI settings get in its way:

- without ``--enable-threads`` (or ``--threads N``) older uWSGI releases leave
  Python threads off, and the sender does not run (uWSGI 2.0.31 and ``pyuwsgi``
  2.0.30 on CPython 3.11 were seen to run threads anyway);
- in preforking mode (the default: the app is loaded in the master, then the
  master forks the workers), uWSGI forks in C and skips Python's fork hooks
  unless ``--py-call-uwsgi-fork-hooks`` is given. The SDK copes: a worker finds
  its pid is not the one its sender started in at its first capture or flush,
  and restarts it (``transport._process.adopt_fork``). Other libraries' fork hooks
  (``random`` reseeds itself in one) still do not run, and without threads the
  sender may not run at all: hence the warning, as the official SDK gives it.

Nothing here imports ``uwsgi``: the check runs only when the embedded module is
already in ``sys.modules`` (it always is inside a uWSGI process).
"""

from __future__ import annotations

import sys
import warnings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

_FALSE = frozenset({"", "0", "false", "no", "off", "n", "f"})
_warned = False


def _enabled(opt: Mapping[str, object], name: str) -> bool:
    value = opt.get(name, False)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, list):  # a flag given twice
        value = value[-1] if value else False
        return _enabled({name: value}, name)
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE
    return bool(value)


def problem(opt: Mapping[str, object]) -> str | None:
    """What is wrong with uWSGI options ``opt`` (``uwsgi.opt``) for the sender, or None."""
    threads = "threads" in opt or _enabled(opt, "enable-threads")
    lazy = _enabled(opt, "lazy-apps") or _enabled(opt, "lazy")
    fork_hooks = _enabled(opt, "py-call-uwsgi-fork-hooks")
    if lazy:
        if threads:
            return None
        return (
            "uWSGI was started without --enable-threads: depending on its version, Python "
            "threads may not run, and events then are delayed or lost. Run uWSGI with "
            "--enable-threads."
        )
    if threads and fork_hooks:
        return None
    return (
        "uWSGI forks its workers without Python's fork hooks or without threads: sentry_lite "
        "restarts its sender in each worker, but other libraries' fork hooks do not run, and "
        "without threads the sender may not run either. Run uWSGI with --enable-threads "
        "--py-call-uwsgi-fork-hooks (or with --lazy-apps --enable-threads)."
    )


def warn_if_uwsgi_cannot_send() -> bool:
    """Warn (once per process) when running under uWSGI with flags that hinder delivery.

    Returns True when a problem was found (warned now or before).
    """
    global _warned
    module = sys.modules.get("uwsgi")
    opt = getattr(module, "opt", None) if module is not None else None
    if not isinstance(opt, dict):
        return False
    found = problem(opt)
    if found is None:
        return False
    if not _warned:
        _warned = True
        warnings.warn(f"sentry_lite: {found}", RuntimeWarning, stacklevel=4)
    return True
