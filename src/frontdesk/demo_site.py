"""The demo shop at /demo: a small website with the messenger embedded the way a company would
embed it (docs/messenger.md), to try the visitor's side of a chat next to the desk."""

from __future__ import annotations

import json
from html import escape
from typing import Annotated

from fastapi import FastAPI, Path, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.db.session import unit_of_work
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.headers import CSP, policy, script_hash, websocket_origin

SHOP = "Northwind Goods"
CURRENT = ' aria-current="page"'
# (slug, name, price, colour of the swatch, one line)
PRODUCTS = (
    ("mug", "Stoneware mug", "€24", "#c2410c", "Hand-thrown, holds a generous 350 ml."),
    ("blanket", "Wool blanket", "€89", "#4d7c0f", "Woven in Portugal from undyed wool."),
    ("teapot", "Cast-iron teapot", "€56", "#1e3a8a", "Keeps a pot warm through a long chat."),
    ("candle", "Beeswax candle", "€18", "#a16207", "Forty hours of slow, honeyed light."),
    ("notebook", "Linen notebook", "€15", "#6d28d9", "Lay-flat binding, 160 dotted pages."),
    ("plant", "Olive tree", "€42", "#15803d", "A small one, for a sunny windowsill."),
)

STYLE = """
*{box-sizing:border-box}body{margin:0;font:16px/1.5 Georgia,'Times New Roman',serif;
color:#1c1917;background:#fafaf9}a{color:inherit}
header{display:flex;align-items:center;gap:32px;padding:20px 40px;background:#fff;
border-bottom:1px solid #e7e5e4}.logo{font-size:22px;font-weight:700;text-decoration:none}
nav{display:flex;gap:20px;font:15px system-ui,sans-serif}nav a{text-decoration:none;color:#57534e}
nav a[aria-current=page]{color:#1c1917;font-weight:600}
main{max-width:1040px;margin:0 auto;padding:40px}
.hero h1{margin:0 0 8px;font-size:40px;line-height:1.15}.hero p{margin:0;color:#57534e;
font-size:19px}.tip{margin:0 0 32px;padding:16px 20px;border-radius:12px;background:#ecfdf5;
border:1px solid #a7f3d0;font:15px/1.5 system-ui,sans-serif;color:#065f46}
.tip code{background:#d1fae5;padding:1px 5px;border-radius:4px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:24px}
.card{display:block;padding:0 0 16px;border-radius:14px;background:#fff;text-decoration:none;
border:1px solid #e7e5e4;overflow:hidden;transition:box-shadow .15s}
.card:hover{box-shadow:0 8px 24px rgb(0 0 0/.08)}.swatch{height:150px}
.card h2{margin:14px 16px 2px;font-size:19px}.card p{margin:0 16px;color:#57534e;
font:14px system-ui,sans-serif}.price{font-weight:600;color:#1c1917!important}
.detail{display:grid;grid-template-columns:1fr 1fr;gap:40px;align-items:start}
.detail .swatch{height:340px;border-radius:16px}.detail h1{margin:0 0 8px;font-size:36px}
button.buy{margin-top:20px;padding:12px 22px;border:0;border-radius:10px;background:#1c1917;
color:#fff;font:600 15px system-ui,sans-serif;cursor:pointer}
pre{max-width:860px;margin:0 auto;text-align:left;overflow:auto;padding:16px;
border-radius:10px;background:#1c1917;color:#e7e5e4;
font-size:13px}footer{padding:40px;color:#78716c;text-align:center;
font:14px system-ui,sans-serif}
@media (max-width:640px){header{padding:16px 20px;gap:16px}main{padding:24px 20px}
.detail{grid-template-columns:1fr}.hero h1{font-size:30px}}
"""

# Client-side navigation, as a single-page shop would do it: the messenger reports each new
# page (URL and title) to the agent without a reload.
SCRIPT = """
const products = JSON.parse(document.getElementById('products').textContent);
const main = document.querySelector('main');
const home = main.innerHTML;
const shop = document.title;
function show(path) {
  const slug = path.split('/product/')[1];
  const item = products.find(p => p[0] === slug);
  if (!item) { main.innerHTML = home; document.title = shop; return; }
  const [, name, price, colour, line] = item;
  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  };
  const swatch = el('div', 'swatch');
  swatch.style.background = colour;
  const back = el('a', '', '← All products');
  back.href = '/demo';
  const text = el('div');
  text.append(back, el('h1', '', name), el('p', 'price', price), el('p', '', line),
              el('button', 'buy', 'Add to basket'));
  const wrap = el('div', 'detail');
  wrap.append(swatch, text);
  main.replaceChildren(wrap);
  document.title = name + ' — ' + shop;
}
document.addEventListener('click', event => {
  const link = event.target.closest('a[href^="/demo"]');
  if (!link || link.dataset.reload !== undefined) return;
  event.preventDefault();
  history.pushState({}, '', link.getAttribute('href'));
  show(location.pathname);
});
window.addEventListener('popstate', () => show(location.pathname));
show(location.pathname);
"""
QUEUE = "window.frontdesk = window.frontdesk || [];"


def demo_policy(public_url: str) -> str:
    """A shop's own policy: its inline scripts by hash, and inline styles, which the shop's page
    uses (the messenger needs none where constructed stylesheets exist: docs/messenger.md)."""
    return policy(
        default_src="'self'",
        script_src=f"'self' {script_hash(QUEUE)} {script_hash(SCRIPT)}",
        style_src="'self' 'unsafe-inline'",
        img_src="'self' data:",
        connect_src=f"'self' {websocket_origin(public_url)}",
        object_src="'none'",
        base_uri="'none'",
        frame_ancestors="'none'",
    )


async def first_inbox_key(sessionmaker: async_sessionmaker[AsyncSession]) -> str | None:
    # The inboxes service has no "first inbox" reader; this read-only lookup is the demo's own.
    async with unit_of_work(sessionmaker) as session:
        return await session.scalar(select(Inbox.public_key).order_by(Inbox.id).limit(1))


def _page(
    title: str, body: str, *, key: str | None, current: str, public_url: str, extra: str = ""
) -> str:
    snippet = (
        f"<script>{QUEUE}</script>\n"
        f'<script src="{escape(public_url)}/messenger.js" data-inbox="{escape(key or "")}" '
        "async></script>"
    )
    if key is None:
        tip = (
            '<div class="tip">There is no inbox yet, so there is no chat button. '
            "Run <code>frontdesk demo</code> (or <code>make run</code>) and reload.</div>"
        )
        embed = ""
    else:
        tip = (
            '<div class="tip">This is a demo shop for <strong>frontdesk</strong>. '
            "Open the chat button at the bottom right: when an agent is online in the desk "
            "you chat live, otherwise you can leave a message. Browse the products while you "
            "chat — the agent sees which page you are on.</div>"
        )
        embed = (
            f"<script>{QUEUE}</script>\n"
            f'<script src="/messenger.js" data-inbox="{escape(key)}" async></script>'
        )
    nav = "".join(
        f'<a href="{href}" data-reload{CURRENT if name == current else ""}>{escape(name)}</a>'
        for href, name in (("/demo", "Shop"), ("/demo/about", "About"))
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{STYLE}</style>
{embed}
</head><body>
<header><a class="logo" href="/demo" data-reload>{escape(SHOP)}</a><nav>{nav}</nav></header>
<main>{tip}{body}</main>
<footer><p>Embed the messenger on your own site with:</p><pre>{escape(snippet)}</pre></footer>
{extra}
</body></html>"""


def _shop_body() -> str:
    cards = "".join(
        f'<a class="card" href="/demo/product/{escape(slug)}">'
        f'<div class="swatch" style="background:{escape(colour)}"></div>'
        f'<h2>{escape(name)}</h2><p class="price">{escape(price)}</p><p>{escape(line)}</p></a>'
        for slug, name, price, colour, line in PRODUCTS
    )
    return (
        '<section class="hero"><h1>Goods for slow mornings</h1>'
        "<p>Small-batch things for the kitchen and the reading chair.</p></section>"
        f'<div class="grid" style="margin-top:36px">{cards}</div>'
    )


ABOUT = (
    '<section class="hero"><h1>About us</h1><p>Three friends, one workshop, and a help desk '
    "that answers within minutes.</p></section>"
    '<p style="margin-top:28px;max-width:640px">We started Northwind Goods in 2019 to sell the '
    "things we wanted in our own homes. Questions about an order, a delivery or a gift? Use the "
    'chat button — a real person answers. <a href="/demo" data-reload>Back to the shop</a>.</p>'
)


def mount_demo(app: FastAPI) -> None:
    """GET /demo (the shop, with client-side product pages) and GET /demo/about."""

    async def render(request: Request, *, about: bool) -> HTMLResponse:
        key = await first_inbox_key(request.app.state.sessionmaker)
        public_url = request.app.state.settings.public_url.rstrip("/")
        if about:
            html = _page(f"About — {SHOP}", ABOUT, key=key, current="About", public_url=public_url)
        else:
            # Inside <script> nothing is entity-decoded: only "</" could end it early.
            data = json.dumps(PRODUCTS).replace("</", "<\\/")
            extra = (
                f'<script id="products" type="application/json">{data}</script>'
                f"<script>{SCRIPT}</script>"
            )
            html = _page(
                SHOP, _shop_body(), key=key, current="Shop", public_url=public_url, extra=extra
            )
        return HTMLResponse(
            html, headers={"Cache-Control": "no-store", CSP: demo_policy(public_url)}
        )

    @app.get("/demo", include_in_schema=False)
    async def demo_shop(request: Request) -> HTMLResponse:
        return await render(request, about=False)

    @app.get("/demo/about", include_in_schema=False)
    async def demo_about(request: Request) -> HTMLResponse:
        return await render(request, about=True)

    @app.get("/demo/product/{slug}", include_in_schema=False)
    async def demo_product(
        request: Request, slug: Annotated[str, Path(max_length=40)]
    ) -> HTMLResponse:
        # The same page: its script shows the product named by the path.
        del slug
        return await render(request, about=False)
