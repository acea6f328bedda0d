"""A nightly order-processing job that reports its problems to Sentry through sentry_lite.

Run it through ``./run demo`` (which starts a local Bugsink and sets SENTRY_DSN), or on its own:

    SENTRY_DSN=http://key@127.0.0.1:8000/1 .venv/bin/python demo/app.py

The code is what an application using the official SDK looks like: only the import differs.
SENTRY_DEMO_SDK=sentry_sdk runs the very same job with the official SDK, for comparison.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from dataclasses import dataclass, field

sentry_sdk = importlib.import_module(os.environ.get("SENTRY_DEMO_SDK", "sentry_lite"))
# In your application, simply:  import sentry_lite as sentry_sdk

log = logging.getLogger("shop.orders")

PRICES = {"SKU-KEYBOARD": 89.00, "SKU-MOUSE": 25.50, "SKU-MONITOR": 249.00}
STOCK = {"SKU-KEYBOARD": 12, "SKU-MOUSE": 3, "SKU-MONITOR": 1}
LOW_STOCK = 2


class OrderFailed(Exception):
    """An order could not be completed; the cause is chained."""


class PaymentDeclined(Exception):
    def __init__(self, reason: str, amount: float) -> None:
        super().__init__(f"card declined: {reason} (amount {amount:.2f} EUR)")
        self.reason = reason


@dataclass
class Order:
    order_id: str
    customer_id: str
    email: str
    card: str
    lines: dict[str, int] = field(default_factory=dict)


ORDERS = [
    Order("A-1001", "cust-17", "ada@example.com", "4242", {"SKU-KEYBOARD": 1, "SKU-MOUSE": 1}),
    Order("A-1002", "cust-23", "grace@example.com", "0002", {"SKU-MONITOR": 1}),
    Order("A-1003", "cust-42", "alan@example.com", "4242", {"SKU-KEYBOARD": 1, "SKU-WEBCAM": 2}),
    Order("A-1004", "cust-17", "ada@example.com", "4242", {"SKU-MOUSE": 2}),
]


def reserve_stock(lines: dict[str, int]) -> float:
    total = 0.0
    for sku, quantity in lines.items():
        available = STOCK[sku]  # an unknown SKU raises KeyError
        if available < quantity:
            raise OrderFailed(f"only {available} of {sku} left, {quantity} ordered")
        STOCK[sku] = available - quantity
        total += PRICES[sku] * quantity
    return total


def charge(card: str, amount: float) -> str:
    sentry_sdk.add_breadcrumb(
        category="payment", message=f"charging card ending {card}", data={"amount": amount}
    )
    if card == "0002":
        raise PaymentDeclined("insufficient_funds", amount)
    return f"ch_{card}_{int(amount * 100)}"


def process(order: Order) -> None:
    sentry_sdk.set_user({"id": order.customer_id, "email": order.email})
    sentry_sdk.set_tag("order_id", order.order_id)
    sentry_sdk.set_context("order", {"id": order.order_id, "lines": order.lines})
    sentry_sdk.add_breadcrumb(category="order", message=f"processing {order.order_id}")
    try:
        total = reserve_stock(order.lines)
    except KeyError as exc:
        raise OrderFailed(f"order {order.order_id} names an unknown product") from exc
    try:
        charge_id = charge(order.card, total)
    except PaymentDeclined as exc:
        # Handled: the customer gets an e-mail; we still want to know how often it happens.
        event_id = sentry_sdk.capture_exception(exc)
        print(f"  {order.order_id}: payment declined, customer notified (event {event_id})")
        return
    sentry_sdk.add_breadcrumb(category="payment", message=f"charged {charge_id}")
    print(f"  {order.order_id}: charged {total:.2f} EUR")


def check_stock_levels() -> None:
    for sku, count in STOCK.items():
        if count < LOW_STOCK:
            message = f"Stock low for {sku}: {count} left"
            event_id = sentry_sdk.capture_message(message, level="warning")
            print(f"  stock low for {sku} (event {event_id})")


def request_shipping_labels(order_ids: list[str]) -> None:
    # A real job would call the carrier's API here; this one is always down.
    log.error("Shipping label service answered 503 for %d orders: %s", len(order_ids), order_ids)


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="  log: %(levelname)s %(message)s", stream=sys.stdout
    )
    sentry_sdk.init(
        dsn=os.environ.get("SENTRY_DSN"),
        release="shop-orders@1.4.2",
        environment="demo",
        max_breadcrumbs=50,
    )
    sentry_sdk.set_tag("job", "nightly-orders")
    sentry_sdk.set_context("job", {"batch": "2024-06-01", "orders": len(ORDERS)})
    print(f"Processing {len(ORDERS)} orders with {sentry_sdk.__name__} {sentry_sdk.VERSION}")
    log.info("loaded %d orders from the queue", len(ORDERS))
    shipped = []
    for order in ORDERS:
        with sentry_sdk.isolation_scope():
            try:
                process(order)
                shipped.append(order.order_id)
            except OrderFailed as exc:
                event_id = sentry_sdk.capture_exception(exc)
                print(f"  {order.order_id}: failed, {exc} (event {event_id})")
    check_stock_levels()
    request_shipping_labels(shipped)
    sentry_sdk.flush(timeout=5)


if __name__ == "__main__":
    main()
