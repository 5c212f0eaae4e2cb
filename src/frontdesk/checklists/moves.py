"""Checklist items in a merge and its undo (tickets/merging.py): the merged ticket's items go
to the end of the kept ticket's list, in their order, and those same items come back on undo;
items added to the kept ticket since stay there. A split moves none: the work to do stays with
the ticket split from. A merge is never refused for the limit of items (it would be for a
detail): the kept ticket may then have more than MAX_ITEMS, and takes no new one until some go.

Undoing a split gives the original ticket the split-off ticket's items as a merge would (those
added to it since the split: it started with none), but only within MAX_ITEMS (`ensure_room`):
an undo is asked for to make one conversation again, not to grow a list past its limit, and its
items cannot stay behind on a ticket that is closed and reads the original's checklist."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.checklists.models import MAX_ITEMS, ChecklistItem
from frontdesk.errors import Conflict
from frontdesk.tickets.models import Ticket


async def merged(session: AsyncSession, *, source_id: int, target_id: int) -> list[int]:
    """Moves the source's items to the target (both locked by the merge); their ids, for undo."""
    ids = list(
        await session.scalars(
            select(ChecklistItem.id)
            .where(ChecklistItem.ticket_id == source_id)
            .order_by(ChecklistItem.position, ChecklistItem.id)
        )
    )
    if not ids:
        return ids
    last = await session.scalar(
        select(func.max(ChecklistItem.position)).where(ChecklistItem.ticket_id == target_id)
    )
    start = 0 if last is None else int(last) + 1
    for offset, item_id in enumerate(ids):
        await session.execute(
            update(ChecklistItem)
            .where(ChecklistItem.id == item_id)
            .values(
                ticket_id=target_id,
                position=start + offset,
                version=ChecklistItem.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
    return ids


async def ensure_room(session: AsyncSession, *, joining: Ticket, kept: Ticket) -> None:
    """409 `checklist_full` when `joining`'s items appended to `kept`'s would pass MAX_ITEMS
    (both locked by the caller); nothing to append is never refused."""
    rows = await session.execute(
        select(ChecklistItem.ticket_id, func.count())
        .where(ChecklistItem.ticket_id.in_([joining.id, kept.id]))
        .group_by(ChecklistItem.ticket_id)
    )
    counts = {int(ticket_id): int(count) for ticket_id, count in rows}
    theirs, ours = counts.get(joining.id, 0), counts.get(kept.id, 0)
    if theirs and theirs + ours > MAX_ITEMS:
        over = theirs + ours - MAX_ITEMS
        raise Conflict(
            f"Undoing this would give ticket #{kept.number} {theirs + ours} checklist items "
            f"({ours} of its own and {theirs} of #{joining.number}), more than the {MAX_ITEMS} "
            f"it may have: delete {over} of them first.",
            code="checklist_full",
        )


async def unmerged(
    session: AsyncSession, *, item_ids: Sequence[int], source_id: int, target_id: int
) -> None:
    """Gives the source back its items still on the target (one deleted since stays deleted),
    in the order they have there now."""
    if item_ids:
        await session.execute(
            update(ChecklistItem)
            .where(ChecklistItem.id.in_(list(item_ids)), ChecklistItem.ticket_id == target_id)
            .values(ticket_id=source_id, version=ChecklistItem.version + 1)
            .execution_options(synchronize_session=False)
        )
