"""The app's own endpoints: health, the OpenAPI document, the API docs page, unknown routes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from frontdesk.app import create_app
from frontdesk.config import Settings
from tests.conftest import SQLITE_ONLY, Desk
from tests.unit.support import error_of, fields_of, use_cheap_passwords

pytestmark = SQLITE_ONLY

API_PATHS = {
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
    "/api/v1/me",
    "/api/v1/me/tokens",
    "/api/v1/me/tokens/{token_id}",
    "/api/v1/users",
    "/api/v1/users/{user_id}",
    "/api/v1/inboxes",
    "/api/v1/inboxes/{inbox_id}",
    "/api/v1/inboxes/{inbox_id}/members",
    "/api/v1/inboxes/{inbox_id}/members/{user_id}",
    "/api/v1/labels",
    "/api/v1/labels/{label_id}",
    "/api/v1/customers",
    "/api/v1/customers/{customer_id}",
    "/api/v1/customers/{customer_id}/merge",
    "/api/v1/tickets",
    "/api/v1/tickets/counts",
    "/api/v1/tickets/{ticket_id}",
    "/api/v1/tickets/{ticket_id}/notes",
    "/api/v1/tickets/{ticket_id}/replies",
    "/api/v1/outbox",
}


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


class TestHealth:
    async def test_healthz_reports_the_database_reachable(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}

    async def test_healthz_is_503_when_the_database_cannot_be_opened(self, tmp_path: Path) -> None:
        settings = Settings(
            data_dir=tmp_path,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}",
            secret_key="k" * 40,
            _env_file=None,
        )
        app = create_app(settings, run_loops=False)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
            ) as client,
        ):
            response = await client.get("/healthz")
        assert response.status_code == 503
        assert response.json() == {"status": "down", "database": "unreachable"}


class TestOpenApi:
    async def test_document_describes_every_endpoint_of_the_rest_api(
        self, http: httpx.AsyncClient
    ) -> None:
        response = await http.get("/openapi.json")
        assert response.status_code == 200
        document = response.json()
        assert document["info"]["title"] == "frontdesk"
        assert set(document["paths"]) >= API_PATHS
        ticket_list = document["paths"]["/api/v1/tickets"]["get"]
        assert {p["name"] for p in ticket_list["parameters"]} >= {
            "inbox_id",
            "state",
            "assignee_id",
            "unassigned",
            "mine",
            "label_id",
            "customer_id",
            "type",
            "q",
            "sort",
            "cursor",
            "limit",
        }

    async def test_docs_page_loads_the_openapi_document(self, http: httpx.AsyncClient) -> None:
        response = await http.get("/api/docs")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "/openapi.json" in response.text


class TestUnknownRoutes:
    async def test_unknown_paths_methods_and_ids_answer_in_the_error_shape(
        self, desk: Desk
    ) -> None:
        agent = await desk.agent()
        error_of(await agent.client.get("/api/v1/nothing-here"), 404, "not_found")
        error_of(await agent.client.put("/api/v1/me"), 405, "not_allowed")
        for path, field in [("/api/v1/tickets/abc", "ticket_id"), ("/api/v1/users/1.5", "user_id")]:
            error = error_of(await agent.client.get(path), 422, "invalid")
            assert fields_of(error) == {field}
