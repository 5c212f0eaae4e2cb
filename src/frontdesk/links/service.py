"""Linked tickets: who may read and change them, the limits, and changes two agents make at the
same moment (docs/desk.md, "Linked tickets").

A link joins two tickets both ways: one row per pair (links/models.py). Every read and write
goes through tickets the agent sees (tickets/service.py `get_ticket`), at both ends: a ticket
of another inbox is "no such ticket" when it is the one acted on or the one named. A linked
ticket of an inbox the reader is not in is listed by its number alone. A merged ticket stands
for the ticket it was merged into, where its links went (links/moves.py), at either end.

Every write locks both tickets' rows (with their merge chains), in id order as merges do, so
that the changes to a pair come one after the other: linking a pair twice, even at the same
moment, leaves one link and the second is told it is there; the limit of links holds. The unique
key on the pair is the last guard. Each link and unlink writes a line on both timelines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Conflict, Invalid, NotFound
from frontdesk.inboxes import service as inboxes_service
from frontdesk.links import events
from frontdesk.links.models import MAX_LINKS, TicketLink, pair
from frontdesk.tickets import queries as ticket_queries
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Ticket, TicketState
from frontdesk.users.models import User

SELF = "A ticket cannot be linked to itself."


@dataclass(frozen=True)
class LinkedTicket:
    """The ticket at the other end of a link, as `viewer` may see it: a ticket of an inbox they
    are not in has its number only (`visible` false; no subject, state or inbox)."""

    ticket_id: int
    number: int
    visible: bool
    subject: str | None
    state: TicketState | None
    inbox_id: int | None
    inbox_name: str | None
    linked_by_id: int | None
    linked_by_name: str | None
    linked_at: datetime


@dataclass(frozen=True)
class Links:
    ticket: Ticket
    links: list[LinkedTicket]


def of_ticket(ticket_id: int) -> ColumnElement[bool]:
    """The links that have `ticket_id` at either end."""
    return or_(TicketLink.first_ticket_id == ticket_id, TicketLink.second_ticket_id == ticket_id)


async def links_of(session: AsyncSession, ticket_id: int) -> list[TicketLink]:
    """A ticket's links, oldest first."""
    return list(
        await session.scalars(
            select(TicketLink)
            .where(of_ticket(ticket_id))
            .order_by(TicketLink.created_at, TicketLink.id)
            .execution_options(populate_existing=True)
        )
    )


async def count_links(session: AsyncSession, ticket_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(TicketLink).where(of_ticket(ticket_id))
        )
        or 0
    )


async def _described(
    session: AsyncSession, *, viewer: User, ticket_id: int, rows: Sequence[TicketLink]
) -> list[LinkedTicket]:
    """Each link's other ticket as `viewer` may see it, in a few statements for all."""
    others = [row.other_than(ticket_id) for row in rows]
    if not others:
        return []
    numbers = {
        int(i): int(n)
        for i, n in await session.execute(
            select(Ticket.id, Ticket.number).where(Ticket.id.in_(others))
        )
    }
    seen = {
        ticket.id: ticket
        for ticket in await session.scalars(
            ticket_queries.visible_tickets(viewer).where(Ticket.id.in_(others))
        )
    }
    inboxes = {
        inbox.id: inbox.name
        for inbox in await inboxes_service.list_inboxes(session, user=viewer)
        if inbox.id in {ticket.inbox_id for ticket in seen.values()}
    }
    agent_ids = {row.created_by_id for row in rows if row.created_by_id is not None}
    names = (
        {
            int(i): str(n)
            for i, n in await session.execute(
                select(User.id, User.name).where(User.id.in_(agent_ids))
            )
        }
        if agent_ids
        else {}
    )
    described = []
    for row, other in zip(rows, others, strict=True):
        ticket = seen.get(other)
        described.append(
            LinkedTicket(
                ticket_id=other,
                number=numbers.get(other, 0),
                visible=ticket is not None,
                subject=ticket.subject if ticket else None,
                state=ticket.state if ticket else None,
                inbox_id=ticket.inbox_id if ticket else None,
                inbox_name=inboxes.get(ticket.inbox_id) if ticket else None,
                linked_by_id=row.created_by_id,
                linked_by_name=names.get(row.created_by_id) if row.created_by_id else None,
                linked_at=row.created_at,
            )
        )
    return described


async def get_links(session: AsyncSession, *, user: User, ticket_id: int) -> Links:
    """The links of a ticket `user` sees; of a merged ticket, those of the ticket it was merged
    into (where its links went)."""
    await tickets_service.get_ticket(session, user=user, ticket_id=ticket_id)
    final = await tickets_service.final_ticket_id(session, ticket_id=ticket_id)
    ticket = await tickets_service.get_ticket(session, user=user, ticket_id=final)
    rows = await links_of(session, ticket.id)
    return Links(ticket, await _described(session, viewer=user, ticket_id=ticket.id, rows=rows))


# --- changing -----------------------------------------------------------------------------------


async def _named(session: AsyncSession, *, user: User, ticket_id: int) -> Ticket:
    """The ticket named as the other end: one `user` does not see is not there for them."""
    try:
        return await tickets_service.get_ticket(session, user=user, ticket_id=ticket_id)
    except NotFound:
        raise NotFound(
            f"There is no ticket with the id {ticket_id} in the inboxes you are in.",
            code="no_such_ticket",
        ) from None


async def _locked_pair(
    session: AsyncSession, *, user: User, ticket_id: int, other_id: int
) -> tuple[Ticket, Ticket]:
    """Both tickets, each as the ticket that holds it now (itself or the one it was merged
    into), locked with their merge chains in id order; a chain that changed while this waited
    (a merge, an undo) is locked again as it is now."""
    await tickets_service.get_ticket(session, user=user, ticket_id=ticket_id)
    if other_id == ticket_id:
        raise Invalid("ticket_id", SELF)
    await _named(session, user=user, ticket_id=other_id)
    locked: set[int] = set()
    while True:
        chain = await tickets_service.merge_chain(session, ticket_id=ticket_id)
        other_chain = await tickets_service.merge_chain(session, ticket_id=other_id)
        wanted = set(chain) | set(other_chain)
        if wanted <= locked:
            break
        await tickets_service.lock_tickets(session, ticket_ids=sorted(wanted - locked))
        locked |= wanted
    await tickets_service.get_ticket(session, user=user, ticket_id=ticket_id)
    ticket = await tickets_service.get_ticket(session, user=user, ticket_id=chain[-1])
    named = await _named(session, user=user, ticket_id=other_id)
    other = await _named(session, user=user, ticket_id=other_chain[-1])
    if ticket.id == other.id:
        # Two tickets merged into one are one ticket now.
        raise Invalid("ticket_id", f"This ticket and #{named.number} were merged into one. {SELF}")
    return ticket, other


async def _link_row(session: AsyncSession, one: int, other: int) -> TicketLink | None:
    first, second = pair(one, other)
    return await session.scalar(
        select(TicketLink)
        .where(TicketLink.first_ticket_id == first, TicketLink.second_ticket_id == second)
        .execution_options(populate_existing=True)
    )


def _not_spam(ticket: Ticket) -> None:
    # Spam is deleted when the folder is emptied; a link to it would be a link to junk.
    if ticket.state is TicketState.spam:
        raise Conflict(
            f"Ticket #{ticket.number} is spam: mark it not spam before linking it.",
            code="ticket_is_spam",
        )


async def _room_for_one(session: AsyncSession, ticket: Ticket) -> None:
    if await count_links(session, ticket.id) >= MAX_LINKS:
        raise Conflict(
            f"Ticket #{ticket.number} already has {MAX_LINKS} linked tickets, the most it may "
            "have: unlink one first.",
            code="too_many_links",
        )


async def link(
    session: AsyncSession, *, user: User, ticket_id: int, other_id: int
) -> tuple[LinkedTicket, bool]:
    """Links the two tickets (`user` sees both); the link as `ticket_id`'s side reads it, and
    whether it is new (linking a pair linked already changes nothing)."""
    ticket, other = await _locked_pair(session, user=user, ticket_id=ticket_id, other_id=other_id)
    row = await _link_row(session, ticket.id, other.id)
    created = row is None
    if row is None:
        _not_spam(ticket)
        _not_spam(other)
        for each in (ticket, other):
            await _room_for_one(session, each)
        first, second = pair(ticket.id, other.id)
        row = TicketLink(first_ticket_id=first, second_ticket_id=second, created_by_id=user.id)
        session.add(row)
        await session.flush()
        for here, there in ((ticket, other), (other, ticket)):
            await tickets_service.log_event(
                session,
                ticket=here,
                actor=user,
                text=f"{user.name} linked this ticket to #{there.number}",
                linked_ticket_id=there.id,
            )
            events.links_changed(
                session, ticket=here, change="linked", other_ticket_id=there.id, by=user
            )
    (described,) = await _described(session, viewer=user, ticket_id=ticket.id, rows=[row])
    return described, created


async def unlink(session: AsyncSession, *, user: User, ticket_id: int, other_id: int) -> bool:
    """Removes the link between the two tickets (`user` sees both); False when they were not
    linked (nothing changes: unlinking twice is safe)."""
    ticket, other = await _locked_pair(session, user=user, ticket_id=ticket_id, other_id=other_id)
    row = await _link_row(session, ticket.id, other.id)
    if row is None:
        return False
    await session.execute(delete(TicketLink).where(TicketLink.id == row.id))
    for here, there in ((ticket, other), (other, ticket)):
        await tickets_service.log_event(
            session,
            ticket=here,
            actor=user,
            text=f"{user.name} unlinked #{there.number} from this ticket",
            unlinked_ticket_id=there.id,
        )
        events.links_changed(
            session, ticket=here, change="unlinked", other_ticket_id=there.id, by=user
        )
    return True
