"""Every usage example of the project's seed document runs verbatim against sentry_lite.

The examples are read out of ``shared/seeds/*.txt`` (nothing is retyped here). Each one is
run with ``import sentry_sdk`` resolving to sentry_lite, then one message is captured and
what the example set (read from the example's own calls) must appear in that event.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import sentry_lite

# The project's seed documents live in ../shared/seeds beside the checkout; a copy is kept
# in tests/data/seeds so the test also runs where shared/ is absent (a CI machine).
HERE = Path(__file__).resolve().parent
SHARED_SEEDS = HERE.parents[1] / "shared" / "seeds"
COPIED_SEEDS = HERE / "data" / "seeds"
SEED_DIR = SHARED_SEEDS if SHARED_SEEDS.is_dir() else COPIED_SEEDS

# A code line with prose glued to its end: "})Set indexed metadata ...".
_GLUED = re.compile(r"^(.*[)\]}])([A-Z][a-z]+[ ,].*)$")
_STARTS = ('"""Usage Examples:', "# Global scope:")


def extract_examples(text: str) -> list[str]:
    """The code blocks of the seed document, in order."""
    lines = text.splitlines()
    blocks: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith(_STARTS):
            index += 1
            continue
        block: list[str] = []
        if line.startswith("# "):
            block.append(line)
        index += 1
        while index < len(lines):
            glued = _GLUED.match(lines[index])
            if glued:
                block.append(glued.group(1))
                break
            block.append(lines[index])
            index += 1
        blocks.append("\n".join(block) + "\n")
        index += 1
    return blocks


def _seed_texts() -> list[Path]:
    return sorted(SEED_DIR.glob("*.txt"))


def _examples() -> list[tuple[str, str]]:
    found = []
    for path in _seed_texts():
        for number, code in enumerate(extract_examples(path.read_text())):
            found.append((f"{path.stem}-{number}", code))
    return found


def _literal(node: ast.expr) -> Any:
    return ast.literal_eval(node)


class Expected:
    """What a block's calls set, read from its AST (independent of sentry_lite)."""

    def __init__(self) -> None:
        self.user: Any = "unset"
        self.tags: dict[str, Any] = {}
        self.extra: dict[str, Any] = {}
        self.contexts: dict[str, Any] = {}
        self.breadcrumbs: list[dict[str, Any]] = []

    def visit(self, code: str) -> Expected:
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                self._call(node.func.attr, node)
        return self

    def _call(self, name: str, call: ast.Call) -> None:
        args = [_literal(a) for a in call.args]
        kwargs = {k.arg: _literal(k.value) for k in call.keywords if k.arg}
        if name == "set_user":
            self.user = args[0]
        elif name == "set_tag":
            self.tags[args[0]] = args[1]
        elif name == "set_tags":
            self.tags.update(args[0])
        elif name == "set_extra":
            self.extra[args[0]] = args[1]
        elif name == "set_context":
            self.contexts[args[0]] = args[1]
        elif name == "add_breadcrumb":
            crumb = dict(args[0]) if args else {}
            crumb.update(kwargs)
            self.breadcrumbs.append(crumb)


def test_the_copy_in_the_repository_matches_the_shared_seeds() -> None:
    if not SHARED_SEEDS.is_dir():
        pytest.skip("no ../shared/seeds beside this checkout; the copy is used")
    shared = {p.name: p.read_bytes() for p in SHARED_SEEDS.glob("*.txt")}
    copied = {p.name: p.read_bytes() for p in COPIED_SEEDS.glob("*.txt")}
    assert copied == shared, "update tests/data/seeds from ../shared/seeds"


def test_the_seed_document_is_found_and_has_all_its_examples() -> None:
    assert _seed_texts(), f"no seed document under {SEED_DIR}"
    examples = _examples()
    # set_user, set_tag(s), set_extra, set_context, add_breadcrumb, and the scopes example.
    assert len(examples) == 6
    for name, code in examples:
        compile(code, name, "exec")  # each block is whole Python, prose cut off
    assert "get_global_scope" in examples[-1][1]


@pytest.mark.parametrize(("name", "code"), _examples(), ids=[n for n, _ in _examples()])
def test_seed_example_runs_verbatim_and_reaches_the_event(
    name: str, code: str, sentry_init: Any, sentry_events: list[Any], monkeypatch: Any
) -> None:
    monkeypatch.setitem(sys.modules, "sentry_sdk", sentry_lite)
    sentry_init(send_default_pii=True)
    namespace: dict[str, Any] = {"sentry_sdk": sentry_lite}
    exec(compile(code, name, "exec"), namespace)
    sentry_lite.capture_message("after the example")

    expected = Expected().visit(code)
    assert len(sentry_events) == 1
    event = sentry_events[0]
    if expected.user != "unset":
        if expected.user is None:
            assert "user" not in event
        else:
            assert event["user"] == expected.user
    for key, value in expected.tags.items():
        assert str(event["tags"][key]) == str(value)
    for key, value in expected.extra.items():
        assert event["extra"][key] == value
    for key, value in expected.contexts.items():
        assert event["contexts"][key] == value
    crumbs = event.get("breadcrumbs", {}).get("values", [])
    assert len(crumbs) == len(expected.breadcrumbs)
    for got, want in zip(crumbs, expected.breadcrumbs, strict=True):
        for key, value in want.items():
            if key in ("message", "category", "level", "data", "type"):
                if key == "data":
                    assert {k: got["data"][k] for k in value} == value
                else:
                    assert got[key] == value
            else:
                # Keys the protocol does not know travel in "data" (Relay rejects them
                # at the top level of a breadcrumb).
                assert got["data"][key] == value
