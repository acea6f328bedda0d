"""``_reexport.find``: a re-exported name comes from the module named for it, else from the
modules where the official SDK keeps most such names. ``_reexport.lookup``: a name an official
module holds for its own use comes from the home ``ELSEWHERE`` gives it, once."""

from __future__ import annotations

import pytest

from sentry_lite import _reexport, consts, serializer


def test_the_named_module_first_then_the_common_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _reexport.find("get_client", "sentry_lite.scope").__module__ == "sentry_lite.scope"
    assert _reexport.find("VERSION", "sentry_lite.no_such_module") == consts.VERSION
    monkeypatch.setattr(_reexport, "_COMMON", ())
    with pytest.raises(AttributeError):
        _reexport.find("VERSION", "sentry_lite.no_such_module")


def test_a_name_nowhere_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _reexport.find("surely_not_a_name", "sentry_lite.scope")


def test_lookup_takes_the_name_from_its_home_and_caches_it() -> None:
    namespace: dict[str, object] = {}
    assert _reexport.lookup("sentry_lite.client", "serialize", namespace) is serializer.serialize
    assert namespace == {"serialize": serializer.serialize}
    with pytest.raises(AttributeError, match="no attribute 'get_client'"):
        _reexport.lookup("sentry_lite.client", "get_client", namespace)
