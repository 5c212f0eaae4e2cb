"""A ticket's page holds its newest 100 entries, says how many came before, and gives more when
asked: a ticket's page costs the same whatever the ticket's age."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.unit.support import error_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY

NOTES = 104


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def get(agent: Agent, ticket_id: int, **params: Any) -> dict[str, Any]:
    response = await agent.client.get(f"/api/v1/tickets/{ticket_id}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_newest_hundred_entries_then_as_many_as_asked(desk: Desk) -> None:
    agent = await desk.agent()
    inbox = await desk.inbox(members=[agent])
    ticket = await new_ticket(agent.client, inbox, subject="A long story")
    for number in range(NOTES):
        note = await agent.client.post(
            f"/api/v1/tickets/{ticket['id']}/notes", json={"text": f"Note {number}"}
        )
        assert note.status_code == 201, note.text

    whole = await get(agent, ticket["id"], entries=10_000)
    assert whole["earlier_entries"] == 0
    every = [entry["id"] for entry in whole["entries"]]
    assert len(every) > 100
    assert whole["entries"][-1]["text"] == f"Note {NOTES - 1}"

    page = await get(agent, ticket["id"])
    assert [entry["id"] for entry in page["entries"]] == every[-100:]
    assert page["earlier_entries"] == len(every) - 100
    more = await get(agent, ticket["id"], entries=102)
    assert [entry["id"] for entry in more["entries"]] == every[-102:]
    assert more["earlier_entries"] == len(every) - 102
    for wrong in (0, 10_001, "all"):
        error_of(
            await agent.client.get(f"/api/v1/tickets/{ticket['id']}", params={"entries": wrong}),
            422,
            "invalid",
        )

    short = await new_ticket(agent.client, inbox, subject="Short")
    assert (await get(agent, short["id"]))["earlier_entries"] == 0
