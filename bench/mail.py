"""Inbound mail throughput: replies parsed, matched to their ticket and stored per second.

Run from the repository root:

    .venv/bin/python bench/mail.py [--replies 2000] [--tickets 500]

Builds a fresh SQLite database with the real migrations, opens tickets that each have an email
sent from the desk, then feeds customer replies through `mail.service.receive_inbound`, each in
its own unit of work like the SMTP listener does: half matched by the reply address, half by
In-Reply-To only, every one with quoted history for the visible-text extractor to cut, one in
ten with a small attachment. Prints the rate; the target is 200 replies per second.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from sqlalchemy import func, select

from frontdesk.config import Settings
from frontdesk.customers import service as customers_service
from frontdesk.db.context import SETTINGS_KEY
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import create_engine, create_sessionmaker, unit_of_work
from frontdesk.inboxes import service as inboxes_service
from frontdesk.mail import service as mail_service
from frontdesk.mail.addresses import reply_address
from frontdesk.mail.models import InboundStatus
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, EntryKind, TicketEntry, TicketState, TicketType

TARGET_PER_SECOND = 200
QUOTE = "\n\nOn Tue, Dec 1, 2026 at 9:12 AM Support <support@shop.example> wrote:\n" + "".join(
    f"> line {n} of what we wrote before, quoted back at us.\n" for n in range(20)
)


def reply(
    index: int, *, ticket_id: int, sent_id: str, settings: Settings, by_address: bool
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Customer {index} <customer{index % 97}@example.org>"
    message["To"] = (
        reply_address(settings.secret, ticket_id=ticket_id, mail_domain=settings.mail_domain)
        if by_address
        else "Support <support@shop.example>"
    )
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
    return message.as_bytes(policy=SMTP)


async def run(folder: str, replies: int, tickets: int) -> float:
    url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
    settings = Settings(
        data_dir=Path(folder),
        database_url=url,
        mail_domain="desk.example",
        secret_key="bench-secret-" + "x" * 32,
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = create_engine(url)
    sessionmaker = create_sessionmaker(engine, info={SETTINGS_KEY: settings})
    threads: list[tuple[int, str]] = []
    async with unit_of_work(sessionmaker) as session:
        inbox = await inboxes_service.create_inbox(
            session, name="Support", email_address="support@shop.example"
        )
        for number in range(tickets):
            customer = await customers_service.find_or_create(
                session, email=f"customer{number % 97}@example.org", name="Customer"
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
    raws = [
        reply(
            index,
            ticket_id=threads[index % tickets][0],
            sent_id=threads[index % tickets][1],
            settings=settings,
            by_address=index % 2 == 0,
        )
        for index in range(replies)
    ]
    started = time.perf_counter()
    for raw in raws:
        async with unit_of_work(sessionmaker) as session:
            result = await mail_service.receive_inbound(
                session, raw=raw, envelope_to=None, envelope_from=None, via="smtp"
            )
        assert result.status is InboundStatus.processed, result
    elapsed = time.perf_counter() - started
    async with sessionmaker() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(TicketEntry)
            .where(TicketEntry.direction == Direction.inbound)
        )
    assert stored == replies, stored
    await engine.dispose()
    return replies / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=2000)
    parser.add_argument("--tickets", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        # Alembic runs its own event loop, so the schema is built before ours starts.
        upgrade(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        rate = asyncio.run(run(folder, args.replies, args.tickets))
    verdict = "meets" if rate >= TARGET_PER_SECOND else "BELOW"
    print(
        f"inbound replies (SQLite): {rate:.0f}/s over {args.replies} replies "
        f"({verdict} the target of {TARGET_PER_SECOND}/s)"
    )


if __name__ == "__main__":
    main()
