"""Serves the built front ends: the desk (a single-page app at /) and the messenger bundle
(/messenger.js), built by `make run` / `make test` into web/*/dist. An installed wheel carries
them inside the package instead (frontdesk/static/, copied there by setup.py when it is built)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from frontdesk.kit.methods import FALLBACK_ROUTE, is_reserved, nothing_here, route_methods

WEB_ROOT = Path(__file__).resolve().parents[2] / "web"
PACKAGED = Path(__file__).resolve().parent / "static"


def built(name: str) -> Path:
    """A checkout's own build wins (it is the one `make` keeps fresh); else the wheel's copy."""
    checkout = WEB_ROOT / name / "dist"
    packaged = PACKAGED / name
    return packaged if not checkout.is_dir() and packaged.is_dir() else checkout


DESK_DIST = built("desk")
MESSENGER_DIST = built("messenger")

NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>frontdesk</title>
<p>The desk has not been built yet. Run <code>make run</code> (or
<code>cd web/desk &amp;&amp; npm ci &amp;&amp; npm run build</code>).</p>"""


def _messenger_file(name: str) -> Response:
    bundle = MESSENGER_DIST / name
    if not bundle.is_file():
        raise HTTPException(404, "The messenger has not been built yet: run `make run`.")
    return FileResponse(
        bundle,
        media_type="text/javascript",
        # Short: a new release reaches every website within minutes.
        headers={"Cache-Control": "public, max-age=300"},
    )


def mount_frontends(app: FastAPI) -> None:
    if (DESK_DIST / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=DESK_DIST / "assets"), name="desk-assets")

    # The messenger, and the parts of it messenger.js loads only when needed: for an inbox with
    # proactive messages, and the French words when it speaks French (docs/messenger.md, "Size").
    @app.get("/messenger.js", include_in_schema=False)
    async def messenger_bundle() -> Response:
        return _messenger_file("messenger.js")

    @app.get("/messenger-proactive.js", include_in_schema=False)
    async def messenger_proactive() -> Response:
        return _messenger_file("messenger-proactive.js")

    @app.get("/messenger-fr.js", include_in_schema=False)
    async def messenger_french() -> Response:
        return _messenger_file("messenger-fr.js")

    @app.get("/{path:path}", include_in_schema=False, name=FALLBACK_ROUTE)
    async def desk(path: str, request: Request) -> Response:
        if is_reserved(request.scope):
            if route_methods(request.app, request.scope):
                # A GET where the API takes other methods, e.g. GET /api/v1/auth/login.
                raise HTTPException(405)
            raise HTTPException(404, nothing_here(request.scope))
        index = DESK_DIST / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT)
        candidate = (DESK_DIST / path).resolve()
        if path and candidate.is_file() and DESK_DIST.resolve() in candidate.parents:
            return FileResponse(candidate)
        # Every other path is a route of the single-page app.
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
