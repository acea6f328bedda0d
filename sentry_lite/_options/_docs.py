"""The option reference in the docs, written from the option table.

``python -m sentry_lite._options`` rewrites the generated parts of ``docs/configuration.md``
(the reference tables, the list of options accepted without effect) and of
``docs/migration.md`` (the same list), between their marker comments;
``python -m sentry_lite._options --check`` only says whether they are out of step
(``tests/test_options.py`` runs the check). Not imported by the SDK at run time.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sentry_lite._options._table import BOTH, EXPERIMENT, TABLE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sentry_lite._options._table import Opt

DOCS = Path(__file__).resolve().parents[2] / "docs"
COMMAND = "python -m sentry_lite._options"


def _spelling(row: Opt) -> str:
    key = f'`_experiments["{row.name}"]`'
    if row.spelled == EXPERIMENT:
        return key
    if row.spelled == BOTH:
        return f"`{row.name}` (or {key})"
    return f"`{row.name}`"


def _default(row: Opt) -> str:
    if row.shown is not None:
        return row.shown
    value: Any = row.default
    if value is None or (not value and isinstance(value, (list, dict, frozenset))):
        return "none" if value is None else "empty"
    return f"`{value!r}`".replace("'", '"')


def _environment(row: Opt) -> str:
    return ", else ".join(f"`{name}`" for name in row.env)


def reference() -> str:
    """The tables of the options that act, one per section, in the table's order."""
    lines: list[str] = []
    section = None
    for row in TABLE:
        if not row.effective:
            continue
        if row.section != section:
            section = row.section
            lines += ["", f"## {section}", "",
                      "| option | type | default | environment | meaning |",
                      "|---|---|---|---|---|"]
        lines.append(f"| {_spelling(row)} | {row.kind} | {_default(row)} | "
                     f"{_environment(row)} | {row.doc} |")
    return "\n".join(lines[1:])


def inert() -> str:
    """The options accepted without effect: the keywords, then the ``_experiments`` keys."""
    keywords = [f"`{r.name}`" for r in TABLE if not r.effective and r.spelled != EXPERIMENT]
    keys = [f"`{r.name}`" for r in TABLE if not r.effective and r.spelled != "init"]
    return (f"- keywords of `init()`: {', '.join(keywords)};\n"
            f"- keys of `_experiments`: {', '.join(keys)}, and any key not named in "
            "docs/configuration.md.")


def _marked(name: str, body: str) -> str:
    return (f"<!-- {name}: begin (written by `{COMMAND}` from sentry_lite/_options/_table.py; "
            f"do not edit by hand) -->\n{body}\n<!-- {name}: end -->")


# file -> the marked parts it holds
PARTS: dict[str, tuple[tuple[str, Any], ...]] = {
    "configuration.md": (("options-reference", reference), ("options-inert", inert)),
    "migration.md": (("options-inert", inert),),
}


def rewrite(text: str, name: str, body: str) -> str:
    """``text`` with the part between the markers of ``name`` replaced by ``body``."""
    begin, end = f"<!-- {name}: begin", f"<!-- {name}: end -->"
    start = text.find(begin)
    stop = text.find(end, start)
    if start < 0 or stop < 0:
        raise ValueError(f"the markers of {name!r} are missing")
    return text[:start] + _marked(name, body) + text[stop + len(end):]


def stale(docs: Path = DOCS, write: bool = False) -> list[str]:
    """The doc files whose generated parts differ from the table (rewritten if ``write``)."""
    found = []
    for filename, parts in PARTS.items():
        path = docs / filename
        text = path.read_text(encoding="utf-8")
        fresh = text
        for name, render in parts:
            fresh = rewrite(fresh, name, render())
        if fresh != text:
            found.append(filename)
            if write:
                path.write_text(fresh, encoding="utf-8")
    return found


def main(argv: list[str]) -> int:
    check = "--check" in argv
    changed = stale(write=not check)
    for filename in changed:
        print(f"docs/{filename}: {'out of step with the option table' if check else 'rewritten'}")
    if check and changed:
        print(f"run `{COMMAND}` to rewrite them")
    return 1 if check and changed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
