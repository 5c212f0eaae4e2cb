"""GET /api/docs: FastAPI's Swagger UI page with a policy of its own. The page loads Swagger UI from
the addresses FastAPI names and starts it with one inline script; the policy allows exactly those,
so the desk's stricter default policy can stay as it is."""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from frontdesk.kit.headers import CSP, origin_of, policy, script_hash

DOCS_URL = "/api/docs"
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
LOADED = re.compile(r'(?:src|href)="(https?://[^"]+)"')


def docs_policy(html: str) -> str:
    hosts = sorted({origin_of(url) for url in LOADED.findall(html)})
    hashes = [script_hash(source) for source in INLINE_SCRIPT.findall(html)]
    elsewhere = " ".join(hosts)
    return policy(
        default_src="'self'",
        script_src=" ".join(["'self'", elsewhere, *hashes]),
        style_src=f"'self' {elsewhere} 'unsafe-inline'",
        img_src=f"'self' {elsewhere} data:",
        connect_src="'self'",
        object_src="'none'",
        base_uri="'none'",
        frame_ancestors="'none'",
    )


async def api_docs(request: Request) -> HTMLResponse:
    # The app from the request, not from a closure: FastAPI keeps its endpoints in process-wide
    # caches, and an endpoint holding its app kept hundreds of the apps a process made (the test
    # suite makes one a test), engines and all, for every full garbage collection to walk.
    app: FastAPI = request.app
    root_path = request.scope.get("root_path", "").rstrip("/")
    page = get_swagger_ui_html(
        openapi_url=f"{root_path}{app.openapi_url}", title=f"{app.title} - API"
    )
    html = bytes(page.body).decode()
    return HTMLResponse(html, headers={CSP: docs_policy(html)})


def mount_api_docs(app: FastAPI) -> None:
    app.get(DOCS_URL, include_in_schema=False)(api_docs)
