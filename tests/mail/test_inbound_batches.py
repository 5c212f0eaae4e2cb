"""Inbound mail stored in batches: every message of a batch gets the outcome it would have alone,
matching reads the database once per batch, the listener's writer shares a transaction between
the deliveries that wait together, and one message that cannot be stored sinks none of the others.
"""

from __future__ import annotations

import asyncio
import smtplib
from email import message_from_bytes
from typing import Any

import httpx
import pytest
from aiosmtpd.smtp import Envelope
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from frontdesk.db.session import unit_of_work
from frontdesk.mail import inbound as parsing
from frontdesk.mail import receiving
from frontdesk.mail.errors import MalformedMessage, Unprocessable, Unroutable
from frontdesk.mail.listener import InboundListener
from frontdesk.mail.models import InboundMessage, InboundStatus
from frontdesk.mail.receiving import Delivery, InboundResult
from frontdesk.mail.writer import InboundWriter
from frontdesk.tickets.models import TicketEntry
from tests.conftest import Desk
from tests.mail.support import (
    CUSTOMER,
    QUOTED,
    SUPPORT,
    answered_ticket,
    inbound_entries,
    outbox,
    post_mime,
    reply_mail,
    send_to_listener,
    ticket_of,
    ticket_with_reply,
)
from tests.unit.support import count_rows, error_of, statements, verbs

BROKEN = b"\x00\xff this is not an email at all"


def message_id_of(raw: bytes) -> str:
    return str(message_from_bytes(raw)["Message-ID"])


def delivery(raw: bytes, *recipients: str) -> Delivery:
    return Delivery(raw, list(recipients), CUSTOMER, "smtp")


async def replies_to_tickets(desk: Desk, count: int, *, then: str) -> list[Delivery]:
    """`count` tickets answered by Ada, and a customer's reply to each: to the reply address for
    even ones, by In-Reply-To only for odd ones."""
    ada, inbox, _ticket, _sent = await answered_ticket(desk, then=then)
    for number in range(count - 1):
        await ticket_with_reply(ada, inbox, then=then, email=f"c{number}@example.org")
    admin = await desk.agent(role="admin")
    sent = await outbox(admin)  # Ada's replies, nothing else
    deliveries = []
    for index, row in enumerate(sent[:count]):
        sender = row["recipients"][0]
        if index % 2 == 0:
            to = row["headers"]["Reply-To"]
            raw = reply_mail(to=to, text=f"Reply {index}." + QUOTED, sender=sender)
        else:
            to = SUPPORT
            raw = reply_mail(
                to=to, text=f"Reply {index}.", sender=sender, in_reply_to=row["message_id"]
            )
        deliveries.append(Delivery(raw, [to], sender, "smtp"))
    return deliveries


async def inbound_records(app: FastAPI) -> list[InboundMessage]:
    async with app.state.sessionmaker() as session:
        query = select(InboundMessage).options(undefer(InboundMessage.raw))
        return list((await session.scalars(query.order_by(InboundMessage.id))).all())


class TestReceiveInboundBatch:
    async def test_each_message_gets_the_outcome_it_would_have_alone(
        self, app: FastAPI, desk: Desk
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk, then="close")
        reply_to = sent["headers"]["Reply-To"]
        first = reply_mail(to=reply_to, text="First answer." + QUOTED)
        # Answers the customer's own first message: found through the entry written just before.
        follow_up = reply_mail(
            to=SUPPORT, text="And another thing.", in_reply_to=message_id_of(first)
        )
        stranger = reply_mail(to="nobody@elsewhere.example", text="Hello?")
        async with unit_of_work(app.state.sessionmaker) as session:
            outcomes = await receiving.receive_inbound_batch(
                session,
                [
                    delivery(first, reply_to),
                    delivery(first, reply_to),
                    delivery(follow_up, SUPPORT),
                    delivery(BROKEN, reply_to),
                    delivery(stranger, "nobody@elsewhere.example"),
                ],
            )

        answered, again, follow, broken, unknown = outcomes
        assert isinstance(answered, InboundResult)
        assert (answered.status, answered.matched_by, answered.reopened) == (
            InboundStatus.processed, "reply address", True,
        )  # fmt: skip
        assert isinstance(again, InboundResult)
        assert again.status is InboundStatus.ignored
        assert again.reason == f"already received (entry {answered.entry_id})"
        assert isinstance(follow, InboundResult)
        assert (follow.ticket_id, follow.matched_by) == (ticket["id"], "thread")
        assert follow.reopened is False  # the first reply reopened it already
        assert isinstance(broken, MalformedMessage)
        assert isinstance(unknown, Unroutable)

        records = await inbound_records(app)
        assert [record.status for record in records] == [
            InboundStatus.processed,
            InboundStatus.ignored,
            InboundStatus.processed,
            InboundStatus.failed,
            InboundStatus.rejected,
        ]
        assert [broken.inbound_id, unknown.inbound_id] == [records[3].id, records[4].id]
        assert records[3].raw == BROKEN
        after = await ticket_of(ada, ticket["id"])
        assert after["state"] == "open"
        assert [entry["text"] for entry in inbound_entries(after)] == [
            "First answer.",
            "And another thing.",
        ]

    async def test_matching_reads_the_database_once_per_batch(
        self, app: FastAPI, desk: Desk
    ) -> None:
        deliveries = await replies_to_tickets(desk, 4, then="send")
        # Besides each ticket's assignee, a member of the inbox and an admin follow every ticket:
        # three people told of each reply, two of whose inboxes are read.
        admin = await desk.agent(role="admin")
        tickets = (await admin.client.get("/api/v1/tickets")).json()["items"]
        assert len(tickets) == len(deliveries)
        bob = await desk.agent(inboxes=[{"id": tickets[0]["inbox_id"]}], name="Bob")
        for follower in (bob, admin):
            for ticket in tickets:
                followed = await follower.client.put(f"/api/v1/tickets/{ticket['id']}/follow")
                assert followed.status_code == 200, followed.text
        with statements(app) as statements_sent:
            async with unit_of_work(app.state.sessionmaker) as session:
                outcomes = await receiving.receive_inbound_batch(session, deliveries)
        sent = verbs(statements_sent)
        assert all(
            isinstance(outcome, InboundResult) and outcome.status is InboundStatus.processed
            for outcome in outcomes
        ), outcomes
        for person in (bob, admin):
            bell = (await person.client.get("/api/v1/notifications")).json()["items"]
            assert sorted(item["ticket_id"] for item in bell) == sorted(t["id"] for t in tickets)
        # Entries by Message-ID, their tickets, the customers' addresses, the text of our mails
        # they answer (for the visible-text extractor): once for all four. Then telling the
        # tickets' assignees (docs/notifications.md): followers, people, their inboxes, their
        # choices, once for the batch, and their bells' unread counts and the push subscriptions
        # to queue for, once for the batch too; per message, the conversation's clock
        # (metrics/record.py); the SLA policies once for the batch (docs/routing.md, SLAs); the
        # enabled rules once, to answer the customers' replies (docs/routing.md, Rules); the
        # enabled webhooks once, to queue the new messages' deliveries (docs/webhooks.md), a read
        # that runs on the driver's own connection (webhooks/capture.py), where SQLAlchemy's
        # events, and so this count, do not see it; the blocked senders among the batch's
        # senders, once (docs/email.md, "Blocked senders"); the assignees out of office, once
        # (docs/routing.md, "Out of office"); the side conversations' messages the batch carries
        # or answers, once (docs/email.md, "Side conversations").
        assert sent.count("SELECT") == 4 + 2 + 4 + 1 + 1 + 1 + 1 + 1 + len(deliveries)
        # Per message: the entry, the ticket's updated_at, the record of what arrived, and its
        # conversation clock moved on. Added together, in one statement on PostgreSQL and one
        # per row through our SQLite connection (no multi-row INSERT … RETURNING there): the
        # customers' messages as metric moments (inserted at the commit), and the assignees'
        # notifications.
        if app.state.engine.dialect.name == "postgresql":
            together = 1 + 1
        else:
            together = len(deliveries) + 3 * len(deliveries)
        assert sent.count("INSERT") + sent.count("UPDATE") == 4 * len(deliveries) + together


class TestInboundWriter:
    @pytest.fixture
    def batches(self, monkeypatch: pytest.MonkeyPatch) -> list[int]:
        """The size of every batch the writer hands to the service."""
        sizes: list[int] = []
        real = receiving.receive_inbound_batch

        async def spy(session: AsyncSession, deliveries: list[Delivery]) -> Any:
            sizes.append(len(deliveries))
            return await real(session, deliveries)

        monkeypatch.setattr(receiving, "receive_inbound_batch", spy)
        return sizes

    async def test_deliveries_that_wait_together_share_one_transaction(
        self, app: FastAPI, desk: Desk, batches: list[int]
    ) -> None:
        deliveries = await replies_to_tickets(desk, 4, then="close")
        writer = InboundWriter(app.state.sessionmaker)
        results = await asyncio.gather(*(writer.receive(each) for each in deliveries))
        await writer.stop()
        assert batches == [4]
        assert [result.status for result in results] == [InboundStatus.processed] * 4
        assert all(result.reopened for result in results)
        assert await count_rows(app, InboundMessage) == 4

    # The bug met in the shared transaction (splitting the text), or before it, while the batch
    # is prepared (parsing, receiving.prepare): then no transaction is opened for the batch.
    @pytest.mark.parametrize(
        ("where", "expected_batches"), [("split", [3, 1, 1, 1, 1]), ("parse", [1, 1])]
    )
    async def test_a_message_that_fails_sinks_none_of_the_others(
        self,
        app: FastAPI,
        desk: Desk,
        batches: list[int],
        monkeypatch: pytest.MonkeyPatch,
        where: str,
        expected_batches: list[int],
    ) -> None:
        good = await replies_to_tickets(desk, 2, then="close")
        bad = reply_mail(to=SUPPORT, text="boom")
        real_parse, real_split = parsing.parse_message, parsing.ParsedMail.split

        def parse(raw: bytes) -> parsing.ParsedMail:
            if b"boom" in raw:
                raise RuntimeError("a bug met this message")
            return real_parse(raw)

        def split(mail: parsing.ParsedMail, **kwargs: Any) -> tuple[str, str]:
            if "boom" in mail.text:
                raise RuntimeError("a bug met this message")
            return real_split(mail, **kwargs)

        if where == "parse":
            monkeypatch.setattr(parsing, "parse_message", parse)
        else:
            monkeypatch.setattr(parsing.ParsedMail, "split", split)
        writer = InboundWriter(app.state.sessionmaker)
        outcomes = await asyncio.gather(
            writer.receive(good[0]),
            writer.receive(delivery(bad, SUPPORT)),
            writer.receive(good[1]),
            return_exceptions=True,
        )
        await writer.stop()
        # The shared transaction was rolled back (or never opened), then each message stored on
        # its own; the bad one was tried once more, then kept raw and refused for good.
        assert batches == expected_batches
        first, failed, second = outcomes
        assert isinstance(first, InboundResult)
        assert isinstance(second, InboundResult)
        assert first.status is second.status is InboundStatus.processed
        assert isinstance(failed, Unprocessable)
        kept = [record for record in await inbound_records(app) if record.raw == bad]
        assert [record.status for record in kept] == [InboundStatus.failed]
        assert await count_rows(app, TicketEntry, TicketEntry.direction == "in") == 2

    async def test_a_failed_commit_stores_each_message_on_its_own(
        self, app: FastAPI, desk: Desk, batches: list[int], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        deliveries = await replies_to_tickets(desk, 2, then="close")
        real_commit = AsyncSession.commit
        commits = 0

        async def commit(self: AsyncSession) -> None:
            nonlocal commits
            commits += 1
            if commits == 1:
                raise OperationalError("COMMIT", {}, Exception("disk I/O error"))
            await real_commit(self)

        monkeypatch.setattr(AsyncSession, "commit", commit)
        writer = InboundWriter(app.state.sessionmaker)
        results = await asyncio.gather(*(writer.receive(each) for each in deliveries))
        await writer.stop()
        assert batches == [2, 1, 1]
        assert [result.status for result in results] == [InboundStatus.processed] * 2
        # Each answer names what the second, committed transaction stored.
        async with app.state.sessionmaker() as session:
            stored = set((await session.scalars(select(InboundMessage.id))).all())
        assert {result.inbound_id for result in results} == stored

    async def test_a_delivery_whose_sender_left_before_its_turn_is_not_stored(
        self, app: FastAPI, desk: Desk, batches: list[int]
    ) -> None:
        stays, leaves = await replies_to_tickets(desk, 2, then="send")
        writer = InboundWriter(app.state.sessionmaker)
        gone = asyncio.create_task(writer.receive(leaves))
        kept = asyncio.create_task(writer.receive(stays))
        await asyncio.sleep(0)
        gone.cancel()
        result = await kept
        await writer.stop()
        assert batches == [1]
        assert result.status is InboundStatus.processed
        assert await count_rows(app, InboundMessage) == 1


class TestListener:
    async def test_concurrent_deliveries_are_all_stored_and_answered(
        self, app: FastAPI, desk: Desk, listener: InboundListener
    ) -> None:
        deliveries = await replies_to_tickets(desk, 6, then="close")
        refused = await asyncio.gather(
            *(
                send_to_listener(listener.port, each.raw, recipients=each.envelope_to or [])
                for each in deliveries
            )
        )
        assert refused == [{}] * len(deliveries)
        assert await count_rows(app, InboundMessage, InboundMessage.status == "processed") == 6

    async def test_a_message_a_bug_meets_twice_is_kept_and_refused_for_good(
        self, app: FastAPI, desk: Desk, listener: InboundListener, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _ada, _inbox, _ticket, sent = await answered_ticket(desk)
        reply_to = sent["headers"]["Reply-To"]

        def parse(raw: bytes) -> parsing.ParsedMail:
            raise RuntimeError("a bug met this message")

        monkeypatch.setattr(parsing, "parse_message", parse)
        raw = reply_mail(to=reply_to, text="Hello")
        # Not a 451: the sending server would retry for days a message that never gets in.
        with pytest.raises(smtplib.SMTPDataError) as refused:
            await send_to_listener(listener.port, raw, recipients=[reply_to])
        assert refused.value.smtp_code == 554
        assert b"kept for an administrator" in refused.value.smtp_error
        (record,) = await inbound_records(app)
        assert record.status is InboundStatus.failed
        assert record.raw == raw
        assert "a bug met this message" in (record.error or "")

    async def test_a_message_that_fails_once_is_stored_the_second_time(
        self, app: FastAPI, desk: Desk, listener: InboundListener, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        ada, _inbox, ticket, sent = await answered_ticket(desk)
        reply_to = sent["headers"]["Reply-To"]
        real = receiving.receive_inbound_batch
        calls = 0

        async def racing(session: AsyncSession, deliveries: list[Delivery]) -> Any:
            # Another process created the same customer a moment before.
            nonlocal calls
            calls += 1
            if calls == 1:
                raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
            return await real(session, deliveries)

        monkeypatch.setattr(receiving, "receive_inbound_batch", racing)
        raw = reply_mail(to=reply_to, text="Second time lucky.")
        assert await send_to_listener(listener.port, raw, recipients=[reply_to]) == {}
        (entry,) = inbound_entries(await ticket_of(ada, ticket["id"]))
        assert entry["text"] == "Second time lucky."

    async def test_while_the_database_is_unavailable_senders_are_asked_to_retry(
        self,
        app: FastAPI,
        http: httpx.AsyncClient,
        desk: Desk,
        listener: InboundListener,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        _ada, _inbox, _ticket, sent = await answered_ticket(desk)
        reply_to = sent["headers"]["Reply-To"]

        async def unavailable(session: AsyncSession, deliveries: list[Delivery]) -> Any:
            raise OperationalError("SELECT", {}, Exception("database is locked"))

        monkeypatch.setattr(receiving, "receive_inbound_batch", unavailable)
        raw = reply_mail(to=reply_to, text="Hello")
        with pytest.raises(smtplib.SMTPDataError) as deferred:
            await send_to_listener(listener.port, raw, recipients=[reply_to])
        assert deferred.value.smtp_code == 451
        error_of(await post_mime(http, raw, to=[reply_to]), 503, "try_again_later")
        # What arrived over SMTP is kept for an admin all the same, when that can be written.
        (record,) = await inbound_records(app)
        assert record.status is InboundStatus.failed
        assert record.raw == raw


class TestRecipients:
    async def test_inbox_addresses_are_remembered_and_refusals_are_not(
        self, app: FastAPI, desk: Desk, listener: InboundListener
    ) -> None:
        handler = listener.handler
        await desk.inbox(email_address=SUPPORT)

        async def rcpt(address: str) -> tuple[str, list[str]]:
            with statements(app) as sent:
                answer = await handler.handle_RCPT(None, None, Envelope(), address, [])  # type: ignore[arg-type]
            return answer[:3], verbs(sent)

        assert await rcpt("reply+1.abc@desk.test") == ("250", [])  # ours: no lookup at all
        code, sent = await rcpt(SUPPORT)
        assert code == "250"
        assert "SELECT" in sent
        assert await rcpt("Support@Shop.test") == ("250", [])
        later = "billing@shop.test"
        assert (await rcpt(later))[0] == "550"
        await desk.inbox(name="Billing", email_address=later)
        assert (await rcpt(later))[0] == "250"
