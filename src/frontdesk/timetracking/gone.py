"""Timers whose agent or ticket goes (docs/desk.md, "Time tracking"): a deactivated agent's
timer is discarded with their sessions, and a deleted ticket's timers go with it (the foreign
key's cascade), the agents' tabs told so that none keeps ticking for a ticket that is no more."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.timetracking.events import timer_changed
from frontdesk.timetracking.models import RunningTimer


async def agent_deactivated(session: AsyncSession, *, user_id: int) -> None:
    """Nobody can stop it any more, and it would run for ever: its time is not logged."""
    gone = await session.execute(delete(RunningTimer).where(RunningTimer.user_id == user_id))
    if gone.rowcount:  # type: ignore[attr-defined]
        timer_changed(session, user_id=user_id, running=None)


async def tickets_deleted(session: AsyncSession, *, ticket_ids: Sequence[int]) -> None:
    """Before the tickets are deleted (retention, an erasure, the Spam folder emptied)."""
    if not ticket_ids:
        return
    users = await session.scalars(
        select(RunningTimer.user_id).where(RunningTimer.ticket_id.in_(list(ticket_ids)))
    )
    for user_id in users:
        timer_changed(session, user_id=user_id, running=None)
