"""Generic REST backend: any shop API that returns one order as JSON.

``GET url_template.format(number=...)`` must answer 200 with the order or
404 when there is no such order; every other answer is a BackendError.
Where each of our fields lives in the JSON is configured with dotted paths.

Config keys:

``backend``
    ``"http"``
``url_template``
    URL with a ``{number}`` placeholder (required), e.g.
    ``https://shop.example/api/orders/{number}``.
``auth_header`` / ``auth_env``
    Optional. Name of the header that carries the credential and the NAME
    of the environment variable holding its full value (e.g. ``Bearer
    abc...``). The secret itself never goes into config.
``fields``
    Mapping from our Order fields to paths in the response (required).
    Required: ``email``, ``postcode``, ``status``, ``placed_at``. Optional:
    ``number``, ``expected_delivery``, ``items``, ``customer_name``,
    ``delivery_street``, ``delivery_city``, ``shipments``, ``events``.
    Paths are dot-separated keys (``customer.email``); a numeric segment
    indexes a list (``addresses.0.zip``) and a segment ending in ``[]`` maps
    the rest of the path over a list (``lines[].name``). ``shipments`` and
    ``events`` point at lists of objects.
``shipment_fields``
    Paths inside each shipment object for ``carrier``, ``tracking_number``,
    ``tracking_url``, ``items`` and ``status``; unset keys use the same
    name as the field.
``event_fields``
    Paths inside each event object for ``at``, ``description`` and
    ``location``; unset keys use the same name as the field.
``status_map``
    Shop status value -> one of our statuses (``received``, ``packing``,
    ``shipped``, ``out_for_delivery``, ``delivered``, ``delayed``,
    ``cancelled``, ``returned``, ``return_in_progress``, ``refunded``).
    Values that already are one of ours need no entry; any other value is
    treated as unreadable data (BackendError) rather than guessed.
``timeout``
    Total time budget per lookup in seconds (default 2.0).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self
from urllib.parse import quote

from orders.backends._http import get_json, objects, parse_date, parse_datetime, text
from orders.backends.base import (
    DEFAULT_TIMEOUT,
    BackendError,
    OrderBackend,
    require,
    secret_from_env,
    timeout_from,
)
from orders.model import Order, OrderStatus, Shipment, TrackingEvent

REQUIRED_FIELDS = ("email", "postcode", "status", "placed_at")
OPTIONAL_FIELDS = (
    "number",
    "expected_delivery",
    "items",
    "customer_name",
    "delivery_street",
    "delivery_city",
    "shipments",
    "events",
)
SHIPMENT_FIELDS = ("carrier", "tracking_number", "tracking_url", "items", "status")
EVENT_FIELDS = ("at", "description", "location")


def dig(data: Any, path: str) -> Any:
    """Follow a dotted ``path`` into decoded JSON; None where a key is absent.

    Raises BackendError when the data has another shape than the path
    expects (e.g. a string where an object should be).
    """
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        seq = _step(data, head[:-2]) if head != "[]" else data
        if seq is None:
            return []
        if not isinstance(seq, list):
            raise BackendError(f"expected a list at '{head}'")
        return [dig(item, rest) if rest else item for item in seq]
    value = _step(data, head)
    if value is None or not rest:
        return value
    return dig(value, rest)


def _step(data: Any, key: str) -> Any:
    if isinstance(data, dict):
        return data.get(key)
    if isinstance(data, list) and key.isdigit():
        index = int(key)
        return data[index] if index < len(data) else None
    raise BackendError(f"response has an unexpected shape at '{key}'")


def _paths(given: Mapping[str, str] | None, key: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """Field -> path for shipments or events, each defaulting to its own name."""
    given = given or {}
    if not isinstance(given, Mapping):
        raise ValueError(f"http backend: '{key}' must be a mapping")
    unknown = set(given) - set(allowed)
    if unknown:
        raise ValueError(f"http backend: unknown keys in '{key}': {sorted(unknown)}")
    return {name: str(given.get(name, name)) for name in allowed}


def _status_map(given: Mapping[str, str] | None) -> dict[str, OrderStatus]:
    if not isinstance(given or {}, Mapping):
        raise ValueError("http backend: 'status_map' must be a mapping")
    valid = {s.value for s in OrderStatus}
    result = {}
    for shop_value, ours in (given or {}).items():
        if not isinstance(ours, str) or ours not in valid:
            raise ValueError(f"http backend: status_map maps '{shop_value}' to '{ours}', which is not one of {sorted(valid)}")
        result[str(shop_value)] = OrderStatus(ours)
    return result


class HttpBackend(OrderBackend):
    """Order lookups against a configurable JSON-over-HTTP API."""

    name = "http"

    def __init__(
        self,
        url_template: str,
        fields: Mapping[str, str],
        *,
        headers: Mapping[str, str] | None = None,
        status_map: Mapping[str, str] | None = None,
        shipment_fields: Mapping[str, str] | None = None,
        event_fields: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(timeout=timeout)
        if "{number}" not in url_template:
            raise ValueError("http backend: 'url_template' needs a {number} placeholder")
        missing = [f for f in REQUIRED_FIELDS if not fields.get(f)]
        if missing:
            raise ValueError(f"http backend: 'fields' is missing {missing}")
        unknown = set(fields) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS)
        if unknown:
            raise ValueError(f"http backend: unknown keys in 'fields': {sorted(unknown)}")
        self.url_template = url_template
        self.fields = dict(fields)
        self.headers = {"Accept": "application/json", **(headers or {})}
        # Checked here so a typo in config fails at start-up, not mid-chat.
        self.status_map = _status_map(status_map)
        self.shipment_fields = _paths(shipment_fields, "shipment_fields", SHIPMENT_FIELDS)
        self.event_fields = _paths(event_fields, "event_fields", EVENT_FIELDS)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Self:
        headers: dict[str, str] = {}
        if config.get("auth_header"):
            headers[require(config, "auth_header", cls.name)] = secret_from_env(config, "auth_env", cls.name)
        fields = config.get("fields")
        if not isinstance(fields, Mapping):
            raise ValueError("http backend needs the setting 'fields'")
        return cls(
            require(config, "url_template", cls.name),
            {str(k): str(v) for k, v in fields.items()},
            headers=headers,
            status_map=config.get("status_map"),
            shipment_fields=config.get("shipment_fields"),
            event_fields=config.get("event_fields"),
            timeout=timeout_from(config),
        )

    async def _fetch(self, number: str) -> Order | None:
        url = self.url_template.format(number=quote(number, safe=""))
        data = await get_json(url, timeout=self.timeout, headers=self.headers)
        if data is None:
            return None
        if not isinstance(data, dict):
            raise BackendError("response is not a JSON object")
        return self._to_order(number, data)

    def _status(self, value: Any) -> OrderStatus:
        raw = text(value)
        if raw in self.status_map:
            return self.status_map[raw]
        try:
            return OrderStatus(raw)
        except ValueError:
            raise BackendError("shop reported a status with no mapping") from None

    def _get(self, data: Any, field: str) -> Any:
        path = self.fields.get(field)
        return dig(data, path) if path else None

    def _to_order(self, number: str, data: dict[str, Any]) -> Order:
        reported = text(self._get(data, "number"))
        if reported and reported.lstrip("#") != number:
            # A search-style endpoint that answers with another order must
            # not hand that order to whoever asked.
            raise BackendError("shop answered with a different order")
        status = self._status(self._get(data, "status"))
        return Order(
            number=number,
            email=_required_text(self._get(data, "email"), "email"),
            postcode=_required_text(self._get(data, "postcode"), "postcode"),
            status=status,
            placed_at=parse_datetime(self._get(data, "placed_at")),
            expected_delivery=parse_date(self._get(data, "expected_delivery")),
            items=_titles(self._get(data, "items")),
            shipments=tuple(self._shipment(s, status) for s in objects(self._get(data, "shipments"))),
            events=tuple(sorted((self._event(e) for e in objects(self._get(data, "events"))), key=lambda e: e.at)),
            delivery_city=text(self._get(data, "delivery_city")),
            delivery_street=text(self._get(data, "delivery_street")),
            customer_name=text(self._get(data, "customer_name")),
        )

    def _shipment(self, data: dict[str, Any], order_status: OrderStatus) -> Shipment:
        paths = self.shipment_fields
        raw_status = dig(data, paths["status"])
        return Shipment(
            carrier=text(dig(data, paths["carrier"])),
            tracking_number=text(dig(data, paths["tracking_number"])),
            tracking_url=text(dig(data, paths["tracking_url"])),
            items=_titles(dig(data, paths["items"])),
            status=order_status if raw_status in (None, "") else self._status(raw_status),
        )

    def _event(self, data: dict[str, Any]) -> TrackingEvent:
        paths = self.event_fields
        return TrackingEvent(
            at=parse_datetime(dig(data, paths["at"])),
            description=text(dig(data, paths["description"])),
            location=text(dig(data, paths["location"])) or None,
        )


def _required_text(value: Any, field: str) -> str:
    result = text(value)
    if not result:
        raise BackendError(f"response lacks the '{field}' field")
    return result


def _titles(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise BackendError("items are not a list")
    return tuple(t for t in (text(v) for v in value) if t)
