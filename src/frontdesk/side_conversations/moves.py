"""Side conversations in a merge and its undo (tickets/merging.py): the merged ticket's side
conversations go to the kept ticket, and those same ones come back on undo (one started on the
kept ticket since stays there). A split moves none: they stay with the ticket split from."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.side_conversations.models import SideConversation


async def merged(session: AsyncSession, *, source_id: int, target_id: int) -> list[int]:
    """Moves the source's side conversations to the target (both locked by the merge); their
    ids, for undo."""
    ids = list(
        await session.scalars(
            select(SideConversation.id)
            .where(SideConversation.ticket_id == source_id)
            .order_by(SideConversation.id)
        )
    )
    if ids:
        await session.execute(
            update(SideConversation)
            .where(SideConversation.id.in_(ids))
            .values(ticket_id=target_id)
            .execution_options(synchronize_session=False)
        )
    return ids


async def unmerged(
    session: AsyncSession, *, side_ids: Sequence[int], source_id: int, target_id: int
) -> None:
    """Gives the source back its side conversations still on the target."""
    if side_ids:
        await session.execute(
            update(SideConversation)
            .where(SideConversation.id.in_(list(side_ids)), SideConversation.ticket_id == target_id)
            .values(ticket_id=source_id)
            .execution_options(synchronize_session=False)
        )
