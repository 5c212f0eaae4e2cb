"""Links in a merge, a split and their undo (tickets/merging.py).

A merge gives the merged ticket's links to the ticket kept: each moves there, except a link to
the kept ticket itself and one to a ticket the kept one is linked to already, which are dropped.
Its undo puts back exactly that: the links still on the kept ticket return to the merged one,
the dropped ones are made again (one to a ticket deleted since is not). A merge is never refused
for the limit of links (it would be for a detail): the kept ticket may then have more than
MAX_LINKS, and takes no new one until some go.

A split links the new ticket to the one it came from (unless that one has MAX_LINKS already);
undoing the split folds the new ticket back like a merge: the link between the two is dropped
and the links it gained since go to the ticket it came from. The merge's own record is its
`TicketMove.data["links"]`: `moved` (the ids of the links moved) and `dropped` (the other
ticket, who linked and when, of each link dropped)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.links import events
from frontdesk.links.models import MAX_LINKS, TicketLink, pair
from frontdesk.links.service import count_links, links_of
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User


async def _tell(session: AsyncSession, *, ticket_ids: Collection[int], actor: User) -> None:
    """`ticket.links_changed` ("moved") to each ticket's inbox, on which open pages read again."""
    tickets = await tickets_service.get_tickets_by_id(session, ticket_ids=set(ticket_ids))
    for ticket_id in sorted(tickets):
        events.links_changed(
            session, ticket=tickets[ticket_id], change="moved", other_ticket_id=None, by=actor
        )


async def merged(
    session: AsyncSession, *, source: Ticket, target: Ticket, actor: User
) -> dict[str, Any]:
    """Moves the source's links to the target (both locked by the merge); what was moved and
    dropped, for the undo."""
    rows = await links_of(session, source.id)
    if not rows:
        return {"moved": [], "dropped": []}
    linked = {row.other_than(target.id) for row in await links_of(session, target.id)}
    moved: list[int] = []
    dropped: list[dict[str, Any]] = []
    for row in rows:
        other = row.other_than(source.id)
        if other == target.id or other in linked:
            dropped.append(
                {
                    "ticket_id": other,
                    "created_by_id": row.created_by_id,
                    "created_at": row.created_at.isoformat(),
                }
            )
            await session.execute(delete(TicketLink).where(TicketLink.id == row.id))
            continue
        first, second = pair(target.id, other)
        await session.execute(
            update(TicketLink)
            .where(TicketLink.id == row.id)
            .values(first_ticket_id=first, second_ticket_id=second)
            .execution_options(synchronize_session=False)
        )
        linked.add(other)
        moved.append(row.id)
    touched = {source.id, target.id, *(row.other_than(source.id) for row in rows)}
    await _tell(session, ticket_ids=touched, actor=actor)
    return {"moved": moved, "dropped": dropped}


async def unmerged(
    session: AsyncSession,
    *,
    record: Mapping[str, Any] | None,
    source: Ticket,
    target: Ticket,
    actor: User,
) -> None:
    """Gives the source back the links the merge took (`record`, as `merged` returned it): those
    still on the target move back, the dropped ones are made again. One unlinked since stays
    unlinked; none is made twice."""
    if not record or not (record.get("moved") or record.get("dropped")):
        return
    touched = {source.id, target.id}
    linked = {row.other_than(source.id) for row in await links_of(session, source.id)}
    moved_ids = [int(i) for i in record.get("moved", [])]
    rows = (
        list(
            await session.scalars(
                select(TicketLink)
                .where(TicketLink.id.in_(moved_ids))
                .execution_options(populate_existing=True)
            )
        )
        if moved_ids
        else []
    )
    for row in rows:
        if target.id not in (row.first_ticket_id, row.second_ticket_id):
            continue
        other = row.other_than(target.id)
        if other == source.id or other in linked:
            continue
        first, second = pair(source.id, other)
        await session.execute(
            update(TicketLink)
            .where(TicketLink.id == row.id)
            .values(first_ticket_id=first, second_ticket_id=second)
            .execution_options(synchronize_session=False)
        )
        linked.add(other)
        touched.add(other)
    dropped = list(record.get("dropped", []))
    still = await tickets_service.get_tickets_by_id(
        session, ticket_ids={int(each["ticket_id"]) for each in dropped}
    )
    for each in dropped:
        other = int(each["ticket_id"])
        if other not in still or other == source.id or other in linked:
            continue
        first, second = pair(source.id, other)
        session.add(
            TicketLink(
                first_ticket_id=first,
                second_ticket_id=second,
                created_by_id=each.get("created_by_id"),
                created_at=datetime.fromisoformat(each["created_at"]),
            )
        )
        linked.add(other)
        touched.add(other)
    await session.flush()
    await _tell(session, ticket_ids=touched, actor=actor)


async def split_off(session: AsyncSession, *, ticket: Ticket, new: Ticket, actor: User) -> None:
    """The ticket a split made, linked to the one it came from (both in the split's transaction;
    `ticket` locked): it is about the same thing. Not when `ticket` has MAX_LINKS already: a
    split is not refused for a detail."""
    if await count_links(session, ticket.id) >= MAX_LINKS:
        return
    first, second = pair(ticket.id, new.id)
    session.add(TicketLink(first_ticket_id=first, second_ticket_id=second, created_by_id=actor.id))
    await session.flush()
    for here, there in ((ticket, new), (new, ticket)):
        events.links_changed(
            session,
            ticket=here,
            change="linked",
            other_ticket_id=there.id,
            by=actor,
            by_move=True,
        )
