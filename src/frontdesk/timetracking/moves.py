"""Time entries in a merge and its undo (tickets/merging.py): the merged ticket's entries go to
the ticket kept, and those same entries come back on undo; entries logged on the kept ticket
since stay there. A split moves none: the time was spent on the ticket split from; its undo
moves the split ticket's entries to the original, as a merge of it (`merged`)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.timetracking.models import TimeEntry


async def merged(session: AsyncSession, *, source_id: int, target_id: int) -> list[int]:
    """Moves the source's entries to the target (both locked by the merge); their ids, for undo."""
    ids = list(
        await session.scalars(
            select(TimeEntry.id).where(TimeEntry.ticket_id == source_id).order_by(TimeEntry.id)
        )
    )
    if ids:
        await session.execute(
            update(TimeEntry)
            .where(TimeEntry.id.in_(ids))
            .values(ticket_id=target_id)
            .execution_options(synchronize_session=False)
        )
    return ids


async def unmerged(
    session: AsyncSession, *, entry_ids: Sequence[int], source_id: int, target_id: int
) -> None:
    """Gives the source back its entries still on the target (one deleted since stays deleted)."""
    if entry_ids:
        await session.execute(
            update(TimeEntry)
            .where(TimeEntry.id.in_(list(entry_ids)), TimeEntry.ticket_id == target_id)
            .values(ticket_id=source_id)
            .execution_options(synchronize_session=False)
        )
