import pytest

from orders.backends import make_backend
from orders.backends.http import HttpBackend
from orders.backends.shopify import ShopifyBackend
from orders.backends.sqlite import SQLiteBackend
from orders.backends.woocommerce import WooCommerceBackend


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_TOKEN", "secret-token")
    monkeypatch.setenv("WC_KEY", "ck_x")
    monkeypatch.setenv("WC_SECRET", "cs_x")
    monkeypatch.delenv("UNSET_VARIABLE", raising=False)


HTTP_FIELDS = {"email": "e", "postcode": "p", "status": "s", "placed_at": "t"}


@pytest.mark.parametrize(
    ("config", "cls"),
    [
        ({"backend": "sqlite", "path": "shop.db"}, SQLiteBackend),
        (
            {"backend": "http", "url_template": "https://x.example/o/{number}", "fields": HTTP_FIELDS},
            HttpBackend,
        ),
        (
            {"backend": "shopify", "shop_url": "https://x.myshopify.com", "token_env": "SHOP_TOKEN"},
            ShopifyBackend,
        ),
        (
            {
                "backend": "woocommerce",
                "site_url": "https://x.example",
                "key_env": "WC_KEY",
                "secret_env": "WC_SECRET",
            },
            WooCommerceBackend,
        ),
    ],
)
def test_backend_is_chosen_by_name(config: dict, cls: type) -> None:
    backend = make_backend(config)
    assert isinstance(backend, cls)
    assert backend.timeout == 2.0


def test_timeout_comes_from_config() -> None:
    assert make_backend({"backend": "sqlite", "path": "x.db", "timeout": 0.5}).timeout == 0.5


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"backend": "magento"}, "unknown order backend"),
        ({}, "unknown order backend"),
        ({"backend": ["sqlite"]}, "unknown order backend"),
        ({"backend": "sqlite"}, "path"),
        ({"backend": "sqlite", "path": "x.db", "timeout": 0}, "timeout"),
        ({"backend": "sqlite", "path": "x.db", "timeout": "fast"}, "timeout"),
        ({"backend": "shopify", "token_env": "SHOP_TOKEN"}, "shop_url"),
        ({"backend": "shopify", "shop_url": "https://x"}, "token_env"),
        ({"backend": "shopify", "shop_url": "https://x", "token_env": "UNSET_VARIABLE"}, "UNSET_VARIABLE"),
        ({"backend": "woocommerce", "site_url": "https://x", "key_env": "WC_KEY"}, "secret_env"),
        ({"backend": "http", "fields": HTTP_FIELDS}, "url_template"),
        ({"backend": "http", "url_template": "https://x/o", "fields": HTTP_FIELDS}, "{number}"),
        ({"backend": "http", "url_template": "https://x/{number}"}, "fields"),
        ({"backend": "http", "url_template": "https://x/{number}", "fields": {"email": "e"}}, "missing"),
        (
            {"backend": "http", "url_template": "https://x/{number}", "fields": {**HTTP_FIELDS, "emial": "e"}},
            "emial",
        ),
        (
            {
                "backend": "http",
                "url_template": "https://x/{number}",
                "fields": HTTP_FIELDS,
                "status_map": {"sent": "shipped_out"},
            },
            "shipped_out",
        ),
        (
            {
                "backend": "http",
                "url_template": "https://x/{number}",
                "fields": HTTP_FIELDS,
                "auth_header": "Authorization",
            },
            "auth_env",
        ),
        (
            {
                "backend": "woocommerce",
                "site_url": "https://x",
                "key_env": "WC_KEY",
                "secret_env": "WC_SECRET",
                "status_map": {"awaiting-shipment": "soon"},
            },
            "soon",
        ),
    ],
)
def test_bad_config_is_a_clear_value_error(config: dict, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint.replace("{", r"\{").replace("}", r"\}")):
        make_backend(config)


def test_secret_value_is_not_in_error_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError) as error:
        make_backend({"backend": "shopify", "shop_url": "https://x", "token_env": "UNSET_VARIABLE"})
    assert "secret-token" not in str(error.value)
