"""A customer's answer to a ticket of an agent away, received while the assignment timer works on
the same inbox (PostgreSQL, the two forced to overlap): the mail batch holds the ticket and wants
the inbox's assignment settings, the timer holds the settings and wants the ticket. Neither may
wait for the other: the batch gives the ticket back to the team without handing it out (the timer
holds the settings), and the timer's next pass hands it out (docs/routing.md, "Out of office")."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.assignment.out_of_office import AwayAssignees
from frontdesk.assignment.timers import assign_tickets
from frontdesk.chats import service as chats_service
from frontdesk.config import Settings
from frontdesk.tickets import service as tickets_service
from tests.conftest import POSTGRESQL_ONLY, Desk
from tests.mail.support import INBOUND_TOKEN, SUPPORT, post_mime, reply_mail, ticket_with_reply
from tests.unit.support import error_of, online, stop_at, use_cheap_passwords


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"inbound_token": INBOUND_TOKEN})


@POSTGRESQL_ONLY
async def test_a_mail_batch_and_the_assignment_timer_do_not_deadlock(
    app: FastAPI, desk: Desk, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    admin = await desk.agent(role="admin")
    settings = {"mode": "round_robin", "ticket_limit": 10, "reassign_after_minutes": None}
    await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/assignment", json=settings)
    ticket, _reply = await ticket_with_reply(admin, inbox, then="send")
    unassigned = await admin.client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": None}
    )
    assert unassigned.status_code == 200, unassigned.text
    await online(ada)
    await assign_tickets(app.state.sessionmaker)

    async def assignee() -> Any:
        return (await admin.client.get(f"/api/v1/tickets/{ticket['id']}")).json()["assignee_id"]

    assert await assignee() == ada.id
    assert (await ada.client.put("/api/v1/me/out-of-office", json={})).status_code == 200
    await online(bob)
    (row,) = (await admin.client.get("/api/v1/outbox")).json()

    # The batch stops holding the ticket, about to ask for the inbox's settings.
    answered, go_on = stop_at(monkeypatch, AwayAssignees, "handing")
    mail = reply_mail(
        to=row["headers"]["Reply-To"], text="Any news?", in_reply_to=row["message_id"]
    )
    batch = asyncio.create_task(post_mime(http, mail, to=[SUPPORT]))
    await answered.wait()
    # The timer stops holding the settings, about to lock the ticket.
    moving, move_on = stop_at(monkeypatch, tickets_service, "lock_ticket")
    timer = asyncio.create_task(assign_tickets(app.state.sessionmaker))
    await moving.wait()
    go_on.set()
    move_on.set()
    received, _ = await asyncio.gather(batch, timer)
    assert received.status_code < 300, received.text
    # Back to the team, and handed out by the timer (this round's next pass, or the next one).
    await assign_tickets(app.state.sessionmaker)
    assert await assignee() == bob.id


@POSTGRESQL_ONLY
async def test_going_online_while_an_absence_is_being_set_is_refused(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ada goes online while an owner sets her out of office: her request reads her row again
    under its lock, after the absence is written, and is refused; never away but available."""
    ada = await desk.agent(name="Ada")
    olga = await desk.agent(role="owner", name="Olga")
    # Both requests stop where they change her availability: the owner's holding her row.
    real = chats_service.set_availability
    arrived: list[asyncio.Event] = [asyncio.Event(), asyncio.Event()]
    release = asyncio.Event()

    async def held(*args: Any, **kwargs: Any) -> Any:
        arrived[0 if not arrived[0].is_set() else 1].set()
        await release.wait()
        return await real(*args, **kwargs)

    monkeypatch.setattr(chats_service, "set_availability", held)
    setting = asyncio.create_task(
        olga.client.put(f"/api/v1/users/{ada.id}/out-of-office", json={"note": "Sick"})
    )
    await arrived[0].wait()
    going_online = asyncio.create_task(
        ada.client.put("/api/v1/me/availability", json={"available": True})
    )
    await arrived[1].wait()
    release.set()
    set_, online_ = await asyncio.gather(setting, going_online)
    assert set_.status_code == 200, set_.text
    error_of(online_, 409, "out_of_office")
    me = (await ada.client.get("/api/v1/me")).json()
    assert (me["available_for_chat"], me["out_of_office"]["note"]) == (False, "Sick")
