"""Security headers on every HTTP response. The default Content-Security-Policy is the desk's: it
loads only its own scripts, styles and connections, and no other site may frame it. A page that
needs another policy (the demo shop, the API docs) sets its own header and keeps it. The API's
answers are kept by no cache (`Cache-Control: no-store`) unless a route says otherwise."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "Content-Security-Policy"


def script_hash(source: str) -> str:
    """The CSP source that allows exactly this inline <script> (its text, byte for byte)."""
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def websocket_origin(public_url: str) -> str:
    """ws(s):// form of the public address: older Safari does not let 'self' cover WebSockets."""
    parts = urlsplit(public_url)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"


def policy(**directives: str) -> str:
    return "; ".join(f"{name.replace('_', '-')} {value}" for name, value in directives.items())


def desk_policy(public_url: str) -> str:
    return policy(
        default_src="'self'",
        script_src="'self'",
        # Outgoing mail is previewed in a sandboxed srcdoc frame, which inherits this policy;
        # the mail is styled with style attributes, which cannot run code.
        style_src="'self'",
        style_src_attr="'unsafe-inline'",
        img_src="'self' data:",
        connect_src=f"'self' {websocket_origin(public_url)}",
        # The Web Push service worker (/sw.js, notifications/push.ts): our own script only.
        worker_src="'self'",
        object_src="'none'",
        base_uri="'none'",
        form_action="'self'",
        frame_ancestors="'none'",
    )


# The API and the messenger's: their answers carry people's data and secrets (a new API token,
# a webhook's or an inbox's secret, two-factor seeds and recovery codes, a visitor's token),
# which no cache, shared or the browser's, may keep.
API_PREFIXES = ("/api/", "/messenger/")
NO_STORE = "no-store"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, public_url: str) -> None:
        self.app = app
        self.defaults = (
            (CSP, desk_policy(public_url)),
            ("X-Frame-Options", "DENY"),
            ("X-Content-Type-Options", "nosniff"),
            # Desk addresses name tickets and customers; other sites need not learn them.
            ("Referrer-Policy", "same-origin"),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        api = str(scope["path"]).startswith(API_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.defaults:
                    headers.setdefault(name, value)
                if api:
                    headers.setdefault("Cache-Control", NO_STORE)
            await send(message)

        await self.app(scope, receive, send_with_headers)
