"""Who may do what: sessions, API tokens, CSRF, deactivation, admin-only writes, and inboxes an
agent does not belong to (404, never 403, so their existence does not leak)."""

from __future__ import annotations

import httpx
import pytest

from frontdesk.labels.models import Label
from frontdesk.tickets.models import TicketEntry
from frontdesk.users.models import ApiToken
from tests.conftest import BOTH_STORES, PASSWORD, SQLITE_ONLY, Agent, Desk
from tests.unit.support import count_rows, error_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


def anonymous(desk: Desk, **headers: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=desk.app), base_url="http://desk.test", headers=headers
    )


async def api_token(agent: Agent) -> str:
    response = await agent.client.post("/api/v1/me/tokens", json={"name": "script"})
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


class TestAuthentication:
    async def test_every_endpoint_needs_a_login(self, desk: Desk) -> None:
        async with anonymous(desk) as client:
            for method, path in [
                ("GET", "/api/v1/me"),
                ("GET", "/api/v1/me/tokens"),
                ("GET", "/api/v1/users"),
                ("GET", "/api/v1/inboxes"),
                ("GET", "/api/v1/labels"),
                ("GET", "/api/v1/customers"),
                ("GET", "/api/v1/tickets"),
                ("GET", "/api/v1/tickets/counts"),
                ("GET", "/api/v1/tickets/1"),
                ("GET", "/api/v1/outbox"),
                ("POST", "/api/v1/auth/logout"),
                ("POST", "/api/v1/labels"),
            ]:
                response = await client.request(method, path, json={} if method == "POST" else None)
                error_of(response, 401, "not_authenticated")

    async def test_bad_or_malformed_bearer_token_is_401(self, desk: Desk) -> None:
        async with anonymous(desk) as client:
            for header in ("Bearer fd_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz"):
                response = await client.get("/api/v1/me", headers={"Authorization": header})
                error_of(response, 401)

    @BOTH_STORES
    async def test_revoked_token_is_401_and_other_tokens_keep_working(self, desk: Desk) -> None:
        agent = await desk.agent()
        revoked, kept = await api_token(agent), await api_token(agent)
        tokens = (await agent.client.get("/api/v1/me/tokens")).json()
        assert (
            await agent.client.delete(f"/api/v1/me/tokens/{tokens[0]['id']}")
        ).status_code == 204
        async with anonymous(desk) as client:
            response = await client.get(
                "/api/v1/me", headers={"Authorization": f"Bearer {revoked}"}
            )
            error = error_of(response, 401, "bad_token")
            assert "revoked" in error["message"]
            response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {kept}"})
            assert response.status_code == 200

    async def test_deactivation_ends_sessions_and_api_tokens(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        agent = await desk.agent()
        token = await api_token(agent)
        response = await admin.client.patch(f"/api/v1/users/{agent.id}", json={"is_active": False})
        assert response.status_code == 200
        error_of(await agent.client.get("/api/v1/me"), 401, "not_authenticated")
        async with anonymous(desk) as client:
            response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            error_of(response, 401, "bad_token")
        # Reactivation brings back neither the old session nor the token, which may have left
        # with them: they sign in and make a new one.
        response = await admin.client.patch(f"/api/v1/users/{agent.id}", json={"is_active": True})
        assert response.status_code == 200
        error_of(await agent.client.get("/api/v1/me"), 401)
        async with anonymous(desk) as client:
            response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            error_of(response, 401, "bad_token")

    async def test_logout_ends_the_session_for_good(self, desk: Desk) -> None:
        agent = await desk.agent()
        cookie = agent.client.cookies["frontdesk_session"]
        response = await agent.client.post("/api/v1/auth/logout")
        assert response.status_code == 204
        cleared = response.headers.get_list("set-cookie")
        assert any(h.startswith("frontdesk_session=") and "Max-Age=0" in h for h in cleared)
        async with anonymous(desk) as client:
            client.cookies.set("frontdesk_session", cookie)
            error_of(await client.get("/api/v1/me"), 401, "not_authenticated")

    async def test_logout_with_an_api_token_leaves_the_token_working(self, desk: Desk) -> None:
        agent = await desk.agent()
        token = await api_token(agent)
        async with anonymous(desk, Authorization=f"Bearer {token}") as client:
            assert (await client.post("/api/v1/auth/logout")).status_code == 204
            assert (await client.get("/api/v1/me")).status_code == 200
        assert (await agent.client.get("/api/v1/me")).status_code == 200


class TestCsrf:
    async def test_cookie_write_without_or_with_a_wrong_token_is_refused(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        good = admin.client.headers.pop("X-CSRF-Token")
        for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": good[:-1]}):
            for method, path, body in [
                ("POST", "/api/v1/labels", {"name": "vip"}),
                ("POST", "/api/v1/me/tokens", {"name": "sneaky"}),
                ("PATCH", "/api/v1/me", {"name": "Hijacked"}),
                ("POST", "/api/v1/auth/logout", None),
            ]:
                response = await admin.client.request(method, path, json=body, headers=headers)
                error = error_of(response, 403, "csrf_failed")
                assert "X-CSRF-Token" in error["message"]
        assert await count_rows(desk.app, Label) == 0
        assert await count_rows(desk.app, ApiToken) == 0
        me = await admin.client.get("/api/v1/me")  # reads need no token, and the session lives
        assert me.status_code == 200
        assert me.json()["name"] == admin.user["name"]

    async def test_csrf_token_of_another_session_is_refused(self, desk: Desk) -> None:
        one, other = await desk.agent(), await desk.agent()
        response = await one.client.patch(
            "/api/v1/me",
            json={"name": "x"},
            headers={"X-CSRF-Token": other.client.headers["X-CSRF-Token"]},
        )
        error_of(response, 403, "csrf_failed")

    async def test_bearer_token_writes_need_no_csrf_token(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        token = await api_token(admin)
        async with anonymous(desk, Authorization=f"Bearer {token}") as client:
            response = await client.post("/api/v1/labels", json={"name": "vip"})
        assert response.status_code == 201, response.text
        assert await count_rows(desk.app, Label) == 1


class TestLoginOrigin:
    async def test_login_from_another_site_is_refused_without_a_session(self, desk: Desk) -> None:
        user = await desk.user()
        async with anonymous(desk, Origin="https://evil.example") as client:
            response = await client.post(
                "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
            )
            error_of(response, 403, "bad_origin")
            assert "frontdesk_session" not in client.cookies
            error_of(await client.get("/api/v1/me"), 401)

    async def test_login_from_the_desk_itself_is_accepted(self, desk: Desk) -> None:
        user = await desk.user()
        async with anonymous(desk, Origin="http://desk.test") as client:
            response = await client.post(
                "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
            )
            assert response.status_code == 200
            assert (await client.get("/api/v1/me")).status_code == 200

    async def test_login_with_bad_input_is_422_not_500(self, desk: Desk) -> None:
        async with anonymous(desk) as client:
            for body in ({}, {"email": "a@b.c"}, {"email": 5, "password": []}):
                response = await client.post("/api/v1/auth/login", json=body)
                error_of(response, 422, "invalid")
            # A body that is not JSON at all cannot be read: 400, as the OpenAPI document says.
            response = await client.post(
                "/api/v1/auth/login",
                content="not json",
                headers={"Content-Type": "application/json"},
            )
            error_of(response, 400, "invalid_json")


class TestAdminOnly:
    async def test_agents_get_403_for_admin_writes_and_nothing_changes(self, desk: Desk) -> None:
        agent = await desk.agent()
        inbox = await desk.inbox(members=[agent])
        colleague = await desk.user()
        admin = await desk.agent(role="admin")
        label = (await admin.client.post("/api/v1/labels", json={"name": "bug"})).json()
        for method, path, body in [
            (
                "POST",
                "/api/v1/users",
                {"email": "x@example.org", "name": "X", "password": "x" * 12},
            ),
            ("PATCH", f"/api/v1/users/{colleague['id']}", {"name": "Renamed"}),
            ("PATCH", f"/api/v1/users/{agent.id}", {"role": "admin"}),
            ("POST", "/api/v1/inboxes", {"name": "Sales"}),
            ("PATCH", f"/api/v1/inboxes/{inbox['id']}", {"name": "Renamed"}),
            ("POST", f"/api/v1/inboxes/{inbox['id']}/members", {"user_id": colleague["id"]}),
            ("DELETE", f"/api/v1/inboxes/{inbox['id']}/members/{agent.id}", None),
            ("POST", "/api/v1/labels", {"name": "vip"}),
            ("PATCH", f"/api/v1/labels/{label['id']}", {"name": "renamed"}),
            ("DELETE", f"/api/v1/labels/{label['id']}", None),
            ("GET", "/api/v1/outbox", None),
        ]:
            response = await agent.client.request(method, path, json=body)
            error = error_of(response, 403, "forbidden")
            assert "admin" in error["message"], (method, path)
        assert (await agent.client.get("/api/v1/me")).json()["role"] == "agent"
        assert [i["name"] for i in (await agent.client.get("/api/v1/inboxes")).json()] == [
            "Support"
        ]
        members = (await agent.client.get(f"/api/v1/inboxes/{inbox['id']}/members")).json()
        assert [m["id"] for m in members] == [agent.id]
        assert (await agent.client.get("/api/v1/labels")).json() == [label]
        users = (await admin.client.get("/api/v1/users")).json()
        assert len(users) == 3
        assert "Renamed" not in {user["name"] for user in users}

    async def test_agents_never_see_the_identity_secret(self, desk: Desk) -> None:
        agent = await desk.agent()
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox(members=[agent])
        secret = "s" * 20
        response = await admin.client.patch(
            f"/api/v1/inboxes/{inbox['id']}", json={"identity_secret": secret}
        )
        assert response.json()["identity_secret"] == secret
        for response in (
            await agent.client.get(f"/api/v1/inboxes/{inbox['id']}"),
            await agent.client.get("/api/v1/inboxes"),
        ):
            assert secret not in response.text
            assert "identity_secret" not in response.text


class TestOutsideAnInbox:
    async def test_tickets_customers_and_inbox_of_another_inbox_are_404(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        outsider = await desk.agent()
        mine = await desk.inbox(name="Mine", members=[outsider])
        theirs = await desk.inbox(name="Theirs")
        ticket = await new_ticket(admin.client, theirs, email="secret@example.org")
        customer_id = ticket["customer"]["id"]
        entries_before = await count_rows(desk.app, TicketEntry)
        tid = ticket["id"]
        for method, path, body in [
            ("GET", f"/api/v1/inboxes/{theirs['id']}", None),
            ("GET", f"/api/v1/inboxes/{theirs['id']}/members", None),
            ("GET", f"/api/v1/tickets/{tid}", None),
            ("PATCH", f"/api/v1/tickets/{tid}", {"state": "closed"}),
            ("POST", f"/api/v1/tickets/{tid}/notes", {"text": "peek"}),
            ("POST", f"/api/v1/tickets/{tid}/replies", {"text": "hello"}),
            ("GET", f"/api/v1/tickets?inbox_id={theirs['id']}", None),
            ("GET", f"/api/v1/tickets/counts?inbox_id={theirs['id']}", None),
            ("GET", f"/api/v1/customers/{customer_id}", None),
            ("PATCH", f"/api/v1/customers/{customer_id}", {"name": "Mine now"}),
            (
                "POST",
                "/api/v1/tickets",
                {"inbox_id": theirs["id"], "customer": {"id": customer_id}, "subject": "x"},
            ),
            (
                "POST",
                "/api/v1/tickets",
                {"inbox_id": mine["id"], "customer": {"id": customer_id}, "subject": "x"},
            ),
        ]:
            response = await outsider.client.request(method, path, json=body)
            error_of(response, 404, "not_found")
        assert await count_rows(desk.app, TicketEntry) == entries_before
        assert (await outsider.client.get("/api/v1/tickets")).json()["items"] == []
        assert (await outsider.client.get("/api/v1/customers?q=secret")).json()["items"] == []
        assert [i["id"] for i in (await outsider.client.get("/api/v1/inboxes")).json()] == [
            mine["id"]
        ]
        unchanged = (await admin.client.get(f"/api/v1/tickets/{tid}")).json()
        assert unchanged["state"] == "open"
        assert unchanged["customer"]["name"] == "Cora Customer"

    async def test_admins_see_every_inbox_without_being_members(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        agent = await desk.agent()
        inbox = await desk.inbox(members=[agent])
        ticket = await new_ticket(agent.client, inbox)
        assert (await admin.client.get(f"/api/v1/tickets/{ticket['id']}")).status_code == 200
        assert (await admin.client.get(f"/api/v1/inboxes/{inbox['id']}")).status_code == 200

    @BOTH_STORES
    async def test_removed_member_loses_access_at_once(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        agent = await desk.agent()
        inbox = await desk.inbox(members=[agent])
        ticket = await new_ticket(agent.client, inbox)
        response = await admin.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{agent.id}")
        assert response.status_code == 200
        error_of(await agent.client.get(f"/api/v1/tickets/{ticket['id']}"), 404)
        error_of(await agent.client.get(f"/api/v1/inboxes/{inbox['id']}"), 404)
