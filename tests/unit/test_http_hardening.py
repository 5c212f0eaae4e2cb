"""HTTP hardening at the boundary: security headers and each page's Content-Security-Policy."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest

from frontdesk.kit.headers import script_hash
from tests.conftest import Desk

INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
SCRIPT_SRC = re.compile(r'<script src="([^"]+)"')


def directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    parsed = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parsed}


def allows_its_scripts(response: httpx.Response) -> None:
    """Every script of the page is allowed by its policy, and nothing inline runs unlisted."""
    script_src = directives(response)["script-src"]
    assert "'unsafe-inline'" not in script_src
    for source in INLINE_SCRIPT.findall(response.text):
        assert script_hash(source) in script_src, source[:60]
    for url in SCRIPT_SRC.findall(response.text):
        parts = urlsplit(url)
        assert not parts.netloc or f"{parts.scheme}://{parts.netloc}" in script_src, url


class TestSecurityHeaders:
    @pytest.mark.parametrize("path", ["/", "/login", "/api/v1/me", "/healthz", "/openapi.json"])
    async def test_every_response_carries_them(self, http: httpx.AsyncClient, path: str) -> None:
        response = await http.get(path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        policy = directives(response)
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]

    async def test_the_demo_shop_allows_exactly_its_inline_scripts(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        await desk.inbox(name="Shop")
        for path in ("/demo", "/demo/about", "/demo/product/mug"):
            response = await http.get(path)
            assert response.status_code == 200
            assert "messenger.js" in response.text
            allows_its_scripts(response)
            assert directives(response)["frame-ancestors"] == ["'none'"]

    async def test_the_api_docs_page_allows_swagger_ui(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/api/docs")
        assert response.status_code == 200
        allows_its_scripts(response)
        policy = directives(response)
        assert policy["connect-src"] == ["'self'"]
        stylesheet = re.search(r'rel="stylesheet" href="([^"]+)"', response.text)
        assert stylesheet is not None
        assert "{0.scheme}://{0.netloc}".format(urlsplit(stylesheet[1])) in policy["style-src"]
