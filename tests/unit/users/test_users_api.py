"""The current agent (/me), personal API tokens, and users managed by admins."""

from __future__ import annotations

import httpx
import pytest

from frontdesk.db.session import unit_of_work
from frontdesk.users.models import ApiToken, User
from tests.conftest import BOTH_STORES, PASSWORD, SQLITE_ONLY, Desk
from tests.unit.support import count_rows, error_of, fields_of, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def login(desk: Desk, email: str, password: str) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=desk.app), base_url="http://desk.test"
    ) as client:
        return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


class TestMe:
    async def test_me_shows_the_profile_preferences_and_csrf_token(self, desk: Desk) -> None:
        agent = await desk.agent()
        response = await agent.client.get("/api/v1/me")
        assert response.status_code == 200
        me = response.json()
        assert me["id"] == agent.id
        assert me["role"] == "agent"
        assert me["preferences"] == {
            "sound": True,
            "desktop_notifications": True,
            "language": "",
            "time_zone": "",
            "undo_send_seconds": 0,
        }
        assert me["csrf_token"] == agent.client.headers["X-CSRF-Token"]
        assert "password_hash" not in me

    @BOTH_STORES
    async def test_update_name_capacity_and_preferences(self, desk: Desk) -> None:
        agent = await desk.agent()
        response = await agent.client.patch(
            "/api/v1/me",
            json={"name": "  Ada L.  ", "max_concurrent_chats": 7, "preferences": {"sound": False}},
        )
        assert response.status_code == 200, response.text
        again = (await agent.client.get("/api/v1/me")).json()
        assert again["name"] == "Ada L."
        assert again["max_concurrent_chats"] == 7
        assert again["preferences"] == {
            "sound": False,
            "desktop_notifications": True,
            "language": "",
            "time_zone": "",
            "undo_send_seconds": 0,
        }

    @BOTH_STORES
    async def test_bad_changes_are_422_naming_the_field_and_change_nothing(
        self, desk: Desk
    ) -> None:
        agent = await desk.agent()
        before = (await agent.client.get("/api/v1/me")).json()
        cases: list[tuple[dict[str, object], str]] = [
            ({"preferences": {"volume": 3}}, "preferences.volume"),
            ({"preferences": {"sound": "loud"}}, "preferences.sound"),
            ({"name": "Changed", "preferences": {"sound": 1}}, "preferences.sound"),
            ({"max_concurrent_chats": 51}, "max_concurrent_chats"),
            ({"max_concurrent_chats": "many"}, "max_concurrent_chats"),
            ({"name": ""}, "name"),
            ({"password": "short"}, "password"),
            ({"role": "owner"}, "role"),
        ]
        for body, field in cases:
            error = error_of(await agent.client.patch("/api/v1/me", json=body), 422, "invalid")
            assert field in fields_of(error), (body, error)
        assert (await agent.client.get("/api/v1/me")).json() == before

    @BOTH_STORES
    async def test_new_password_replaces_the_old_one(self, desk: Desk) -> None:
        agent = await desk.agent()
        elsewhere = await desk.login(agent.user)
        new_password = "a much better passphrase"
        response = await agent.client.patch(
            "/api/v1/me", json={"password": new_password, "current_password": PASSWORD}
        )
        assert response.status_code == 200
        assert (await login(desk, agent.user["email"], PASSWORD)).status_code == 401
        assert (await login(desk, agent.user["email"], new_password)).status_code == 200
        # The other browser is logged out; the one that changed the password stays in.
        assert (await elsewhere.client.get("/api/v1/me")).status_code == 401
        still_in = await agent.client.patch("/api/v1/me", json={"name": "Still here"})
        assert still_in.status_code == 200

    async def test_a_new_password_needs_the_current_one_and_a_signed_in_browser(
        self, desk: Desk
    ) -> None:
        """A stolen session or token must not be able to lock its owner out."""
        agent = await desk.agent()
        new_password = "a much better passphrase"
        missing = await agent.client.patch("/api/v1/me", json={"password": new_password})
        assert "current_password" in fields_of(error_of(missing, 422, "invalid"))
        for _ in range(5):
            wrong = await agent.client.patch(
                "/api/v1/me",
                json={
                    "password": new_password,
                    "current_password": "a guess 123",
                    "name": "Taken Over",
                    "preferences": {"sound": False},
                },
            )
            assert "current_password" in fields_of(error_of(wrong, 422, "invalid"))
        # Only the failed attempts were kept, nothing else the requests asked.
        me = (await agent.client.get("/api/v1/me")).json()
        assert me["name"] == agent.user["name"]
        assert me["preferences"]["sound"] is True
        # Guesses here count as failed logins: the sixth is throttled, the right one too.
        throttled = await agent.client.patch(
            "/api/v1/me", json={"password": new_password, "current_password": PASSWORD}
        )
        error_of(throttled, 429, "rate_limited")
        assert (await login(desk, agent.user["email"], PASSWORD)).status_code == 429

        other = await desk.agent()
        token = (await other.client.post("/api/v1/me/tokens", json={"name": "t"})).json()["token"]
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=desk.app), base_url="http://desk.test"
        ) as script:
            by_token = await script.patch(
                "/api/v1/me",
                json={"password": new_password, "current_password": PASSWORD},
                headers={"Authorization": f"Bearer {token}"},
            )
        error_of(by_token, 403, "password_needs_login")
        # An admin's own password, through the users' routes, needs it as well.
        admin = await desk.agent(role="admin")
        own = await admin.client.patch(f"/api/v1/users/{admin.id}", json={"password": new_password})
        assert "current_password" in fields_of(error_of(own, 422, "invalid"))
        for user in (other, admin):
            assert (await login(desk, user.user["email"], new_password)).status_code == 401

    async def test_a_user_of_single_sign_on_cannot_give_themselves_a_password(
        self, desk: Desk
    ) -> None:
        agent = await desk.agent()
        async with unit_of_work(desk.app.state.sessionmaker) as session:
            user = await session.get(User, agent.id)
            assert user is not None
            user.password_hash = None
        response = await agent.client.patch(
            "/api/v1/me", json={"password": "chosen by a thief", "current_password": ""}
        )
        error_of(response, 403, "no_password")
        assert (await login(desk, agent.user["email"], "chosen by a thief")).status_code == 401


class TestApiTokens:
    async def test_token_is_shown_once_and_works_as_bearer(self, desk: Desk) -> None:
        agent = await desk.agent()
        created = await agent.client.post("/api/v1/me/tokens", json={"name": "  reports  "})
        assert created.status_code == 201
        token = created.json()
        assert token["token"].startswith("fd_")
        assert token["name"] == "reports"
        assert token["token"].startswith(token["prefix"])
        listed = (await agent.client.get("/api/v1/me/tokens")).json()
        assert [item["id"] for item in listed] == [token["id"]]
        assert "token" not in listed[0]
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=desk.app), base_url="http://desk.test"
        ) as script:
            me = await script.get(
                "/api/v1/me", headers={"Authorization": f"Bearer {token['token']}"}
            )
        assert me.status_code == 200
        assert me.json()["id"] == agent.id
        assert me.json()["csrf_token"] is None
        used = (await agent.client.get("/api/v1/me/tokens")).json()[0]
        assert used["last_used_at"] is not None

    async def test_a_token_cannot_make_more_tokens(self, desk: Desk) -> None:
        """One leaked token must not become many, each to be found and revoked."""
        agent = await desk.agent()
        token = (await agent.client.post("/api/v1/me/tokens", json={"name": "ci"})).json()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=desk.app),
            base_url="http://desk.test",
            headers={"Authorization": f"Bearer {token['token']}"},
        ) as script:
            more = await script.post("/api/v1/me/tokens", json={"name": "backdoor"})
            error = error_of(more, 403, "token_needs_login")
            assert "Preferences → API tokens" in error["message"]
            # Reading them and revoking one stay open to a script, its own included.
            assert [t["id"] for t in (await script.get("/api/v1/me/tokens")).json()] == [
                token["id"]
            ]
        assert await count_rows(desk.app, ApiToken) == 1

    async def test_revoked_token_disappears_from_the_list(self, desk: Desk) -> None:
        agent = await desk.agent()
        token = (await agent.client.post("/api/v1/me/tokens", json={"name": "ci"})).json()
        response = await agent.client.delete(f"/api/v1/me/tokens/{token['id']}")
        assert response.status_code == 204
        assert (await agent.client.get("/api/v1/me/tokens")).json() == []
        error_of(await agent.client.delete(f"/api/v1/me/tokens/{token['id']}"), 404, "not_found")

    async def test_cannot_revoke_someone_elses_token(self, desk: Desk) -> None:
        owner = await desk.agent()
        other = await desk.agent(role="admin")
        token = (await owner.client.post("/api/v1/me/tokens", json={"name": "mine"})).json()
        error_of(await other.client.delete(f"/api/v1/me/tokens/{token['id']}"), 404, "not_found")
        assert len((await owner.client.get("/api/v1/me/tokens")).json()) == 1

    @BOTH_STORES
    async def test_bad_token_request_is_422_and_creates_nothing(self, desk: Desk) -> None:
        agent = await desk.agent()
        for body in ({}, {"name": ""}, {"name": "x" * 101}, {"name": "a", "scope": "all"}):
            error_of(await agent.client.post("/api/v1/me/tokens", json=body), 422, "invalid")
        assert await count_rows(desk.app, ApiToken) == 0


class TestUsers:
    async def test_every_agent_lists_and_reads_colleagues(self, desk: Desk) -> None:
        agent = await desk.agent()
        colleague = await desk.user(name="Grace")
        listed = (await agent.client.get("/api/v1/users")).json()
        assert {user["id"] for user in listed} == {agent.id, colleague["id"]}
        one = await agent.client.get(f"/api/v1/users/{colleague['id']}")
        assert one.status_code == 200
        assert one.json()["name"] == "Grace"
        # What an agent needs of a colleague, not their address (test_colleagues_api.py).
        assert "email" not in one.json()
        assert "preferences" not in one.json()
        error_of(await agent.client.get("/api/v1/users/999999"), 404, "not_found")

    @BOTH_STORES
    async def test_admin_creates_a_user_who_can_then_log_in(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        response = await admin.client.post(
            "/api/v1/users",
            json={
                "email": "New.Agent@Example.org",
                "name": "New Agent",
                "password": "long enough pass",
                "max_concurrent_chats": 5,
            },
        )
        assert response.status_code == 201, response.text
        user = response.json()
        assert user["email"] == "new.agent@example.org"
        assert user["role"] == "agent"
        assert user["max_concurrent_chats"] == 5
        assert user["available_for_chat"] is False
        assert (await login(desk, "new.agent@example.org", "long enough pass")).status_code == 200

    async def test_duplicate_email_is_409_whatever_the_case(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        body = {"email": "ada@example.org", "name": "Ada", "password": "x" * 12}
        assert (await admin.client.post("/api/v1/users", json=body)).status_code == 201
        twin = body | {"email": "ADA@Example.org", "name": "Twin"}
        error = error_of(await admin.client.post("/api/v1/users", json=twin), 409, "email_taken")
        assert "ada@example.org" in error["message"]
        assert await count_rows(desk.app, User) == 2

    @BOTH_STORES
    async def test_bad_user_is_422_naming_the_field(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        good: dict[str, object] = {"email": "a@example.org", "name": "A", "password": "x" * 12}
        cases: list[tuple[dict[str, object], str]] = [
            (good | {"email": "not-an-email"}, "email"),
            (good | {"password": "short"}, "password"),
            (good | {"name": " "}, "name"),
            (good | {"role": "god"}, "role"),
            (good | {"admin": True}, "admin"),
            (good | {"max_concurrent_chats": -1}, "max_concurrent_chats"),
            ({"email": "a@example.org", "name": "A"}, "password"),
        ]
        for body, field in cases:
            error = error_of(await admin.client.post("/api/v1/users", json=body), 422, "invalid")
            assert field in fields_of(error), (body, error)
        assert await count_rows(desk.app, User) == 1

    async def test_only_an_owner_makes_owners(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        owner = await desk.agent(role="owner")
        body = {"email": "boss@example.org", "name": "Boss", "password": "x" * 12, "role": "owner"}
        error_of(await admin.client.post("/api/v1/users", json=body), 403, "forbidden")
        assert (await owner.client.post("/api/v1/users", json=body)).status_code == 201
        agent = await desk.user()
        response = await admin.client.patch(f"/api/v1/users/{agent['id']}", json={"role": "owner"})
        error_of(response, 403, "forbidden")

    @BOTH_STORES
    async def test_admin_changes_name_role_and_capacity(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        user = await desk.user()
        response = await admin.client.patch(
            f"/api/v1/users/{user['id']}",
            json={"name": "Renamed", "role": "admin", "max_concurrent_chats": 0},
        )
        assert response.status_code == 200, response.text
        assert response.json()["name"] == "Renamed"
        assert response.json()["role"] == "admin"
        assert response.json()["max_concurrent_chats"] == 0

    async def test_email_change_to_a_taken_address_is_409(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        user = await desk.user()
        body = {"email": "taken@example.org", "name": "Taken", "password": "x" * 12}
        assert (await admin.client.post("/api/v1/users", json=body)).status_code == 201
        response = await admin.client.patch(
            f"/api/v1/users/{user['id']}", json={"email": "Taken@example.org", "name": "Nope"}
        )
        error_of(response, 409, "email_taken")
        unchanged = (await admin.client.get(f"/api/v1/users/{user['id']}")).json()
        assert unchanged["email"] == user["email"]
        assert unchanged["name"] == user["name"]

    @BOTH_STORES
    async def test_the_last_owner_cannot_be_demoted_or_deactivated(self, desk: Desk) -> None:
        owner = await desk.agent(role="owner")
        for body in ({"role": "admin"}, {"is_active": False}):
            error_of(
                await owner.client.patch(f"/api/v1/users/{owner.id}", json=body), 409, "last_owner"
            )
        await desk.user(role="owner")
        response = await owner.client.patch(f"/api/v1/users/{owner.id}", json={"role": "admin"})
        assert response.status_code == 200

    async def test_an_admin_cannot_change_an_owner(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        owner = await desk.user(role="owner")
        # The desk's only owner: an admin is told they may not, not that it is the last one.
        response = await admin.client.patch(
            f"/api/v1/users/{owner['id']}", json={"is_active": False}
        )
        error_of(response, 403, "forbidden")
        await desk.user(role="owner")
        response = await admin.client.patch(
            f"/api/v1/users/{owner['id']}", json={"is_active": False}
        )
        error_of(response, 403, "forbidden")
        assert (await admin.client.get(f"/api/v1/users/{owner['id']}")).json()["is_active"]

    async def test_patching_an_unknown_user_is_404(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        error_of(
            await admin.client.patch("/api/v1/users/999999", json={"name": "x"}), 404, "not_found"
        )
