"""The demo shop's web server: its pages at /, the widget's files at /widget/.

    python -m shop_demo --port 8080 --rasa-url http://localhost:5005

Each page (pages/*.html: its <main> and title) is rendered once at start into templates/layout.html,
the header, footer and the one <script> tag a shop would paste to embed the widget; the server
fills in that tag's src (--widget-url) and data-rasa-url. The widget's files are served with CORS
allowed, because a real shop loads them from another origin and the widget is made of ES
modules, which browsers fetch with CORS. Pages carry a strict Content-Security-Policy (no inline
scripts or styles), as a careful shop's would, so the demo shows what such a shop must allow.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from aiohttp import web
from jinja2 import Environment, FileSystemLoader

HERE = Path(__file__).resolve().parent
WIDGET_DIR = HERE.parent / "widget"
PAGES_DIR = HERE / "pages"
TEMPLATES_DIR = HERE / "templates"
NO_CACHE = {"Cache-Control": "no-cache"}  # always revalidate, so an edited page or widget shows on reload

log = logging.getLogger("shop_demo")


# What every page around its <main> says, in the page's language (templates/layout.html).
SITE = {
    "en": {
        "topbar": "Free delivery in Poland on orders over 299 zł · 30-day returns",
        "home": "/",
        "nav_label": "Main",
        "nav": [("/", "Home"), ("/lighting.html", "Lighting"), ("/oak-arc-floor-lamp.html", "Oak Arc lamp"),
                ("/help.html", "Help & delivery")],
        "basket": "Basket (0)",
        "help": "Help centre",
    },
    "pl": {
        "topbar": "Darmowa dostawa w Polsce od 299 zł · 30 dni na zwrot",
        "home": "/pl.html",
        "nav_label": "Menu",
        "nav": [("/pl.html", "Strona główna"), ("/lighting.html", "Oświetlenie"), ("/help.html", "Pomoc i dostawa")],
        "basket": "Koszyk (0)",
        "help": "Pomoc",
    },
}


# The catalogue the pages list (the first few on the home pages).
PRODUCTS = [
    {"href": "/oak-arc-floor-lamp.html", "image": "lamp.svg", "name": "Oak Arc floor lamp", "price": "1 249 zł"},
    {"href": "#", "image": "chair.svg", "name": "Fern lounge chair", "price": "2 190 zł"},
    {"href": "#", "image": "vase.svg", "name": "Terracotta bud vase", "price": "149 zł"},
    {"href": "#", "image": "table.svg", "name": "Linden dining table", "price": "3 480 zł"},
    {"href": "#", "image": "throw.svg", "name": "Heather wool throw", "price": "329 zł"},
    {"href": "#", "image": "mirror.svg", "name": "Brass oval mirror", "price": "599 zł"},
]


def render_pages(rasa_url: str, widget_url: str) -> dict[str, str]:
    """Every page in pages/, by path, inside the shared layout with the widget's snippet filled in."""
    templates = Environment(loader=FileSystemLoader([PAGES_DIR, TEMPLATES_DIR]), autoescape=True, keep_trailing_newline=True)
    pages = {}
    for page in sorted(PAGES_DIR.glob("*.html")):
        text = templates.get_template(page.name).render(
            rasa_url=rasa_url, widget_url=widget_url, sites=SITE, products=PRODUCTS
        )
        pages["/" if page.stem == "index" else f"/{page.name}"] = text
    return pages


def content_security_policy(rasa_url: str, widget_url: str) -> str:
    """What a shop's policy must allow for the widget: its script's origin, and Rasa over HTTP and WebSocket."""
    rasa = urlsplit(rasa_url)
    socket_scheme = "wss" if rasa.scheme == "https" else "ws"
    widget = urlsplit(urljoin("http://self/", widget_url))
    widget_origin = "" if widget.netloc == "self" else f" {widget.scheme}://{widget.netloc}"
    return (
        f"default-src 'self'; script-src 'self'{widget_origin}; style-src 'self'; img-src 'self' {rasa.scheme}://{rasa.netloc}; "
        f"connect-src 'self' {rasa.scheme}://{rasa.netloc} {socket_scheme}://{rasa.netloc}; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


def make_app(rasa_url: str, widget_url: str = "/widget/widget.js") -> web.Application:
    pages = render_pages(rasa_url, widget_url)
    page_headers = {**NO_CACHE, "Content-Security-Policy": content_security_policy(rasa_url, widget_url)}

    async def page(request: web.Request) -> web.Response:
        text = pages.get(request.path)
        if text is None:
            raise web.HTTPNotFound(text="No such page in the demo shop.")
        return web.Response(text=text, content_type="text/html", headers=page_headers)

    async def widget_headers(request: web.Request, response: web.StreamResponse) -> None:
        if request.path.startswith("/widget/"):
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers.update(NO_CACHE)

    app = web.Application()
    app.on_response_prepare.append(widget_headers)
    app.router.add_static("/widget/", WIDGET_DIR)
    app.router.add_static("/static/", HERE / "static")
    app.router.add_get("/", page)
    app.router.add_get("/{name}.html", page)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shop_demo", description="Serve the demo shop and the chat widget.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rasa-url", required=True, help="Rasa server the widget talks to, as the browser reaches it")
    parser.add_argument(
        "--widget-url", default="/widget/widget.js", help="where pages load widget.js from (default: this server, %(default)s)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    shown_host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0") else args.host
    web.run_app(
        make_app(args.rasa_url, args.widget_url),
        host=args.host,
        port=args.port,
        print=lambda _: print(f"Demo shop with the chat widget: http://{shown_host}:{args.port}/", flush=True),
        access_log=None,
    )
    return 0
