"""Every class of the package stays under 300 lines (issue 18: a class that grows past that
has more than one job; split it along a seam, as ``Client`` / ``EventPipeline`` or ``Scope`` and
its parts were)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "sentry_lite"
LIMIT = 300


def class_lengths(source: str) -> dict[str, int]:
    lengths = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef):
            lengths[node.name] = (node.end_lineno or node.lineno) - node.lineno + 1
    return lengths


def test_every_class_is_under_300_lines() -> None:
    too_long = [
        f"{path.relative_to(PACKAGE.parent)}: {name} is {length} lines"
        for path in sorted(PACKAGE.rglob("*.py"))
        for name, length in class_lengths(path.read_text(encoding="utf-8")).items()
        if length >= LIMIT
    ]
    assert not too_long, "\n".join(too_long)


def test_the_measure_counts_a_class_from_its_line_to_its_last() -> None:
    source = "class A:\n" + "    x = 1\n" * (LIMIT - 1) + "\n\nclass B:\n    pass\n"
    assert class_lengths(source) == {"A": LIMIT, "B": 2}
