"""functions_to_trace: named functions, methods, static and class methods get a span per call."""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import sentry_lite

SHOP = '''
def checkout(total):
    return total * 2

async def refund(total):
    return -total

class Cart:
    def add(self, item):
        return [item]

    @staticmethod
    def tax(amount):
        return amount / 10

    @classmethod
    def empty(cls):
        return cls()

not_a_function = 3
'''


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    package = tmp_path / "shop_for_tracing"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "orders.py").write_text(SHOP)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("shop_for_tracing.orders")
    for name in [n for n in sys.modules if n.startswith("shop_for_tracing")]:
        del sys.modules[name]


def _names(transaction: dict[str, Any]) -> list[str]:
    return [span["description"] for span in transaction["spans"]]


def test_named_functions_and_methods_get_a_span_per_call(
    shop: Any, sentry_init: Any, sentry_transactions: list[Any],
) -> None:
    sentry_init(traces_sample_rate=1.0, functions_to_trace=[
        {"qualified_name": f"shop_for_tracing.orders.{name}"}
        for name in ("checkout", "refund", "Cart.add", "Cart.tax", "Cart.empty")])
    with sentry_lite.start_transaction(name="order"):
        assert shop.checkout(2) == 4
        assert asyncio.run(shop.refund(3)) == -3
        cart = shop.Cart.empty()
        assert isinstance(cart, shop.Cart)  # a class method stays one
        assert cart.add("book") == ["book"]
        assert shop.Cart.tax(10) == 1.0 and cart.tax(20) == 2.0  # a static method too
    prefix = "shop_for_tracing.orders."
    assert _names(sentry_transactions[0]) == [prefix + n for n in (
        "checkout", "refund", "Cart.empty", "Cart.add", "Cart.tax", "Cart.tax")]
    assert {span["op"] for span in sentry_transactions[0]["spans"]} == {"function"}


def test_outside_a_transaction_the_functions_just_run(shop: Any, sentry_init: Any) -> None:
    sentry_init(functions_to_trace=[{"qualified_name": "shop_for_tracing.orders.checkout"}])
    assert shop.checkout(5) == 10


def test_a_second_init_does_not_trace_twice(
    shop: Any, sentry_init: Any, sentry_transactions: list[Any],
) -> None:
    names = [{"qualified_name": "shop_for_tracing.orders.checkout"},
             {"qualified_name": "shop_for_tracing.orders.Cart.tax"}]
    sentry_init(traces_sample_rate=1.0, functions_to_trace=names)
    sentry_init(traces_sample_rate=1.0, functions_to_trace=names)
    with sentry_lite.start_transaction(name="order"):
        shop.checkout(1)
        shop.Cart.tax(1)
    assert len(sentry_transactions[0]["spans"]) == 2


def test_names_that_cannot_be_traced_are_skipped_and_logged(
    shop: Any, sentry_init: Any, sentry_transactions: list[Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    sentry_init(debug=True, traces_sample_rate=1.0, functions_to_trace=[
        {"qualified_name": "checkout"},  # no module
        {"qualified_name": "no_such_module_anywhere.run"},
        {"qualified_name": "shop_for_tracing.orders.missing"},
        {"qualified_name": "shop_for_tracing.orders.Cart.missing"},
        {"qualified_name": "shop_for_tracing.orders.not_a_function"},
        "shop_for_tracing.orders.checkout",  # not the dict form
        {"qualified_name": "shop_for_tracing.orders.checkout"},  # this one works
    ])
    with sentry_lite.start_transaction(name="order"):
        shop.checkout(1)
    assert _names(sentry_transactions[0]) == ["shop_for_tracing.orders.checkout"]
    err = capsys.readouterr().err
    for skipped in ("'checkout'", "no_such_module_anywhere.run", "orders.missing",
                    "Cart.missing", "not_a_function", "'shop_for_tracing.orders.checkout' is not"):
        assert skipped in err
