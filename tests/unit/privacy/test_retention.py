"""Retention on a frozen clock: an inbox's closed tickets go with their files `retention_days`
after closing; open, reopened and recently closed tickets stay, and so do other inboxes'."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from frontdesk.config import Settings
from frontdesk.files.models import StoredFile
from frontdesk.files.store import file_store
from frontdesk.privacy.models import Erasure, ErasureKind
from frontdesk.privacy.timers import apply_retention
from tests.clock import FrozenClock
from tests.conftest import Agent, Desk
from tests.mail.support import SUPPORT, post_mime, reply_mail
from tests.unit.support import count_rows, error_of, new_ticket, online

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, START)


async def anonymous_chat_kept_30_days(desk: Desk, visitors: Any) -> tuple[Any, Agent, int, int]:
    """An admin of Support, whose tickets are kept 30 days, and an anonymous visitor's ended
    chat: its customer record (Ann) has nothing but this ticket. The user (to sign in again once
    the clock has moved), the admin, the ticket's id and Ann's."""
    inbox = await desk.inbox(email_address=SUPPORT)
    user = await desk.user(role="admin")
    await desk.add_member(inbox, user)
    admin = await desk.login(user)
    await online(admin)
    changed = await admin.client.patch(
        f"/api/v1/inboxes/{inbox['id']}", json={"retention_days": 30}
    )
    assert changed.status_code == 200, changed.text
    visitor = await visitors(inbox)
    chat = await visitor.start_chat("Just a question", name="Anonymous Ann", email=None)
    assert (await admin.client.post(f"/api/v1/chats/{chat['id']}/join")).status_code == 200
    ended = await admin.client.post(f"/api/v1/chats/{chat['id']}/end")
    assert ended.status_code == 200, ended.text
    ticket_id = ended.json()["ticket_id"]
    chatted = await admin.client.get(f"/api/v1/tickets/{ticket_id}")
    return user, admin, ticket_id, chatted.json()["customer"]["id"]


async def ticket_with_file(agent: Agent, inbox: dict[str, Any], *, close: bool) -> dict[str, Any]:
    ticket = await new_ticket(agent.client, inbox, subject="Retention")
    upload = await agent.client.post(
        "/api/v1/uploads",
        params={"ticket_id": ticket["id"], "filename": "notes.txt"},
        content=b"private notes",
    )
    assert upload.status_code == 201, upload.text
    reply = await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={
            "text": "Here you are",
            "then": "close" if close else "send",
            "attachment_ids": [upload.json()["id"]],
        },
    )
    assert reply.status_code in (200, 201), reply.text
    return ticket


async def keys_of(app: FastAPI, ticket_id: int) -> list[str]:
    async with app.state.sessionmaker() as session:
        return list(
            await session.scalars(select(StoredFile.key).where(StoredFile.ticket_id == ticket_id))
        )


async def state_of(agent: Agent, ticket_id: int) -> int:
    return (await agent.client.get(f"/api/v1/tickets/{ticket_id}")).status_code


class TestRetention:
    async def test_old_closed_tickets_go_with_their_files_and_nothing_else(
        self, app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
    ) -> None:
        kept_forever = await desk.inbox(name="Sales")
        limited = await desk.inbox(name="Support")
        user = await desk.user(role="admin")
        for inbox in (kept_forever, limited):
            await desk.add_member(inbox, user)
        admin = await desk.login(user)
        changed = await admin.client.patch(
            f"/api/v1/inboxes/{limited['id']}", json={"retention_days": 30}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["retention_days"] == 30
        error_of(
            await admin.client.patch(
                f"/api/v1/inboxes/{limited['id']}", json={"retention_days": 0}
            ),
            422,
        )
        old = [await ticket_with_file(admin, limited, close=True) for _ in range(3)]
        still_open = await ticket_with_file(admin, limited, close=False)
        reopened = await ticket_with_file(admin, limited, close=True)
        other_inbox = await ticket_with_file(admin, kept_forever, close=True)
        clock.advance(days=20)
        admin = await desk.login(user)  # the session ran out meanwhile
        patched = await admin.client.patch(
            f"/api/v1/tickets/{reopened['id']}", json={"state": "open"}
        )
        assert patched.status_code == 200, patched.text
        clock.advance(days=5)
        admin = await desk.login(user)
        recent = await ticket_with_file(admin, limited, close=True)
        old_keys = [key for ticket in old for key in await keys_of(app, ticket["id"])]
        assert len(old_keys) == 3
        store = file_store(settings)

        clock.advance(days=6)  # the first ones closed 31 days ago, the last 6
        admin = await desk.login(user)
        # Two passes at once (two processes): they share the work, and neither fails.
        first, second = await asyncio.gather(
            apply_retention(app.state.sessionmaker, settings),
            apply_retention(app.state.sessionmaker, settings),
        )
        assert first + second == 3
        for ticket in old:
            assert await state_of(admin, ticket["id"]) == 404
        for key in old_keys:
            assert not await store.exists(key)
        for ticket in (still_open, reopened, recent, other_inbox):
            assert await state_of(admin, ticket["id"]) == 200
            (key,) = await keys_of(app, ticket["id"])
            assert await store.exists(key)
        async with app.state.sessionmaker() as session:
            records = (await session.scalars(select(Erasure))).all()
        assert {record.kind for record in records} == {ErasureKind.retention}
        assert {record.inbox_id for record in records} == {limited["id"]}
        assert sum(record.counts["tickets"] for record in records) == 3
        assert sum(record.counts["files"] for record in records) == 3
        # Nothing more is due; a later pass finds the recent one.
        assert await apply_retention(app.state.sessionmaker, settings) == 0
        clock.advance(days=25)
        assert await apply_retention(app.state.sessionmaker, settings) == 1
        admin = await desk.login(user)
        assert await state_of(admin, recent["id"]) == 404
        assert await count_rows(app, StoredFile) == 3

    async def test_no_retention_keeps_everything(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        http: httpx.AsyncClient,
        clock: FrozenClock,
    ) -> None:
        inbox = await desk.inbox()
        user = await desk.user(role="admin")
        await desk.add_member(inbox, user)
        ticket = await ticket_with_file(await desk.login(user), inbox, close=True)
        clock.advance(days=3650)
        assert await apply_retention(app.state.sessionmaker, settings) == 0
        admin = await desk.login(user)
        assert await state_of(admin, ticket["id"]) == 200
        got = await admin.client.get(f"/api/v1/inboxes/{inbox['id']}")
        assert got.json()["retention_days"] is None


class TestMailThatReachedNoTicket:
    async def test_refused_and_ignored_mail_goes_after_refused_mail_days(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        http: httpx.AsyncClient,
        clock: FrozenClock,
    ) -> None:
        assert settings.refused_mail_days == 30
        await desk.inbox(email_address=SUPPORT)
        unreadable = b"\x00\xff REFUSEDMAILTEXT is not an email at all"
        error_of(await post_mime(http, unreadable, to=[SUPPORT]), 422, "malformed_message")
        away = reply_mail(
            to=SUPPORT,
            text="I am away, AUTOREPLYTEXT.",
            sender="away@example.org",
            headers={"Auto-Submitted": "auto-replied"},
        )
        ignored = await post_mime(http, away, to=[SUPPORT])
        assert ignored.json()["status"] == "ignored", ignored.text
        kept = await post_mime(http, reply_mail(to=SUPPORT, text="A question"), to=[SUPPORT])
        assert kept.json()["status"] == "processed", kept.text
        clock.advance(days=29)
        recent = b"\x00\xff RECENTREFUSED"
        error_of(await post_mime(http, recent, to=[SUPPORT]), 422, "malformed_message")
        clock.advance(days=2)

        await apply_retention(app.state.sessionmaker, settings)
        admin = await desk.agent(role="admin")
        listed = (await admin.client.get("/api/v1/inbound")).json()
        assert sorted(item["status"] for item in listed) == ["failed", "processed"]
        everything = b""
        for item in listed:
            everything += (await admin.client.get(f"/api/v1/inbound/{item['id']}/raw")).content
        assert b"RECENTREFUSED" in everything
        assert b"REFUSEDMAILTEXT" not in everything
        async with app.state.sessionmaker() as session:
            (record,) = (await session.scalars(select(Erasure))).all()
        assert record.kind is ErasureKind.retention
        assert record.counts == {"mails_received": 2}
        # Kept for the days the settings say.
        shorter = settings.model_copy(update={"refused_mail_days": 1})
        await apply_retention(app.state.sessionmaker, shorter)
        listed = (await admin.client.get("/api/v1/inbound")).json()
        assert [item["status"] for item in listed] == ["processed"]


class TestCustomersLeftWithNothing:
    async def test_a_chat_only_customer_goes_with_their_last_ticket(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        http: httpx.AsyncClient,
        visitors: Any,
        clock: FrozenClock,
    ) -> None:
        user, admin, _ticket_id, ann = await anonymous_chat_kept_30_days(desk, visitors)
        mailed = await post_mime(http, reply_mail(to=SUPPORT, text="Hello"), to=[SUPPORT])
        closed = await admin.client.patch(
            f"/api/v1/tickets/{mailed.json()['ticket_id']}", json={"state": "closed"}
        )
        assert closed.status_code == 200, closed.text
        mail_ticket = await admin.client.get(f"/api/v1/tickets/{mailed.json()['ticket_id']}")
        cora = mail_ticket.json()["customer"]["id"]

        clock.advance(days=31)
        assert await apply_retention(app.state.sessionmaker, settings) == 2
        admin = await desk.login(user)
        error_of(await admin.client.get(f"/api/v1/customers/{ann}"), 404)
        # A customer with an address is the desk's customer list: kept.
        assert (await admin.client.get(f"/api/v1/customers/{cora}")).status_code == 200
        async with app.state.sessionmaker() as session:
            records = (await session.scalars(select(Erasure))).all()
        assert sum(record.counts.get("customers", 0) for record in records) == 1
