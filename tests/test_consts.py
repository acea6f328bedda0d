"""``sentry_lite.consts``: the official SDK's tables, equal to its values, loaded lazily."""

from __future__ import annotations

import inspect
import subprocess
import sys
from enum import Enum

import pytest
import sentry_sdk.consts as official

from sentry_lite import consts

TABLES = ("OP", "SPANDATA", "SPANSTATUS", "SPANNAME", "INSTRUMENTER")
ENUMS = ("SPANTEMPLATE", "EndpointType", "CompressionAlgo")


def _constants(cls: type) -> dict[str, object]:
    return {k: v for k, v in vars(cls).items() if not k.startswith("_")}


@pytest.mark.parametrize("name", TABLES)
def test_tables_hold_the_official_names_and_values(name: str) -> None:
    assert _constants(getattr(consts, name)) == _constants(getattr(official, name))


@pytest.mark.parametrize("name", ENUMS)
def test_enums_have_the_official_members(name: str) -> None:
    ours, theirs = getattr(consts, name), getattr(official, name)
    assert issubclass(ours, Enum)
    assert [(m.name, m.value) for m in ours] == [(m.name, m.value) for m in theirs]
    assert [str(m) for m in ours] == [str(m) for m in theirs]  # SPANTEMPLATE prints its value


def test_what_integrations_write_with_them() -> None:
    assert consts.OP.HTTP_CLIENT == "http.client" and consts.SPANDATA.DB_SYSTEM == "db.system"
    assert consts.SPANSTATUS.INTERNAL_ERROR == "internal_error"
    assert consts.SPANTEMPLATE("ai_agent") is consts.SPANTEMPLATE.AI_AGENT
    assert consts.MATCH_ALL == official.MATCH_ALL and consts.FALSE_VALUES == official.FALSE_VALUES
    assert consts.DEFAULT_ADD_FULL_STACK is official.DEFAULT_ADD_FULL_STACK


def test_default_options_and_client_constructor_list_every_official_option() -> None:
    assert set(consts.DEFAULT_OPTIONS) == set(official.DEFAULT_OPTIONS)
    from sentry_lite._constructor import default_options

    default_options()["integrations"].append("changed")  # each call copies the lists
    assert default_options()["integrations"] == []
    ours = inspect.signature(consts.ClientConstructor).parameters
    theirs = inspect.signature(official.ClientConstructor).parameters
    assert next(iter(ours)) == "dsn" and set(ours) == set(theirs)


def test_the_tables_load_on_first_use_only() -> None:
    script = (
        "import sys, sentry_lite, sentry_lite.consts as c\n"
        "before = '_conventions' in str(sorted(sys.modules))\n"
        "c.OP.DB\n"
        "print(before, 'sentry_lite._conventions' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NOPE"):
        _ = consts.NOPE
