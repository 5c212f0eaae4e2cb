"""Inboxes and their members, through the REST API."""

from __future__ import annotations

import pytest

from frontdesk.inboxes.models import Inbox, InboxMember
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.unit.support import count_rows, error_of, fields_of, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


class TestCreate:
    async def test_admin_creates_an_inbox_with_normalised_settings(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        response = await admin.client.post(
            "/api/v1/inboxes",
            json={
                "name": "  Sales  ",
                "email_address": "Sales@Example.org",
                "unanswered_timeout_seconds": 120,
                "allowed_origins": ["https://Shop.Example.org/", "http://localhost:3000"],
            },
        )
        assert response.status_code == 201, response.text
        inbox = response.json()
        assert inbox["name"] == "Sales"
        assert inbox["email_address"] == "sales@example.org"
        assert inbox["unanswered_timeout_seconds"] == 120
        assert inbox["allowed_origins"] == ["https://shop.example.org", "http://localhost:3000"]
        assert inbox["public_key"].startswith("in_")
        assert inbox["identity_secret"] is None
        again = await admin.client.get(f"/api/v1/inboxes/{inbox['id']}")
        assert again.json() == inbox

    async def test_bad_inboxes_are_422_naming_the_field(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        cases: list[tuple[dict[str, object], str]] = [
            ({}, "name"),
            ({"name": "   "}, "name"),
            ({"name": "x" * 201}, "name"),
            ({"name": "A", "email_address": "nope"}, "email_address"),
            ({"name": "A", "unanswered_timeout_seconds": 5}, "unanswered_timeout_seconds"),
            ({"name": "A", "unanswered_timeout_seconds": "soon"}, "unanswered_timeout_seconds"),
            ({"name": "A", "allowed_origins": ["ftp://shop.example"]}, "allowed_origins"),
            ({"name": "A", "allowed_origins": ["https://shop.example/path"]}, "allowed_origins"),
            ({"name": "A", "allowed_origins": "https://shop.example"}, "allowed_origins"),
            ({"name": "A", "colour": "red"}, "colour"),
        ]
        for body, field in cases:
            error = error_of(await admin.client.post("/api/v1/inboxes", json=body), 422, "invalid")
            assert field in fields_of(error), (body, error)
        assert await count_rows(desk.app, Inbox) == 0

    @BOTH_STORES
    async def test_an_address_belongs_to_one_inbox(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        body = {"name": "Support", "email_address": "help@example.org"}
        assert (await admin.client.post("/api/v1/inboxes", json=body)).status_code == 201
        duplicate = {"name": "Other", "email_address": "HELP@example.org"}
        error = error_of(await admin.client.post("/api/v1/inboxes", json=duplicate), 409)
        assert error["code"] == "address_taken"
        assert "help@example.org" in error["message"]
        assert await count_rows(desk.app, Inbox) == 1


class TestRead:
    @BOTH_STORES
    async def test_agents_list_their_inboxes_admins_all(self, desk: Desk) -> None:
        agent = await desk.agent()
        admin = await desk.agent(role="admin")
        mine = await desk.inbox(name="B mine", members=[agent])
        other = await desk.inbox(name="A other")
        listed = (await agent.client.get("/api/v1/inboxes")).json()
        assert [inbox["id"] for inbox in listed] == [mine["id"]]
        assert "identity_secret" not in listed[0]
        everything = (await admin.client.get("/api/v1/inboxes")).json()
        assert [inbox["id"] for inbox in everything] == [other["id"], mine["id"]]
        assert "identity_secret" in everything[0]

    async def test_unknown_inbox_is_404(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        error = error_of(await admin.client.get("/api/v1/inboxes/999999"), 404, "not_found")
        assert error["message"] == "No such inbox."
        error_of(
            await admin.client.patch("/api/v1/inboxes/999999", json={"name": "x"}), 404, "not_found"
        )


class TestUpdate:
    async def test_admin_updates_settings(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox(email_address="old@example.org")
        response = await admin.client.patch(
            f"/api/v1/inboxes/{inbox['id']}",
            json={
                "name": "Help",
                "unanswered_timeout_seconds": 60,
                "allowed_origins": ["https://b.example", "https://a.example", "https://B.example"],
                "messenger_settings": {"greeting": "Hi!"},
            },
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        assert updated["name"] == "Help"
        assert updated["email_address"] == "old@example.org"
        assert updated["unanswered_timeout_seconds"] == 60
        assert updated["allowed_origins"] == ["https://a.example", "https://b.example"]
        assert updated["messenger_settings"] == {"greeting": "Hi!"}
        response = await admin.client.patch(
            f"/api/v1/inboxes/{inbox['id']}", json={"email_address": None}
        )
        assert response.json()["email_address"] is None

    async def test_identity_is_required_only_with_a_secret(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        url = f"/api/v1/inboxes/{inbox['id']}"
        error = error_of(await admin.client.patch(url, json={"require_identity": True}), 422)
        assert fields_of(error) == {"require_identity"}
        error = error_of(await admin.client.patch(url, json={"identity_secret": "short"}), 422)
        assert fields_of(error) == {"identity_secret"}
        body = {"identity_secret": "s" * 32, "require_identity": True}
        response = await admin.client.patch(url, json=body)
        assert response.status_code == 200
        assert response.json()["require_identity"] is True
        # Removing the secret while it is required would lock every visitor out.
        error = error_of(await admin.client.patch(url, json={"identity_secret": None}), 422)
        assert fields_of(error) == {"identity_secret"}
        assert (await admin.client.get(url)).json()["identity_secret"] == "s" * 32
        both = {"identity_secret": None, "require_identity": False}
        assert (await admin.client.patch(url, json=both)).status_code == 200

    async def test_taken_address_is_409_and_nothing_else_changes(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        await desk.inbox(name="One", email_address="one@example.org")
        two = await desk.inbox(name="Two", email_address="two@example.org")
        response = await admin.client.patch(
            f"/api/v1/inboxes/{two['id']}",
            json={"name": "Renamed", "email_address": "one@example.org"},
        )
        error_of(response, 409, "address_taken")
        unchanged = (await admin.client.get(f"/api/v1/inboxes/{two['id']}")).json()
        assert unchanged["name"] == "Two"
        assert unchanged["email_address"] == "two@example.org"

    async def test_bad_updates_are_422(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        url = f"/api/v1/inboxes/{inbox['id']}"
        for body, field in [
            ({"name": ""}, "name"),
            ({"unanswered_timeout_seconds": 86_401}, "unanswered_timeout_seconds"),
            ({"allowed_origins": ["not a url"]}, "allowed_origins"),
            ({"messenger_settings": {"greeting": "x" * 501}}, "messenger_settings.greeting"),
            ({"public_key": "in_mine"}, "public_key"),
        ]:
            error = error_of(await admin.client.patch(url, json=body), 422, "invalid")
            assert field in fields_of(error), (body, error)
        assert (await admin.client.get(url)).json()["public_key"] == inbox["public_key"]


class TestMembers:
    @BOTH_STORES
    async def test_add_list_and_remove_members(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        ada = await desk.user(name="Ada")
        grace = await desk.user(name="Grace")
        url = f"/api/v1/inboxes/{inbox['id']}/members"
        for user in (grace, ada, ada):  # adding twice is harmless
            response = await admin.client.post(url, json={"user_id": user["id"]})
            assert response.status_code == 204, response.text
        members = (await admin.client.get(url)).json()
        assert [member["name"] for member in members] == ["Ada", "Grace"]
        removed = await admin.client.delete(f"{url}/{ada['id']}")
        assert (removed.status_code, removed.json()) == (200, {"unassigned_tickets": 0})
        assert [member["name"] for member in (await admin.client.get(url)).json()] == ["Grace"]

    async def test_a_member_sees_the_inbox_and_its_colleagues(self, desk: Desk) -> None:
        agent = await desk.agent()
        colleague = await desk.user()
        inbox = await desk.inbox(members=[agent, colleague])
        response = await agent.client.get(f"/api/v1/inboxes/{inbox['id']}/members")
        assert {member["id"] for member in response.json()} == {agent.id, colleague["id"]}

    @BOTH_STORES
    async def test_unknown_user_or_bad_body_changes_nothing(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        url = f"/api/v1/inboxes/{inbox['id']}/members"
        error = error_of(await admin.client.post(url, json={"user_id": 999999}), 404)
        assert "user" in error["message"]
        for body in ({}, {"user_id": "ada"}, {"user_id": admin.id, "role": "lead"}):
            error_of(await admin.client.post(url, json=body), 422, "invalid")
        error_of(await admin.client.delete(f"{url}/999999"), 404)
        assert await count_rows(desk.app, InboxMember) == 0
