"""What an agent sees of the other users, and what admins see: through GET /api/v1/users, one
user, and an inbox's members (docs/security.md, "What agents see of other users")."""

from __future__ import annotations

from typing import Any

from tests.conftest import SQLITE_ONLY, Desk

pytestmark = SQLITE_ONLY

COLLEAGUE = {"id", "name", "role", "is_active", "available_for_chat", "out_of_office"}
EVERYTHING = COLLEAGUE | {"email", "max_concurrent_chats", "two_factor_enabled", "email_signature"}


def by_id(users: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {user["id"]: user for user in users}


async def test_an_agent_sees_colleagues_without_their_sign_in_details(desk: Desk) -> None:
    inbox = await desk.inbox()
    agent = await desk.agent(inboxes=[inbox])
    other = await desk.user()
    admin = await desk.user(role="admin")
    await desk.add_member(inbox, other)
    seen = by_id((await agent.client.get("/api/v1/users")).json())
    for colleague in (other, admin):
        assert set(seen[colleague["id"]]) == COLLEAGUE
        assert seen[colleague["id"]]["name"] == colleague["name"]
    assert seen[admin["id"]]["role"] == "admin"
    # Themselves, in full.
    assert set(seen[agent.id]) == EVERYTHING
    one = (await agent.client.get(f"/api/v1/users/{other['id']}")).json()
    assert set(one) == COLLEAGUE
    assert (await agent.client.get(f"/api/v1/users/{agent.id}")).json()["email"] == agent.user[
        "email"
    ]
    members = by_id((await agent.client.get(f"/api/v1/inboxes/{inbox['id']}/members")).json())
    assert set(members[other["id"]]) == COLLEAGUE
    assert set(members[agent.id]) == EVERYTHING


async def test_admins_and_owners_see_everything_of_everyone(desk: Desk) -> None:
    inbox = await desk.inbox()
    other = await desk.user()
    await desk.add_member(inbox, other)
    for role in ("admin", "owner"):
        viewer = await desk.agent(role=role)
        seen = by_id((await viewer.client.get("/api/v1/users")).json())
        assert set(seen[other["id"]]) == EVERYTHING
        assert seen[other["id"]]["email"] == other["email"]
        assert seen[other["id"]]["two_factor_enabled"] is False
        one = (await viewer.client.get(f"/api/v1/users/{other['id']}")).json()
        assert set(one) == EVERYTHING
        members = (await viewer.client.get(f"/api/v1/inboxes/{inbox['id']}/members")).json()
        assert set(by_id(members)[other["id"]]) == EVERYTHING
