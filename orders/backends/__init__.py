"""Order backends, one module per shop system, chosen by config.

``make_backend({"backend": "shopify", ...})`` builds the configured one;
each module's docstring lists its config keys and ``orders/README.md``
shows a YAML block for each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orders.backends.base import BackendError, OrderBackend
from orders.backends.http import HttpBackend
from orders.backends.shopify import ShopifyBackend
from orders.backends.sqlite import SQLiteBackend
from orders.backends.woocommerce import WooCommerceBackend

BACKENDS: dict[str, type[OrderBackend]] = {
    cls.name: cls for cls in (SQLiteBackend, HttpBackend, ShopifyBackend, WooCommerceBackend)
}


def make_backend(config: Mapping[str, Any]) -> OrderBackend:
    """Build the backend named by ``config["backend"]`` from the same block.

    Raises ValueError for an unknown backend name or missing settings, so a
    broken config stops the action server at start-up.
    """
    name = config.get("backend")
    if not isinstance(name, str) or name not in BACKENDS:
        raise ValueError(f"unknown order backend {name!r}; choose one of {sorted(BACKENDS)}")
    return BACKENDS[name].from_config(config)


__all__ = ["BACKENDS", "BackendError", "OrderBackend", "make_backend"]
