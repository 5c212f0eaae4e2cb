"""Checklist items in a merge and its undo (tickets/merging.py): the merged ticket's items go
to the end of the kept ticket's list, in their order, and those same items come back on undo;
items added to the kept ticket since stay there. A split moves none: the work to do stays with
the ticket split from. A merge is never refused for the limit of items (it would be for a
detail): the kept ticket may then have more than MAX_ITEMS, and takes no new one until some go."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.checklists.models import ChecklistItem


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
