"""Migration 0093 lets `users.role` be `collaborator` (a light agent). Going down with one
present turns them into a deactivated agent, signed out, so nobody gains a right by a
downgrade; coming back up the role is taken again. Through the real HTTP boundary."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from frontdesk.db.migrate import downgrade, upgrade
from frontdesk.db.session import unit_of_work
from frontdesk.users.models import User
from tests.conftest import BOTH_STORES, Desk
from tests.unit.support import error_of, use_cheap_passwords

# The CHECK is changed per dialect (rebuilt on SQLite, replaced on PostgreSQL).
pytestmark = BOTH_STORES


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def make_light(desk: Desk, user_id: int) -> None:
    async with unit_of_work(desk.app.state.sessionmaker) as session:
        await session.execute(
            text("UPDATE users SET role = 'collaborator' WHERE id = :id"), {"id": user_id}
        )


async def test_a_light_agent_survives_0093_down_as_a_deactivated_agent_and_up_again(
    desk: Desk, database_url: str
) -> None:
    owner = await desk.agent(role="owner")
    light = await desk.agent(role="collaborator", name="Linus")
    agent = await desk.agent(role="agent", name="Grace")
    assert (await light.client.get("/api/v1/me")).json()["role"] == "collaborator"

    await asyncio.to_thread(downgrade, database_url, "0092")
    async with desk.app.state.sessionmaker() as session:
        rows = dict(
            (
                await session.execute(
                    select(User.id, User.is_active).where(User.id.in_([light.id, agent.id]))
                )
            ).all()
        )
    assert rows == {light.id: False, agent.id: True}
    # Signed out: their session is gone; the agent's is not.
    error_of(await light.client.get("/api/v1/me"), 401)
    assert (await agent.client.get("/api/v1/me")).status_code == 200
    # Below 0093 the CHECK refuses the role.
    with pytest.raises(IntegrityError):
        await make_light(desk, agent.id)

    await asyncio.to_thread(upgrade, database_url)
    made = await owner.client.patch(
        f"/api/v1/users/{light.id}", json={"role": "collaborator", "is_active": True}
    )
    assert made.status_code == 200, made.text
    assert made.json()["role"] == "collaborator"
    assert made.json()["is_active"] is True
