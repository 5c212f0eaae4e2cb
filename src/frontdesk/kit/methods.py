"""HTTP methods: HEAD answers wherever GET does, and a 405 says in `Allow` which methods do."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The desk's catch-all route (GET) matches every path; it only counts where nothing else does.
FALLBACK_ROUTE = "desk"
# Paths that are never pages of the desk: where none of the app's routes matches, nothing is
# there, whatever the method (a 404, not the desk's page nor a 405 naming its GET).
RESERVED = ("api/", "messenger/", "openapi.json", "healthz", "assets/", "demo", "help")
# Set in the scope of a HEAD answered as GET: a GET that acts (a rating link) must not act on
# HEAD, and a route that streams can skip fetching the body.
HEAD_KEY = "frontdesk.head"


def is_head(scope: Scope) -> bool:
    return bool(scope.get(HEAD_KEY))


def route_methods(app: FastAPI, scope: Scope) -> set[str]:
    """The methods the app's own routes (not the desk's catch-all) take at the request's path."""
    found: set[str] = set()
    for route in iter_route_contexts(app.routes):
        methods = route.methods
        if methods and route.name != FALLBACK_ROUTE and route.matches(scope)[0] is not Match.NONE:
            found.update(methods)
    return found


def is_reserved(scope: Scope) -> bool:
    return str(scope["path"]).lstrip("/").startswith(RESERVED)


def nothing_here(scope: Scope) -> str:
    """The message of a 404 for a path that names no operation."""
    method = "GET" if is_head(scope) else scope["method"]
    return f"There is no {method} {scope['path']}; the API's operations are listed at /api/docs."


def allowed_methods(app: FastAPI, scope: Scope) -> str:
    """The `Allow` header of a 405: where no route of the app's own matches, the desk's page."""
    methods = route_methods(app, scope) or {"GET"}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


class HeadAsGet:
    """Answers HEAD as GET without the body: the routes declare GET only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_head(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET", HEAD_KEY: True}, receive, send_head)
