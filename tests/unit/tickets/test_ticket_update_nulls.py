"""`PATCH /tickets/{id}` and null: `assignee_id: null` unassigns, like `unassign: true`; a null
for a field that cannot be null is refused, naming the field, instead of changing nothing."""

from __future__ import annotations

import pytest

from tests.conftest import SQLITE_ONLY, Desk
from tests.unit.support import error_of, fields_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def test_assignee_id_null_unassigns(desk: Desk) -> None:
    agent = await desk.agent()
    inbox = await desk.inbox(members=[agent])
    ticket = await new_ticket(agent.client, inbox, assignee_id=agent.id)
    url = f"/api/v1/tickets/{ticket['id']}"
    response = await agent.client.patch(url, json={"assignee_id": None})
    assert response.status_code == 200, response.text
    assert response.json()["assignee_id"] is None
    shown = (await agent.client.get(url)).json()
    assert shown["assignee_id"] is None
    assert shown["entries"][-1]["text"].endswith("unassigned the ticket")
    # The other form, and leaving the field out, as before.
    await agent.client.patch(url, json={"assignee_id": agent.id})
    assert (await agent.client.patch(url, json={"state": "hold"})).json()["assignee_id"] == agent.id
    assert (await agent.client.patch(url, json={"unassign": True})).json()["assignee_id"] is None


async def test_null_where_a_field_cannot_be_null_is_422_and_changes_nothing(desk: Desk) -> None:
    agent = await desk.agent()
    inbox = await desk.inbox(members=[agent])
    admin = await desk.agent(role="admin")
    label = (await admin.client.post("/api/v1/labels", json={"name": "vip"})).json()
    ticket = await new_ticket(
        agent.client, inbox, subject="Keep me", assignee_id=agent.id, label_ids=[label["id"]]
    )
    url = f"/api/v1/tickets/{ticket['id']}"
    for field, words in [
        ("subject", "leave the field out"),
        ("state", "leave the field out"),
        ("priority", "leave the field out"),
        ("snoozed_until", "set the state to open"),
        ("label_ids", "send []"),
        ("inbox_id", "leave the field out"),
        ("unassign", "true or false"),
    ]:
        # Beside a change that is valid: the whole request is refused.
        valid = {"state": "hold"} if field == "subject" else {"subject": "Changed"}
        response = await agent.client.patch(url, json={field: None, **valid})
        error = error_of(response, 422, "invalid")
        assert fields_of(error) == {field}, (field, error)
        assert words in error["message"], (field, error)
    both = await agent.client.patch(url, json={"assignee_id": agent.id, "unassign": True})
    assert fields_of(error_of(both, 422, "invalid")) == {"unassign"}
    after = (await agent.client.get(url)).json()
    assert (after["subject"], after["state"], after["priority"]) == ("Keep me", "open", "normal")
    assert after["assignee_id"] == agent.id
    assert [lab["id"] for lab in after["labels"]] == [label["id"]]
