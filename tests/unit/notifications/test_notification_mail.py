"""A notification email as it reaches the agent's mail server: its List-Unsubscribe header opens
the notification preferences at the desk's public address, its scheme as configured (RFC 2369),
and it offers no one-click unsubscribe (RFC 8058), which that page, behind a login, cannot
honour."""

from __future__ import annotations

from fastapi import FastAPI

from frontdesk.config import Settings
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import SmtpSink, deliver, with_smtp
from tests.unit.support import new_ticket

pytestmark = SQLITE_ONLY


async def test_a_notification_email_names_where_to_unsubscribe(
    desk: Desk, app: FastAPI, settings: Settings, sink: SmtpSink
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    chose = await bob.client.put(
        "/api/v1/notifications/preferences", json={"preferences": {"mentioned": {"email": True}}}
    )
    assert chose.status_code == 200, chose.text
    ticket = await new_ticket(ada.client, inbox, subject="Invoice")
    handle = bob.user["email"].split("@")[0]
    note = await ada.client.post(
        f"/api/v1/tickets/{ticket['id']}/notes", json={"text": f"@{handle} please check"}
    )
    assert note.status_code == 201, note.text

    assert await deliver(app, with_smtp(settings, sink)) == 1
    (mail,) = sink.received
    message = mail.message
    assert message["List-Unsubscribe"] == "<http://desk.test/preferences>"
    assert message["List-Unsubscribe-Post"] is None
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_body(("plain",))
    assert body is not None
    assert "http://desk.test/preferences" in body.get_content()
