"""Sidebar apps: admins configure them; the desk asks each enabled one for HTML about a customer.

`render_panels` does HTTP only and never touches the database: callers read what they need, end
their transaction, then call it, so a slow app never holds a connection or a lock.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

import httpx
import nh3
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.apps.models import SidebarApp
from frontdesk.apps.schemas import AppPanel
from frontdesk.errors import Invalid, NotFound
from frontdesk.kit.ids import new_token

logger = logging.getLogger(__name__)

APP_TIMEOUT = 2.0  # seconds, for the whole exchange with one app
MAX_BODY = 100 * 1024  # bytes of HTML an app may answer
SIGNATURE_HEADER = "Frontdesk-Signature"

ALLOWED_TAGS = frozenset(
    {"a", "strong", "em", "b", "i", "ul", "ol", "li", "p", "hr", "br"}
    | {"table", "thead", "tbody", "tr", "th", "td", "code"}
)
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})


class _Unavailable(Exception):
    pass


def _ensure_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("url", "Use an http:// or https:// URL.")
    return url


async def list_apps(session: AsyncSession, *, enabled_only: bool = False) -> Sequence[SidebarApp]:
    query = select(SidebarApp).order_by(SidebarApp.position, SidebarApp.id)
    if enabled_only:
        query = query.where(SidebarApp.enabled.is_(True))
    return (await session.scalars(query)).all()


async def get_app(session: AsyncSession, *, app_id: int) -> SidebarApp:
    app = await session.get(SidebarApp, app_id)
    if app is None:
        raise NotFound("No such sidebar app.")
    return app


async def create_app(
    session: AsyncSession,
    *,
    name: str,
    url: str,
    secret: str | None = None,
    enabled: bool = True,
    position: int = 0,
) -> SidebarApp:
    app = SidebarApp(
        name=name.strip(),
        url=_ensure_url(url),
        secret=secret or new_token("fdapp_"),
        enabled=enabled,
        position=position,
    )
    session.add(app)
    await session.flush()
    return app


async def update_app(
    session: AsyncSession,
    *,
    app: SidebarApp,
    name: str | None = None,
    url: str | None = None,
    secret: str | None = None,
    enabled: bool | None = None,
    position: int | None = None,
) -> SidebarApp:
    if name is not None:
        app.name = name.strip()
    if url is not None:
        app.url = _ensure_url(url)
    if secret is not None:
        app.secret = secret
    if enabled is not None:
        app.enabled = enabled
    if position is not None:
        app.position = position
    await session.flush()
    return app


async def delete_app(session: AsyncSession, *, app: SidebarApp) -> None:
    await session.delete(app)


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )


async def _ask(client: httpx.AsyncClient, app: SidebarApp, body: bytes) -> str:
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(app.secret, body),
    }
    async with client.stream("POST", app.url, content=body, headers=headers) as response:
        if not 200 <= response.status_code < 300:
            raise _Unavailable(f"status {response.status_code}")
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            raise _Unavailable("body too large")
        chunks = bytearray()
        async for chunk in response.aiter_bytes():
            chunks += chunk
            if len(chunks) > MAX_BODY:
                raise _Unavailable("body too large")
        return bytes(chunks).decode(response.encoding or "utf-8", errors="replace")


async def _panel(client: httpx.AsyncClient, app: SidebarApp, body: bytes) -> AppPanel:
    try:
        async with asyncio.timeout(APP_TIMEOUT):
            html = await _ask(client, app, body)
    except (TimeoutError, httpx.HTTPError, _Unavailable) as exc:
        logger.info("sidebar app %s (%s) unavailable: %r", app.id, app.url, exc)
        return AppPanel(app_id=app.id, name=app.name, status="unavailable", html=None)
    return AppPanel(app_id=app.id, name=app.name, status="ok", html=sanitize(html))


async def render_panels(*, apps: Sequence[SidebarApp], body: bytes) -> list[AppPanel]:
    """POSTs `body` (the customer's JSON) to every app at once; a failing app is "unavailable"."""
    if not apps:
        return []
    timeout = httpx.Timeout(APP_TIMEOUT)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        return list(await asyncio.gather(*(_panel(client, app, body) for app in apps)))
