"""Inbound mail throughput: replies parsed, matched to their ticket and stored per second.

Run from the repository root:

    .venv/bin/python bench/mail.py [--replies 2000] [--tickets 500] [--concurrency 8]

Builds a fresh SQLite database with the real migrations and the app on it as `frontdesk run`
builds it (its engine, with SQLite checkpoints in a background thread; its broker; the server's
garbage-collector settings), opens tickets that each have an email sent from the desk, then
delivers customer replies to the SMTP listener's handler exactly as aiosmtpd hands them over,
from `--concurrency` senders at once (the connections of a relaying MX, or of several senders'
servers), each sending its next message once the last one was answered: `handle_RCPT` (is the
recipient ours?) then `handle_DATA`, which stores the message through the inbound writer
(mail/writer.py) and answers 250 only after the commit. With concurrency 1 every message is its
own transaction; with more, the writer commits the messages that wait together. Not included:
the SMTP conversation itself (socket, commands, dot-stuffing).

Half the replies are matched by the reply address, half by In-Reply-To only; every one has
quoted history for the visible-text extractor to cut and an HTML alternative to sanitise, one in
ten a 20 KB attachment. Prints the rate; the target is 200 replies per second.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from aiosmtpd.smtp import Envelope
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.customers import service as customers_service
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import unit_of_work
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.collector import tune_for_server
from frontdesk.mail.addresses import reply_address
from frontdesk.mail.listener import InboundHandler
from frontdesk.mail.models import InboundMessage, InboundStatus
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, EntryKind, TicketEntry, TicketState, TicketType

TARGET_PER_SECOND = 200
QUOTE = "\n\nOn Tue, Dec 1, 2026 at 9:12 AM Support <support@shop.example> wrote:\n" + "".join(
    f"> line {n} of what we wrote before, quoted back at us.\n" for n in range(20)
)


def reply(
    index: int, *, ticket_id: int, sent_id: str, settings: Settings, by_address: bool
) -> tuple[str, bytes]:
    """(envelope recipient, message)"""
    message = EmailMessage()
    message["From"] = f"Customer {index} <customer{index % 97}@example.org>"
    recipient = (
        reply_address(settings.secret, ticket_id=ticket_id, mail_domain=settings.mail_domain)
        if by_address
        else "support@shop.example"
    )
    message["To"] = recipient if by_address else f"Support <{recipient}>"
    message["Subject"] = "Re: Where is my parcel?"
    message["Message-ID"] = f"<bench-{index}@example.org>"
    message["Date"] = "Tue, 01 Dec 2026 10:00:00 +0000"
    message["In-Reply-To"] = sent_id
    message["References"] = sent_id
    message.set_content(f"Thanks, that helps. Reply number {index}.\n\nCheers,\nC." + QUOTE)
    message.add_alternative(
        f"<p>Thanks, that helps. Reply number {index}.</p><blockquote>old</blockquote>",
        subtype="html",
    )
    if index % 10 == 0:
        message.add_attachment(b"%PDF-1.4 " + bytes(20_000), "application", "pdf", filename="a.pdf")
    return recipient, message.as_bytes(policy=SMTP)


async def deliver(handler: InboundHandler, index: int, recipient: str, raw: bytes) -> None:
    """One message as aiosmtpd hands it to the listener's handler."""
    envelope = Envelope()
    envelope.mail_from = f"customer{index % 97}@example.org"
    accepted = await handler.handle_RCPT(None, None, envelope, recipient, [])  # type: ignore[arg-type]
    assert accepted.startswith("250"), accepted
    envelope.original_content = raw
    answer = await handler.handle_DATA(None, None, envelope)  # type: ignore[arg-type]
    assert answer.startswith("250"), answer


async def sender(handler: InboundHandler, queue: list[tuple[int, str, bytes]]) -> None:
    """One SMTP connection: the next message once the last one was answered."""
    while queue:
        index, recipient, raw = queue.pop(0)
        await deliver(handler, index, recipient, raw)


async def run(folder: str, replies: int, tickets: int, concurrency: int) -> float:
    url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
    settings = Settings(
        data_dir=Path(folder),
        database_url=url,
        mail_domain="desk.example",
        secret_key="bench-secret-" + "x" * 32,
        _env_file=None,
    )
    app = create_app(settings, run_loops=False)
    async with app.router.lifespan_context(app):
        sessionmaker = app.state.sessionmaker
        threads = await seed(sessionmaker, tickets)
        messages = [
            (
                index,
                *reply(
                    index,
                    ticket_id=threads[index % tickets][0],
                    sent_id=threads[index % tickets][1],
                    settings=settings,
                    by_address=index % 2 == 0,
                ),
            )
            for index in range(replies)
        ]
        tune_for_server()  # as `frontdesk run` does once the app is built
        handler = InboundHandler(sessionmaker, settings)
        started = time.perf_counter()
        await asyncio.gather(*(sender(handler, messages) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        await handler.writer.stop()
        async with sessionmaker() as session:
            stored = await session.scalar(
                select(func.count())
                .select_from(TicketEntry)
                .where(TicketEntry.direction == Direction.inbound)
            )
            processed = await session.scalar(
                select(func.count())
                .select_from(InboundMessage)
                .where(InboundMessage.status == InboundStatus.processed)
            )
    assert stored == replies, stored
    assert processed == replies, processed
    return replies / elapsed


async def seed(
    sessionmaker: async_sessionmaker[AsyncSession], tickets: int
) -> list[tuple[int, str]]:
    """Closed tickets, each with an email sent from the desk: (ticket id, its Message-ID)."""
    threads: list[tuple[int, str]] = []
    async with unit_of_work(sessionmaker) as session:
        inbox = await inboxes_service.create_inbox(
            session, name="Support", email_address="support@shop.example"
        )
        for number in range(tickets):
            customer = await customers_service.find_or_create(
                session,
                email=f"customer{number % 97}@example.org",
                name="Customer",
                verified=True,
            )
            ticket = await tickets_service.create_ticket(
                session,
                inbox=inbox,
                customer=customer,
                subject="Where is my parcel?",
                type=TicketType.email,
                state=TicketState.closed,
            )
            sent_id = f"<t{ticket.number}.sent@desk.example>"
            await tickets_service.add_entry(
                session,
                ticket=ticket,
                kind=EntryKind.reply,
                direction=Direction.outbound,
                text="It left the warehouse today.",
                message_id=sent_id,
            )
            threads.append((ticket.id, sent_id))
    return threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=2000)
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument(
        "--concurrency", type=int, default=8, help="deliveries in flight at once (1: one by one)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        # Alembic runs its own event loop, so the schema is built before ours starts.
        upgrade(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        rate = asyncio.run(run(folder, args.replies, args.tickets, args.concurrency))
    verdict = "meets" if rate >= TARGET_PER_SECOND else "BELOW"
    print(
        f"inbound replies (SQLite, {args.concurrency} at once): {rate:.0f}/s over "
        f"{args.replies} replies ({verdict} the target of {TARGET_PER_SECOND}/s)"
    )


if __name__ == "__main__":
    main()
