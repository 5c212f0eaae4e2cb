"""What lies on a customer's tickets but is somebody else's, for the export (left out) and the
erasure (given back before the tickets are deleted), docs/privacy.md:

- the thread of another customer's ticket merged into theirs, while that ticket is still there
  (a `ticket_moves` merge not undone): it goes back to it, files and all, wherever later merges
  took it (their ticket merged on into a third customer's);
- a message another customer wrote (by their record, or mail from one of their addresses), on
  its own: back to that customer's ticket that was merged in, or else onto a new closed ticket
  of theirs, without the quoted history (which is the erased conversation's). Also when their
  thread was merged on into another ticket, unless that ticket is the writer's own;
- mail of someone who is no customer (a copied participant): part of the conversation; in the
  export only when it was sent to the customer too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.customers.models import ContactKind, Customer, CustomerContact
from frontdesk.files.models import StoredFile
from frontdesk.kit.clock import utcnow
from frontdesk.mail.models import InboundMessage, MailAttachment, OutboxMessage
from frontdesk.privacy.scope import CustomerScope, addresses_in, chunks
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import (
    Direction,
    EntryKind,
    MoveKind,
    Ticket,
    TicketEntry,
    TicketMove,
    TicketState,
    TicketType,
)


@dataclass
class Others:
    # Entry → the ticket it came from by a merge, still there (wherever later merges took it).
    lent: dict[int, int] = field(default_factory=dict)
    # Stored file → the same, for the files the merge moved.
    lent_files: dict[int, int] = field(default_factory=dict)
    # Entry → the other customer who wrote it (and that `lent` does not take back).
    written: dict[int, int] = field(default_factory=dict)
    # Entry → a ticket of that customer merged in, still there, to take it.
    written_home: dict[int, int] = field(default_factory=dict)
    # Mail of people who are no customer, not sent to this one.
    not_to_them: set[int] = field(default_factory=set)
    # Entry of `lent` or `written` → the erased ticket it is given back because of: the one it
    # was merged into, or the one whose thread it was part of.
    via: dict[int, int] = field(default_factory=dict)

    @property
    def entry_ids(self) -> set[int]:
        return {*self.lent, *self.written, *self.not_to_them}


async def _customer_of_addresses(session: AsyncSession, emails: set[str]) -> dict[str, int]:
    """Address → the customer holding it now (along `merged_into_id`)."""
    if not emails:
        return {}
    rows = (
        await session.execute(
            select(CustomerContact.value, CustomerContact.customer_id).where(
                CustomerContact.kind == ContactKind.email,
                CustomerContact.value.in_(sorted(emails)),
            )
        )
    ).all()
    found: dict[str, int] = {}
    for value, customer_id in rows:
        seen = {customer_id}
        while True:
            onward = await session.scalar(
                select(Customer.merged_into_id).where(Customer.id == customer_id)
            )
            if onward is None or onward in seen:
                break
            seen.add(onward)
            customer_id = onward
        found[value] = customer_id
    return found


async def _entries(session: AsyncSession, column: Any, ids: Sequence[int]) -> list[Any]:
    """Entries (by their ticket or by their own id), with the customer of the ticket they are on."""
    rows: list[Any] = []
    for part in chunks(sorted(ids)):
        rows += (
            await session.execute(
                select(
                    TicketEntry.id,
                    TicketEntry.ticket_id,
                    TicketEntry.kind,
                    TicketEntry.direction,
                    TicketEntry.author_customer_id,
                    TicketEntry.sender,
                    TicketEntry.data,
                    Ticket.customer_id,
                )
                .join(Ticket, Ticket.id == TicketEntry.ticket_id)
                .where(column.in_(part))
            )
        ).all()
    return rows


async def _merges(
    session: AsyncSession, tickets: Sequence[int], *, into: bool, mine: set[int]
) -> list[Any]:
    """Merges still standing between their tickets and others': `into` theirs, or out of them."""
    ours, theirs = (
        (TicketMove.target_ticket_id, TicketMove.source_ticket_id)
        if into
        else (TicketMove.source_ticket_id, TicketMove.target_ticket_id)
    )
    moves: list[Any] = []
    for part in chunks(tickets):
        moves += (
            await session.execute(
                select(
                    TicketMove.id,
                    TicketMove.source_ticket_id,
                    TicketMove.target_ticket_id,
                    TicketMove.entry_ids,
                    TicketMove.file_ids,
                    Ticket.customer_id,
                )
                .join(Ticket, Ticket.id == TicketMove.source_ticket_id)
                .where(
                    TicketMove.kind == MoveKind.merge,
                    TicketMove.undone_at.is_(None),
                    ours.in_(part),
                    theirs.not_in(mine),
                )
            )
        ).all()
    # The latest merge first: an entry merged twice goes back to where it was last.
    return sorted(moves, key=lambda move: move.id, reverse=True)


async def others_on(session: AsyncSession, scope: CustomerScope) -> Others:
    """What is others' on the customer's tickets, and on the tickets their threads were merged
    into: what a merge lent them goes back to the ticket it came from wherever later merges took
    it, and what another customer wrote in their threads goes back to that customer, unless it
    is on a ticket of that customer already."""
    others = Others()
    tickets = sorted(set(scope.ticket_ids))
    if not tickets:
        return others
    mine = set(tickets)
    own = set(scope.own_entry_ids)
    customers = set(scope.customer_ids)
    emails = set(scope.emails)
    entries = await _entries(session, TicketEntry.ticket_id, tickets)
    here = {entry.id for entry in entries}
    homes: dict[int, int] = {}
    lending: dict[int, tuple[int, int]] = {}
    for move in await _merges(session, tickets, into=True, mine=mine):
        homes.setdefault(move.customer_id, move.source_ticket_id)
        for entry_id in move.entry_ids:
            if int(entry_id) not in own:
                lending.setdefault(int(entry_id), (move.source_ticket_id, move.target_ticket_id))
        for file_id in move.file_ids:
            others.lent_files.setdefault(int(file_id), move.source_ticket_id)
    # Their threads merged into others' tickets: what another customer wrote there is still
    # part of the erased conversation.
    carried: dict[int, int] = {}
    for move in await _merges(session, tickets, into=False, mine=mine):
        for entry_id in move.entry_ids:
            carried.setdefault(int(entry_id), move.source_ticket_id)
    away = await _entries(session, TicketEntry.id, sorted((set(lending) | set(carried)) - here))
    where = {entry.id: entry.ticket_id for entry in [*entries, *away]}
    for entry_id, (home, via) in lending.items():
        if entry_id in where and where[entry_id] != home:
            others.lent[entry_id] = home
            others.via[entry_id] = via
    scanned = [
        entry
        for entry in [*entries, *away]
        if entry.id in here or (entry.id in carried and entry.id not in others.lent)
    ]
    senders: set[str] = {
        entry.sender
        for entry in scanned
        if entry.direction is Direction.inbound
        and entry.author_customer_id is None
        and entry.sender
    }
    customer_of = await _customer_of_addresses(session, senders - emails)
    for entry in scanned:
        if entry.id in own or entry.id in others.lent or entry.kind is not EntryKind.reply:
            continue
        author = entry.author_customer_id
        data = entry.data or {}
        if author is None and entry.direction is Direction.inbound:
            author = customer_of.get(entry.sender or "")
            if author is None and not data.get("auto"):
                copied = addresses_in(list(data.get("to") or [])) | addresses_in(
                    list(data.get("cc") or [])
                )
                if entry.id in here and copied.isdisjoint(emails):
                    others.not_to_them.add(entry.id)
                continue
        if author is None or author in customers:
            continue
        if entry.id not in here and author == entry.customer_id:
            # Merged on into a ticket of its writer: home already.
            continue
        others.written[entry.id] = author
        others.via[entry.id] = entry.ticket_id if entry.id in here else carried[entry.id]
        if author in homes:
            others.written_home[entry.id] = homes[author]
    return others


async def give_back(session: AsyncSession, *, scope: CustomerScope) -> Counter[str]:
    """Before the customer's tickets are deleted: what other customers lent them goes back (see
    the module's docstring), and the tickets it leaves that stay say so. Removes what it keeps
    from `scope.inbound_ids`."""
    counts: Counter[str] = Counter()
    others = await others_on(session, scope)
    moved: dict[int, int] = dict(others.lent)
    moved.update(others.written_home)
    orphans: dict[int, list[int]] = {}
    for entry_id, author in others.written.items():
        if entry_id not in moved:
            orphans.setdefault(author, []).append(entry_id)
    for author, entry_ids in sorted(orphans.items()):
        ticket = await _new_home(session, author=author, entry_ids=entry_ids)
        for entry_id in entry_ids:
            moved[entry_id] = ticket.id
    if not moved and not others.lent_files:
        return counts
    erased = set(scope.ticket_ids)
    previous: dict[int, int] = {}
    for part in chunks(sorted(moved)):
        previous.update(
            (
                await session.execute(
                    select(TicketEntry.id, TicketEntry.ticket_id).where(TicketEntry.id.in_(part))
                )
            ).all()
        )
    # The tickets they leave: the erased ones, and those their threads were merged on into.
    left = erased | set(previous.values())
    numbers = dict(
        (
            await session.execute(
                select(Ticket.id, Ticket.number).where(
                    Ticket.id.in_(sorted(left | set(moved.values())))
                )
            )
        ).all()
    )
    by_ticket: dict[int, list[int]] = {}
    for entry_id, ticket_id in moved.items():
        by_ticket.setdefault(ticket_id, []).append(entry_id)
    # The tickets that gain or lose messages, locked (in id order) as a message written on them
    # would be (tickets/service.py `append_entry`): the line each gets below is then newer than
    # anything committed on them, which a reply checks against (tickets/staleness.py).
    await tickets_service.lock_tickets(
        session, ticket_ids=sorted(set(by_ticket) | (set(previous.values()) - erased))
    )
    for ticket_id, entry_ids in sorted(by_ticket.items()):
        await session.execute(
            update(TicketEntry)
            .where(TicketEntry.id.in_(sorted(entry_ids)))
            .values(ticket_id=ticket_id)
            .execution_options(synchronize_session=False)
        )
        # Their files, and the mail they were made of (which kept the ticket it came to).
        await session.execute(
            update(StoredFile)
            .where(StoredFile.entry_id.in_(sorted(entry_ids)), StoredFile.ticket_id.in_(left))
            .values(ticket_id=ticket_id)
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(MailAttachment)
            .where(
                MailAttachment.entry_id.in_(sorted(entry_ids)),
                MailAttachment.ticket_id.in_(left),
            )
            .values(ticket_id=ticket_id)
            .execution_options(synchronize_session=False)
        )
        kept_mail = set(
            await session.scalars(
                select(InboundMessage.id).where(InboundMessage.entry_id.in_(sorted(entry_ids)))
            )
        )
        await session.execute(
            update(InboundMessage)
            .where(InboundMessage.id.in_(sorted(kept_mail)))
            .values(ticket_id=ticket_id)
            .execution_options(synchronize_session=False)
        )
        scope.inbound_ids = [id_ for id_ in scope.inbound_ids if id_ not in kept_mail]
        # The mail sent as those entries (a reply to the other customer, which a merge moved
        # with its entry): theirs, kept; the address scrub takes this customer's out of it.
        kept_sent = set(
            await session.scalars(
                select(OutboxMessage.id).where(
                    OutboxMessage.entry_id.in_(sorted(entry_ids)),
                    OutboxMessage.ticket_id.in_(erased),
                )
            )
        )
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(sorted(kept_sent)))
            .values(ticket_id=ticket_id)
            .execution_options(synchronize_session=False)
        )
        scope.outbox_ids = [id_ for id_ in scope.outbox_ids if id_ not in kept_sent]
        counts["entries_kept"] += len(entry_ids)
        came_from = sorted(
            {numbers[others.via[e]] for e in entry_ids if others.via.get(e) in numbers}
        )
        await _say(session, ticket_id=ticket_id, count=len(entry_ids), numbers=came_from)
    # A ticket that stays and loses messages (a thread merged on through an erased ticket) says
    # where they went.
    gone: dict[tuple[int, int], list[int]] = {}
    for entry_id, ticket_id in moved.items():
        if previous.get(entry_id) not in erased | {None, ticket_id}:
            gone.setdefault((previous[entry_id], ticket_id), []).append(entry_id)
    for (ticket_id, home), entry_ids in sorted(gone.items()):
        await _say_gone(
            session,
            ticket_id=ticket_id,
            count=len(entry_ids),
            home=numbers[home],
            numbers=sorted({numbers[others.via[e]] for e in entry_ids if e in others.via}),
        )
    for file_id, ticket_id in sorted(others.lent_files.items()):
        await session.execute(
            update(StoredFile)
            .where(StoredFile.id == file_id, StoredFile.ticket_id.in_(left))
            .values(ticket_id=ticket_id)
            .execution_options(synchronize_session=False)
        )
    await session.execute(
        update(Ticket)
        .where(Ticket.id.in_(sorted(by_ticket)), Ticket.merged_into_id.in_(erased))
        .values(merged_into_id=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return counts


async def _new_home(session: AsyncSession, *, author: int, entry_ids: Sequence[int]) -> Ticket:
    """A closed ticket of `author` for their messages that have nowhere else to go: in the inbox
    they were written to, dated by the first of them. Made here, not by the tickets' service:
    it is no new conversation (no report counts it, no rule or webhook hears of it). What they
    quoted is dropped: it is the erased customer's conversation."""
    first = (
        await session.execute(
            select(TicketEntry.created_at, TicketEntry.data, Ticket.inbox_id)
            .join(Ticket, Ticket.id == TicketEntry.ticket_id)
            .where(TicketEntry.id.in_(entry_ids))
            .order_by(TicketEntry.created_at, TicketEntry.id)
            .limit(1)
        )
    ).one()
    now = utcnow()
    subject = str((first.data or {}).get("subject") or "").strip()[:300]
    ticket = Ticket(
        number=await tickets_service.next_ticket_number(session),
        inbox_id=first.inbox_id,
        customer_id=author,
        subject=subject or "(messages kept from an erased conversation)",
        type=TicketType.email,
        state=TicketState.closed,
        closed_at=now,
        created_at=first.created_at,
        updated_at=now,
    )
    session.add(ticket)
    await session.flush()
    for entry_id, data in (
        await session.execute(
            select(TicketEntry.id, TicketEntry.data).where(TicketEntry.id.in_(entry_ids))
        )
    ).all():
        await session.execute(
            update(TicketEntry)
            .where(TicketEntry.id == entry_id)
            .values(html=None, data={**(data or {}), "quoted": ""})
            .execution_options(synchronize_session=False)
        )
    return ticket


async def _say(session: AsyncSession, *, ticket_id: int, count: int, numbers: list[int]) -> None:
    what = "A message" if count == 1 else f"{count} messages"
    where = ", ".join(f"#{number}" for number in numbers) or "an erased ticket"
    session.add(
        TicketEntry(
            ticket_id=ticket_id,
            kind=EntryKind.event,
            direction=Direction.outbound,
            text=f"{what} came back from {where}, erased with its customer",
            data={"erasure": True},
        )
    )


async def _say_gone(
    session: AsyncSession, *, ticket_id: int, count: int, home: int, numbers: list[int]
) -> None:
    what = "A message" if count == 1 else f"{count} messages"
    why = ", ".join(f"#{number}" for number in numbers) or "a ticket"
    session.add(
        TicketEntry(
            ticket_id=ticket_id,
            kind=EntryKind.event,
            direction=Direction.outbound,
            text=f"{what} went back to #{home}: {why} was erased with its customer",
            data={"erasure": True},
        )
    )
