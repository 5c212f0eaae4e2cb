"""The messenger's /status says `proactive` exactly when the inbox has a message the messenger
may show: enabled, from an active full agent who is a member of the inbox (the rule of
GET /messenger/v1/proactive), after every kind of change that moves it. /status reads it in its
inbox's statement (chats/status_read.py `status_inbox`), with no state of its own to keep."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import BOTH_STORES, Agent, Desk
from tests.unit.proactive.test_proactive_api import URL, make, public
from tests.unit.support import use_cheap_passwords

pytestmark = BOTH_STORES


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def _ok(response: Any) -> Any:
    assert response.is_success, response.text
    return response.json() if response.content else None


async def test_status_says_proactive_exactly_when_one_is_offered(desk: Desk, http: Any) -> None:
    inbox = await desk.inbox()
    owner = await desk.agent(role="owner", name="Olga")
    ada = await desk.agent(inboxes=[inbox], name="Ada")

    async def offered() -> bool:
        """/status's answer, checked against what the messenger would be given."""
        status = await _ok(
            await http.get("/messenger/v1/status", params={"inbox": inbox["public_key"]})
        )
        assert status["proactive"] is bool(await public(http, inbox))
        return bool(status["proactive"])

    async def patch_user(agent: Agent, **body: Any) -> None:
        await _ok(await owner.client.patch(f"/api/v1/users/{agent.id}", json=body))

    assert not await offered()  # none at all
    made = await make(owner, inbox, ada, enabled=False)
    assert not await offered()  # created disabled
    message = f"{URL}/{made['id']}"
    await _ok(await owner.client.patch(message, json={"enabled": True}))
    assert await offered()
    await _ok(await owner.client.patch(message, json={"enabled": False}))
    assert not await offered()
    await _ok(await owner.client.patch(message, json={"enabled": True}))
    assert await offered()

    # Its sender deactivated, then back.
    await patch_user(ada, is_active=False)
    assert not await offered()
    await patch_user(ada, is_active=True)
    assert await offered()

    # Its sender made a light agent (who cannot chat), then a full agent again.
    await patch_user(ada, role="collaborator")
    assert not await offered()
    await patch_user(ada, role="agent")
    assert await offered()

    # Its sender taken out of the inbox, then another member chosen.
    await _ok(await owner.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{ada.id}"))
    assert not await offered()
    grace = await desk.agent(inboxes=[inbox], name="Grace")
    await _ok(await owner.client.patch(message, json={"sender_id": grace.id}))
    assert await offered()

    # A member of another inbox only is no sender here; the sender put back in the inbox is.
    await _ok(await owner.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{grace.id}"))
    assert not await offered()
    await _ok(
        await owner.client.post(
            f"/api/v1/inboxes/{inbox['id']}/members", json={"user_id": grace.id}
        )
    )
    assert await offered()

    # Another inbox's message says nothing of this one; deleted, nothing is left.
    sales = await desk.inbox(name="Sales")
    await make(owner, sales, await desk.agent(inboxes=[sales], name="Bob"))
    await _ok(await owner.client.delete(message))
    assert not await offered()
