"""inbox.updated over real WebSockets: an admin's change of an inbox's settings (its email
signature, its name) reaches the open desks of its members and of every admin at once, with the
inbox as they read it (never its identity secret); an agent of another inbox hears nothing, and
a change of nothing they read (the identity secret alone) is not told."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from frontdesk.inboxes.schemas import InboxRead
from frontdesk.realtime.catalogue import InboxSummary, keys_of
from tests.conftest import Desk
from tests.realtime import desk_socket, serve


@pytest.fixture
async def live(app: FastAPI) -> AsyncIterator[str]:
    async with serve(app) as host:
        yield host


def test_the_event_carries_the_inbox_as_an_agent_reads_it() -> None:
    assert keys_of(InboxSummary) == set(InboxRead.model_fields)


async def test_a_signature_edited_by_an_admin_reaches_the_inbox_desks_at_once(
    live: str, desk: Desk
) -> None:
    support, sales = await desk.inbox(name="Support"), await desk.inbox(name="Sales")
    ada = await desk.agent(inboxes=[support], name="Ada")
    sam = await desk.agent(inboxes=[sales], name="Sam")
    admin = await desk.agent(role="admin", name="Olive")
    ada_ws, sam_ws, admin_ws = [await desk_socket(live, who) for who in (ada, sam, admin)]

    path = f"/api/v1/inboxes/{support['id']}"
    # Only the secret: nothing a desk reads changed, so nothing is told.
    secret = await admin.client.patch(path, json={"identity_secret": "s" * 32})
    assert secret.status_code == 200, secret.text
    signed = await admin.client.patch(
        path, json={"email_signature": "{{agent.name}}\r\nSupport team"}
    )
    assert signed.status_code == 200, signed.text

    for sock in (ada_ws, admin_ws):
        heard = await sock.event("inbox.updated")
        assert heard["data"]["changes"] == ["email_signature"]
        assert heard["data"]["inbox"] == {
            key: value
            for key, value in (await ada.client.get(path)).json().items()
            if key != "identity_secret"
        }
        assert heard["data"]["inbox"]["email_signature"] == "{{agent.name}}\nSupport team"

    renamed = await admin.client.patch(
        f"/api/v1/inboxes/{sales['id']}", json={"name": "Sales & renewals"}
    )
    assert renamed.status_code == 200, renamed.text
    heard = await sam_ws.event("inbox.updated")
    assert (heard["data"]["inbox"]["name"], heard["data"]["changes"]) == (
        "Sales & renewals",
        ["name"],
    )
    # Events reach a socket in the order they were published: had Support's change reached
    # Sam, or the secret's, it would be here before Sales'.
    assert [frame["data"]["inbox"]["id"] for frame in sam_ws.of_type("inbox.updated")] == [
        sales["id"]
    ]
    await admin_ws.event("inbox.updated", changes=["name"])
    assert [frame["data"]["changes"] for frame in admin_ws.of_type("inbox.updated")] == [
        ["email_signature"],
        ["name"],
    ]
    for sock in (ada_ws, sam_ws, admin_ws):
        await sock.close()
