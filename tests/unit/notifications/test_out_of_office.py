"""While an agent is out of office the bell keeps what happened, even of a kind whose bell they
turned off, but no push or notification email follows them (docs/notifications.md, "Out of
office"); back, their choices hold again."""

from __future__ import annotations

from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.notifications.push import deliver_push
from tests.conftest import SQLITE_ONLY, Desk
from tests.mail.support import SmtpSink, deliver, with_smtp
from tests.unit.notifications.support import Browser, PushService, bell, subscribe
from tests.unit.support import new_ticket

pytestmark = SQLITE_ONLY


async def test_away_the_bell_keeps_them_but_no_push_or_email_goes_out(
    app: FastAPI, desk: Desk, settings: Settings, push_service: PushService, sink: SmtpSink
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    # Mentions by push and email only, not in the bell.
    only_away = {"mentioned": {"in_app": False, "email": True}}
    chose = await ada.client.put(
        "/api/v1/notifications/preferences", json={"preferences": only_away}
    )
    assert chose.status_code == 200, chose.text
    await subscribe(ada, Browser(), f"{push_service.origin}/push/ada")
    ticket = await new_ticket(bob.client, inbox, subject="Invoice")
    handle = ada.user["email"].split("@")[0]

    async def mention() -> None:
        note = await bob.client.post(
            f"/api/v1/tickets/{ticket['id']}/notes", json={"text": f"@{handle} please check"}
        )
        assert note.status_code == 201, note.text

    assert (await ada.client.put("/api/v1/me/out-of-office", json={})).status_code == 200
    await mention()
    assert [item["kind"] for item in (await bell(ada))["items"]] == ["mentioned"]
    assert await deliver_push(app.state.sessionmaker, settings) == 0
    await deliver(app, with_smtp(settings, sink))
    assert [m for m in sink.received if ada.user["email"] in m.rcpt_tos] == []

    # Back: the next one reaches her browser and her mailbox too.
    assert (await ada.client.delete("/api/v1/me/out-of-office")).status_code == 200
    await mention()
    assert len((await bell(ada))["items"]) == 1
    assert await deliver_push(app.state.sessionmaker, settings) == 1
    await deliver(app, with_smtp(settings, sink))
    assert len([m for m in sink.received if ada.user["email"] in m.rcpt_tos]) == 1
