"""Undo send: an agent's email reply held for a few seconds (their preference, or `undo_seconds`),
sent at its due time by the timer through the same path as an immediate reply, or taken back.
Over HTTP on both databases; the clock is frozen and moved, nothing waits for real seconds."""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import delete, event, text

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.files import timers as file_timers
from frontdesk.files.models import StoredFile
from frontdesk.mail.models import OutboxMessage
from frontdesk.pending_replies import due, service
from frontdesk.pending_replies.timers import send_due_replies
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import EntryKind, TicketEntry
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, POSTGRESQL_ONLY, SQLITE_ONLY, Agent, Desk
from tests.mail.support import SUPPORT
from tests.unit.support import count_rows, error_of, use_cheap_passwords

pytestmark = SQLITE_ONLY

START = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, START)


async def setup(desk: Desk, *, seconds: int = 10) -> tuple[Agent, dict[str, Any], dict[str, Any]]:
    """Ada, with Undo send at `seconds`, and a new ticket of a customer with an address."""
    inbox = await desk.inbox(name="Shop Support", email_address=SUPPORT)
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    if seconds:
        changed = await ada.client.patch(
            "/api/v1/me", json={"preferences": {"undo_send_seconds": seconds}}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["preferences"]["undo_send_seconds"] == seconds
    created = await ada.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org", "name": "Cora"},
            "subject": "Where is my parcel?",
        },
    )
    assert created.status_code == 201, created.text
    return ada, inbox, created.json()


async def replies_of(app: FastAPI, ticket: dict[str, Any]) -> int:
    return await count_rows(
        app,
        TicketEntry,
        TicketEntry.ticket_id == ticket["id"],
        TicketEntry.kind == EntryKind.reply,
    )


async def mails_of(app: FastAPI, ticket: dict[str, Any]) -> int:
    return await count_rows(app, OutboxMessage, OutboxMessage.ticket_id == ticket["id"])


async def reply(agent: Agent, ticket: dict[str, Any], **body: Any) -> Any:
    return await agent.client.post(
        f"/api/v1/tickets/{ticket['id']}/replies",
        json={"text": "It left the warehouse today.", **body},
    )


async def pending_of(agent: Agent, ticket: dict[str, Any]) -> list[dict[str, Any]]:
    listed = await agent.client.get(f"/api/v1/tickets/{ticket['id']}/pending-replies")
    assert listed.status_code == 200, listed.text
    rows: list[dict[str, Any]] = listed.json()
    return rows


async def read_one(agent: Agent, ticket: dict[str, Any], pending: dict[str, Any]) -> Any:
    return await agent.client.get(f"/api/v1/tickets/{ticket['id']}/pending-replies/{pending['id']}")


async def newest_entry(agent: Agent, ticket: dict[str, Any]) -> int:
    shown = (await agent.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
    return max(int(entry["id"]) for entry in shown["entries"])


async def undo(agent: Agent, ticket: dict[str, Any], pending: dict[str, Any]) -> Any:
    return await agent.client.delete(
        f"/api/v1/tickets/{ticket['id']}/pending-replies/{pending['id']}"
    )


class TestHolding:
    @BOTH_STORES
    async def test_off_by_default_a_reply_is_sent_at_once(
        self, app: FastAPI, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, _inbox, ticket = await setup(desk, seconds=0)
        me = (await ada.client.get("/api/v1/me")).json()
        assert me["preferences"]["undo_send_seconds"] == 0
        sent = await reply(ada, ticket)
        assert sent.status_code == 201, sent.text
        assert await replies_of(app, ticket) == 1
        assert await pending_of(ada, ticket) == []

    async def test_the_preference_takes_only_its_choices(self, desk: Desk) -> None:
        ada = await desk.agent()
        for wrong in (7, -5, True, "10"):
            refused = await ada.client.patch(
                "/api/v1/me", json={"preferences": {"undo_send_seconds": wrong}}
            )
            assert refused.status_code == 422, (wrong, refused.text)

    async def test_held_then_sent_at_its_due_time_as_an_immediate_reply_is(
        self, app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, _inbox, ticket = await setup(desk, seconds=10)
        held = await reply(ada, ticket, then="close", cc=["boss@example.org"])
        assert held.status_code == 202, held.text
        pending = held.json()
        assert pending["state"] == "pending"
        assert pending["delay_seconds"] == 10
        assert datetime.fromisoformat(pending["due_at"]) == START + timedelta(seconds=10)
        assert pending["cc"] == ["boss@example.org"]
        # Nothing of the reply yet: no entry, no mail, the state and assignee as they were.
        assert await replies_of(app, ticket) == 0
        assert await mails_of(app, ticket) == 0
        shown = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
        assert shown["state"] == "open"
        assert shown["assignee_id"] is None
        assert [row["id"] for row in await pending_of(ada, ticket)] == [pending["id"]]

        clock.advance(seconds=9)
        assert await send_due_replies(app.state.sessionmaker, settings) == 0
        assert await replies_of(app, ticket) == 0

        clock.advance(seconds=1)
        assert await send_due_replies(app.state.sessionmaker, settings) == 1
        assert await replies_of(app, ticket) == 1
        assert await mails_of(app, ticket) == 1
        shown = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
        assert shown["state"] == "closed"
        assert shown["assignee_id"] == ada.id
        assert shown["cc"] == ["boss@example.org"]
        (entry,) = [e for e in shown["entries"] if e["kind"] == "reply"]
        assert entry["author_user_id"] == ada.id
        assert datetime.fromisoformat(entry["created_at"]) == START + timedelta(seconds=10)
        assert await pending_of(ada, ticket) == []
        # Sent once: a second round finds nothing.
        assert await send_due_replies(app.state.sessionmaker, settings) == 0
        assert await replies_of(app, ticket) == 1

    @BOTH_STORES
    async def test_a_reply_that_would_be_refused_now_is_refused_at_once(
        self, app: FastAPI, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, _inbox, ticket = await setup(desk, seconds=10)
        refused = await reply(ada, ticket, cc=[SUPPORT])
        error_of(refused, 422)
        assert await pending_of(ada, ticket) == []

    @BOTH_STORES
    async def test_an_api_token_sends_at_once_unless_it_asks(
        self, app: FastAPI, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, _inbox, ticket = await setup(desk, seconds=30)
        created = await ada.client.post("/api/v1/me/tokens", json={"name": "script"})
        assert created.status_code == 201, created.text
        ada.client.headers["Authorization"] = f"Bearer {created.json()['token']}"
        ada.client.cookies.clear()
        now = await reply(ada, ticket)
        assert now.status_code == 201, now.text
        asked = await reply(ada, ticket, undo_seconds=5)
        assert asked.status_code == 202, asked.text
        assert asked.json()["delay_seconds"] == 5
        assert await replies_of(app, ticket) == 1


class TestUndo:
    async def test_undo_answers_the_reply_for_the_box_and_nothing_is_sent(
        self, app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, _inbox, ticket = await setup(desk, seconds=5)
        held = (
            await reply(
                ada, ticket, then="hold", cc=["boss@example.org"], bcc=["audit@example.org"]
            )
        ).json()
        clock.advance(seconds=3)
        undone = await undo(ada, ticket, held)
        assert undone.status_code == 200, undone.text
        body = undone.json()
        assert body["text"] == "It left the warehouse today."
        assert body["then"] == "hold"
        assert body["cc"] == ["boss@example.org"]
        assert body["bcc"] == ["audit@example.org"]
        assert await pending_of(ada, ticket) == []
        clock.advance(seconds=60)
        assert await send_due_replies(app.state.sessionmaker, settings) == 0
        assert await replies_of(app, ticket) == 0
        assert await mails_of(app, ticket) == 0
        # Undone, and kept a while: the same undo again (its answer lost) gets the text again,
        # and the desk can tell it from a sent one.
        again = await undo(ada, ticket, held)
        assert again.status_code == 200, again.text
        assert again.json()["text"] == "It left the warehouse today."
        assert again.json()["state"] == "undone"
        assert (await read_one(ada, ticket, held)).json()["state"] == "undone"

    async def test_undo_after_sending_is_a_409(
        self, app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, _inbox, ticket = await setup(desk, seconds=5)
        held = (await reply(ada, ticket)).json()
        clock.advance(seconds=5)
        assert await send_due_replies(app.state.sessionmaker, settings) == 1
        late = await undo(ada, ticket, held)
        error_of(late, 409, "reply_already_sent")
        assert await replies_of(app, ticket) == 1

    @BOTH_STORES
    async def test_what_became_of_a_reply_is_told_sent_or_undone(
        self, app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, _inbox, ticket = await setup(desk, seconds=5)
        sent = (await reply(ada, ticket)).json()
        clock.advance(seconds=5)
        assert await send_due_replies(app.state.sessionmaker, settings) == 1
        assert (await read_one(ada, ticket, sent)).json()["state"] == "sent"
        # Another agent's, or swept: not there.
        bob = await desk.agent(role="admin")
        error_of(await read_one(bob, ticket, sent), 404)

    async def test_another_agent_neither_sees_nor_undoes_it(
        self, app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, inbox, ticket = await setup(desk, seconds=10)
        held = (await reply(ada, ticket)).json()
        bob = await desk.agent(inboxes=[inbox], name="Bob")
        admin = await desk.agent(role="admin")
        for other in (bob, admin):
            assert await pending_of(other, ticket) == []
            assert (await other.client.get("/api/v1/me/pending-replies")).json() == []
            error_of(await undo(other, ticket, held), 404)
        clock.advance(seconds=10)
        assert await send_due_replies(app.state.sessionmaker, settings) == 1
        assert await replies_of(app, ticket) == 1


class TestSendingChecksAgain:
    async def test_an_agent_taken_out_of_the_inbox_meanwhile_sends_nothing(
        self, app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, inbox, ticket = await setup(desk, seconds=10)
        held = (await reply(ada, ticket)).json()
        admin = await desk.agent(role="admin")
        removed = await admin.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{ada.id}")
        assert removed.status_code == 200, removed.text
        clock.advance(seconds=10)
        assert await send_due_replies(app.state.sessionmaker, settings) == 1
        assert await replies_of(app, ticket) == 0
        assert await mails_of(app, ticket) == 0
        # She learns it from her own list, though she no longer sees the ticket, and takes the
        # text back.
        (failed,) = (await ada.client.get("/api/v1/me/pending-replies")).json()
        assert failed["id"] == held["id"]
        assert failed["state"] == "failed"
        assert failed["error"]["code"] == "ticket_not_visible"
        taken = await undo(ada, ticket, held)
        assert taken.status_code == 200, taken.text
        assert taken.json()["text"] == "It left the warehouse today."

    async def test_a_deactivated_agent_sends_nothing(
        self, app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, _inbox, ticket = await setup(desk, seconds=10)
        await reply(ada, ticket)
        admin = await desk.agent(role="admin")
        off = await admin.client.patch(f"/api/v1/users/{ada.id}", json={"is_active": False})
        assert off.status_code == 200, off.text
        clock.advance(seconds=10)
        assert await send_due_replies(app.state.sessionmaker, settings) == 1
        assert await replies_of(app, ticket) == 0
        assert await mails_of(app, ticket) == 0


class TestSendingGoesOn:
    async def test_an_unexpected_error_fails_that_reply_and_the_others_go_out(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        ada, _inbox, ticket = await setup(desk, seconds=5)
        broken = (await reply(ada, ticket, text="Broken one")).json()
        await reply(ada, ticket, text="Fine one")
        real_add_reply = tickets_service.add_reply

        async def add_reply(session: Any, **kwargs: Any) -> Any:
            if kwargs["text"] == "Broken one":
                raise RuntimeError("a bug of ours")
            return await real_add_reply(session, **kwargs)

        monkeypatch.setattr(tickets_service, "add_reply", add_reply)
        clock.advance(seconds=5)
        with caplog.at_level(logging.ERROR, logger="frontdesk.pending_replies.timers"):
            assert await send_due_replies(app.state.sessionmaker, settings) == 2
        assert "a bug of ours" in caplog.text
        assert await replies_of(app, ticket) == 1
        (failed,) = await pending_of(ada, ticket)
        assert failed["id"] == broken["id"]
        assert failed["state"] == "failed"
        assert failed["error"]["code"] == "internal_error"
        # Recorded once: the next round has nothing left to do.
        clock.advance(seconds=1)
        assert await send_due_replies(app.state.sessionmaker, settings) == 0

    async def test_an_idle_process_opens_no_transaction(
        self, app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, _inbox, ticket = await setup(desk, seconds=5)
        begun: list[object] = []
        engine = app.state.engine.sync_engine

        def began(connection: object) -> None:
            begun.append(connection)

        event.listen(engine, "begin", began)
        try:
            assert await send_due_replies(app.state.sessionmaker, settings) == 0
            assert begun
            begun.clear()
            for _ in range(3):
                clock.advance(seconds=1)
                assert await send_due_replies(app.state.sessionmaker, settings) == 0
            assert begun == []
            # A reply held here is sent at its due time, not a poll later.
            await reply(ada, ticket)
            begun.clear()
            clock.advance(seconds=4)
            assert await send_due_replies(app.state.sessionmaker, settings) == 0
            assert begun == []
            clock.advance(seconds=1)
            assert await send_due_replies(app.state.sessionmaker, settings) == 1
        finally:
            event.remove(engine, "begin", began)


class TestStaleAtSending:
    async def test_a_reply_answered_by_another_agent_meanwhile_is_not_sent(
        self, app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, inbox, ticket = await setup(desk, seconds=30)
        bob = await desk.agent(inboxes=[inbox], name="Bob")
        first = await reply(bob, ticket, text="Looking into it.", undo_seconds=0)
        assert first.status_code == 201, first.text
        seen = await newest_entry(ada, ticket)
        held = (await reply(ada, ticket, seen_entry_id=seen)).json()
        # Ada's second thought, held too: her own first reply does not make it stale.
        second = (
            await reply(ada, ticket, text="And a tracking number.", seen_entry_id=seen)
        ).json()
        clock.advance(seconds=30)
        assert await send_due_replies(app.state.sessionmaker, settings) == 2
        assert await replies_of(app, ticket) == 3
        assert await pending_of(ada, ticket) == []
        # Bob answers while her next one waits: it is not sent over his.
        seen = await newest_entry(ada, ticket)
        late = (await reply(ada, ticket, text="Anything else?", seen_entry_id=seen)).json()
        answered = await reply(bob, ticket, text="Done here.", undo_seconds=0)
        assert answered.status_code == 201, answered.text
        clock.advance(seconds=30)
        assert await send_due_replies(app.state.sessionmaker, settings) == 1
        assert await replies_of(app, ticket) == 4
        (failed,) = await pending_of(ada, ticket)
        assert failed["id"] == late["id"]
        assert failed["error"]["code"] == "stale_thread"
        assert held["id"] != second["id"]


async def upload(agent: Agent, ticket: dict[str, Any]) -> dict[str, Any]:
    uploaded = await agent.client.post(
        "/api/v1/uploads",
        params={"ticket_id": ticket["id"], "filename": "notes.txt"},
        content=b"hello",
        headers={"Content-Type": "text/plain"},
    )
    assert uploaded.status_code == 201, uploaded.text
    return dict(uploaded.json())


class TestAttachments:
    @BOTH_STORES
    async def test_a_failed_reply_says_which_uploads_the_sweep_took(
        self, app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, inbox, ticket = await setup(desk, seconds=10)
        file = await upload(ada, ticket)
        held = (await reply(ada, ticket, attachment_ids=[file["id"]])).json()
        assert held["attachments_gone"] == 0
        admin = await desk.agent(role="admin")
        removed = await admin.client.delete(f"/api/v1/inboxes/{inbox['id']}/members/{ada.id}")
        assert removed.status_code == 200, removed.text
        clock.advance(seconds=10)
        assert await send_due_replies(app.state.sessionmaker, settings) == 1
        # Failed, it no longer holds its upload: a day later the sweep takes it.
        late = START + timedelta(hours=settings.unsent_upload_hours, seconds=11)
        assert (
            await file_timers.delete_unsent_uploads(app.state.sessionmaker, settings, now=late) == 1
        )
        taken = (await undo(ada, ticket, held)).json()
        assert taken["attachments"] == []
        assert taken["attachments_gone"] == 1

    async def test_an_upload_held_by_a_pending_reply_survives_the_sweep_and_is_sent(
        self, app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, _inbox, ticket = await setup(desk, seconds=30)
        uploaded = await ada.client.post(
            "/api/v1/uploads",
            params={"ticket_id": ticket["id"], "filename": "invoice.pdf"},
            content=b"%PDF-1.4\n" + b"x" * 100 + b"\n%%EOF\n",
            headers={"Content-Type": "application/pdf"},
        )
        assert uploaded.status_code == 201, uploaded.text
        file = uploaded.json()
        held = (await reply(ada, ticket, attachment_ids=[file["id"]])).json()
        assert [f["id"] for f in held["attachments"]] == [file["id"]]
        # The sweep of unsent uploads, as late as it gets: the held file is not unsent.
        late = START + timedelta(hours=settings.unsent_upload_hours, seconds=1)
        assert (
            await file_timers.delete_unsent_uploads(app.state.sessionmaker, settings, now=late) == 0
        )
        assert await count_rows(app, StoredFile, StoredFile.id == file["id"]) == 1
        clock.advance(seconds=30)
        assert await send_due_replies(app.state.sessionmaker, settings) == 1
        shown = (await ada.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
        (entry,) = [e for e in shown["entries"] if e["kind"] == "reply"]
        assert [f["id"] for f in entry["data"]["attachments"]] == [file["id"]]

    async def test_undone_the_upload_waits_in_the_box_again(
        self, app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, _inbox, ticket = await setup(desk, seconds=30)
        uploaded = await ada.client.post(
            "/api/v1/uploads",
            params={"ticket_id": ticket["id"], "filename": "notes.txt"},
            content=b"hello",
            headers={"Content-Type": "text/plain"},
        )
        file = uploaded.json()
        held = (await reply(ada, ticket, attachment_ids=[file["id"]])).json()
        # Held: not taken by a second reply meanwhile.
        error_of(await reply(ada, ticket, attachment_ids=[file["id"]], undo_seconds=0), 422)
        undone = (await undo(ada, ticket, held)).json()
        assert [f["id"] for f in undone["attachments"]] == [file["id"]]
        again = await reply(ada, ticket, attachment_ids=[file["id"]], undo_seconds=0)
        assert again.status_code == 201, again.text


async def waiting_for_a_lock(app: FastAPI) -> None:
    """Until a connection of this database waits for a row lock (PostgreSQL's own view)."""
    for _ in range(2000):
        async with app.state.sessionmaker() as session:
            waiting = await session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            )
        if waiting:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("nothing waited for the reply's lock")


@POSTGRESQL_ONLY
class TestRaces:
    async def test_an_upload_swept_while_its_reply_is_held_is_a_422(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        ada, _inbox, ticket = await setup(desk, seconds=30)
        file = await upload(ada, ticket)
        real_prepare = tickets_service.prepare_reply

        async def swept_meanwhile(session: Any, **kwargs: Any) -> Any:
            prepared = await real_prepare(session, **kwargs)
            # The sweep of unsent uploads commits between the check and the holding.
            async with app.state.sessionmaker() as other, other.begin():
                await other.execute(delete(StoredFile).where(StoredFile.id == file["id"]))
            return prepared

        monkeypatch.setattr(tickets_service, "prepare_reply", swept_meanwhile)
        refused = await reply(ada, ticket, attachment_ids=[file["id"]])
        error_of(refused, 422)
        assert await pending_of(ada, ticket) == []

    async def test_two_processes_send_a_due_reply_once(
        self, app: FastAPI, settings: Settings, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, _inbox, ticket = await setup(desk, seconds=5)
        for n in range(3):
            assert (await reply(ada, ticket, text=f"Reply {n}")).status_code == 202
        clock.advance(seconds=5)
        counts = await asyncio.gather(
            send_due_replies(app.state.sessionmaker, settings),
            send_due_replies(app.state.sessionmaker, settings),
        )
        assert sum(counts) == 3
        assert await replies_of(app, ticket) == 3
        assert await mails_of(app, ticket) == 3

    async def test_a_reply_held_while_the_timer_reads_is_sent_at_its_due_time(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """A reply held (committed, and so expected) while the timer reads when the next reply
        is due, after that read's snapshot: the answer, which does not have it, does not make
        the process forget it, and it goes out at its due time, not a poll later."""
        ada, _inbox, ticket = await setup(desk, seconds=5)
        real_next_due = service.next_due
        held: list[Any] = []

        async def held_meanwhile(session: Any) -> Any:
            found = await real_next_due(session)
            held.append(await reply(ada, ticket))
            return found

        monkeypatch.setattr(service, "next_due", held_meanwhile)
        assert await send_due_replies(app.state.sessionmaker, settings) == 0
        monkeypatch.setattr(service, "next_due", real_next_due)
        (response,) = held
        assert response.status_code == 202, response.text
        clock.advance(seconds=5)
        assert await send_due_replies(app.state.sessionmaker, settings) == 1
        assert await replies_of(app, ticket) == 1

    async def test_undo_racing_the_timer_has_exactly_one_outcome(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        clock: FrozenClock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Each order forced: the undo arrives while the sending holds the reply's lock (it
        waits, then is refused), and the sending comes while the undo holds it (it skips the
        reply, which stays undone)."""
        ada, _inbox, ticket = await setup(desk, seconds=5)
        real_send = service._send
        real_undo = service.undo

        # The timer first: the DELETE is sent while the sending holds the row, and the sending
        # goes on only once PostgreSQL shows the DELETE waiting for that lock.
        held = (await reply(ada, ticket)).json()
        racing: list[asyncio.Task[Any]] = []

        async def send_while_undone(session: Any, pending: Any) -> Any:
            racing.append(asyncio.create_task(undo(ada, ticket, held)))
            await waiting_for_a_lock(app)
            return await real_send(session, pending)

        monkeypatch.setattr(service, "_send", send_while_undone)
        clock.advance(seconds=5)
        assert await send_due_replies(app.state.sessionmaker, settings) == 1
        (late,) = racing
        error_of(await late, 409, "reply_already_sent")
        assert await replies_of(app, ticket) == 1
        monkeypatch.setattr(service, "_send", real_send)

        # The undo first: while it holds the row, a round finds nothing to send.
        held = (await reply(ada, ticket)).json()
        clock.advance(seconds=5)
        rounds: list[int] = []

        async def undo_while_sent(session: Any, **kwargs: Any) -> Any:
            undone = await real_undo(session, **kwargs)
            rounds.append(await send_due_replies(app.state.sessionmaker, settings))
            return undone

        monkeypatch.setattr(service, "undo", undo_while_sent)
        first = await undo(ada, ticket, held)
        assert first.status_code == 200, first.text
        assert rounds == [0]
        assert await send_due_replies(app.state.sessionmaker, settings) == 0
        assert await replies_of(app, ticket) == 1
        assert await pending_of(ada, ticket) == []


class TestRetries:
    async def test_a_retried_held_reply_is_held_once(
        self, app: FastAPI, desk: Desk, clock: FrozenClock
    ) -> None:
        ada, _inbox, ticket = await setup(desk, seconds=10)
        key = {"Idempotency-Key": "reply-1"}
        first = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Hello"}, headers=key
        )
        again = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "Hello"}, headers=key
        )
        assert first.status_code == again.status_code == 202, again.text
        assert first.json()["id"] == again.json()["id"]
        assert len(await pending_of(ada, ticket)) == 1


class TestDueReplies:
    async def test_a_reply_expected_while_reading_is_kept_and_an_earlier_answer_wins(
        self,
    ) -> None:
        """What the loop knows after a look is the earliest of the database's answer and the
        replies held meanwhile (pending_replies/due.py), whichever came first."""
        known = due.DueReplies()
        soon, later = START + timedelta(seconds=5), START + timedelta(seconds=9)

        async def read(answer: datetime | None, held: datetime) -> datetime | None:
            # The answer's snapshot misses the reply held while it was read.
            known.expect(held)
            return answer

        await known.look(read(None, soon), at=START)
        assert known.next_due == soon
        assert known.idle(now=soon - timedelta(seconds=1))
        assert not known.idle(now=soon)
        await known.look(read(soon, later), at=START)
        assert known.next_due == soon
        # A look with nothing held meanwhile takes the answer as it is.
        await known.look(read_nothing(), at=START)
        assert known.next_due is None


async def read_nothing() -> datetime | None:
    return None


@asynccontextmanager
async def other_app(
    settings: Settings, sqlite_template: Path, tmp_path: Path
) -> AsyncIterator[tuple[FastAPI, Settings]]:
    """A second app of the process, on a database of its own."""
    other_path = tmp_path / "other.db"
    shutil.copyfile(sqlite_template, other_path)
    other_settings = settings.model_copy(
        update={"database_url": f"sqlite+aiosqlite:///{other_path}"}
    )
    other = create_app(other_settings, run_loops=False)
    async with other.router.lifespan_context(other):
        yield other, other_settings


class TestTwoApps:
    async def test_two_apps_on_two_databases_each_sweep_their_own(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        clock: FrozenClock,
        sqlite_template: Path,
        tmp_path: Path,
    ) -> None:
        """What the sending loop knows (its last look, the next due time, its last sweep) is each
        app's: another app of the process, on another database, sweeping a moment before does
        not stop this one's sweep (pending_replies/due.py)."""
        async with other_app(settings, sqlite_template, tmp_path) as (other, other_settings):
            there = Desk(other)
            try:
                ada, _inbox, ticket = await setup(there, seconds=5)
                sent = (await reply(ada, ticket)).json()
                clock.advance(seconds=5)
                assert await send_due_replies(other.state.sessionmaker, other_settings) == 1
                assert (await read_one(ada, ticket, sent)).json()["state"] == "sent"
                # Past the time a sent reply's row is kept: the first app's round sweeps its own
                # database, then the other app's round sweeps the other's.
                clock.advance(seconds=(service.KEEP_SENT + timedelta(minutes=2)).total_seconds())
                assert await send_due_replies(app.state.sessionmaker, settings) == 0
                assert await send_due_replies(other.state.sessionmaker, other_settings) == 0
                error_of(await read_one(ada, ticket, sent), 404)
            finally:
                await there.close()

    async def test_a_reply_held_in_one_app_leaves_the_others_next_due_alone(
        self,
        app: FastAPI,
        settings: Settings,
        desk: Desk,
        clock: FrozenClock,
        sqlite_template: Path,
        tmp_path: Path,
    ) -> None:
        """A reply held through this app is expected by this app alone: the other app, which
        looked a moment ago and has nothing due, still opens no transaction at its due time,
        and this app sends it then."""
        ada, _inbox, ticket = await setup(desk, seconds=5)
        async with other_app(settings, sqlite_template, tmp_path) as (other, other_settings):
            assert await send_due_replies(app.state.sessionmaker, settings) == 0
            assert await send_due_replies(other.state.sessionmaker, other_settings) == 0
            assert (await reply(ada, ticket)).status_code == 202
            begun: list[object] = []
            engine = other.state.engine.sync_engine

            def began(connection: object) -> None:
                begun.append(connection)

            event.listen(engine, "begin", began)
            try:
                clock.advance(seconds=5)
                assert await send_due_replies(other.state.sessionmaker, other_settings) == 0
                assert begun == []
            finally:
                event.remove(engine, "begin", began)
            assert await send_due_replies(app.state.sessionmaker, settings) == 1
            assert await replies_of(app, ticket) == 1
