"""A deleted ticket's reply address. The address (`reply+<ticket id>.<signature>@…`) is signed
and lives on in the mail people keep, after retention or an erasure deleted its ticket; a reply
to it opens a new ticket in the inbox the deleted ticket was in, rather than being refused
(docs/privacy.md, "A reply to a deleted ticket"). All that is kept of the ticket for this is its
inbox: its id names nobody once it is gone, and ids are never given again (migration 0056)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.inboxes.models import Inbox
from frontdesk.mail.models import DeletedTicket
from frontdesk.tickets.models import Ticket


async def remember_inboxes(session: AsyncSession, *, ticket_ids: Sequence[int]) -> None:
    """Before the tickets are deleted, in the same transaction: each one's inbox."""
    if not ticket_ids:
        return
    known = select(DeletedTicket.ticket_id).where(DeletedTicket.ticket_id.in_(ticket_ids))
    rows = select(Ticket.id, Ticket.inbox_id).where(
        Ticket.id.in_(ticket_ids), Ticket.id.not_in(known)
    )
    # A row written meanwhile by another transaction (two deletions of one ticket, which the
    # `known` test cannot see before it commits) is kept rather than failing this one.
    insert_into = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    await session.execute(
        insert_into(DeletedTicket)
        .from_select(["ticket_id", "inbox_id"], rows)
        .on_conflict_do_nothing(index_elements=["ticket_id"])
    )


async def inbox_of_deleted(
    session: AsyncSession, *, ticket_ids: Sequence[int]
) -> tuple[int, Inbox] | None:
    """The first of these deleted tickets whose inbox is known, and that inbox."""
    if not ticket_ids:
        return None
    rows = (
        await session.execute(
            select(DeletedTicket.ticket_id, Inbox)
            .join(Inbox, Inbox.id == DeletedTicket.inbox_id)
            .where(DeletedTicket.ticket_id.in_(ticket_ids))
        )
    ).all()
    found: dict[int, Inbox] = {row[0]: row[1] for row in rows}
    for ticket_id in ticket_ids:
        if ticket_id in found:
            return ticket_id, found[ticket_id]
    return None
