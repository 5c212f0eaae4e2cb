"""Pending replies in an undone split: a reply waiting on the split ticket (Send later, or in its
Undo send window) is sent from the original at its time, as the split ticket's conversation went
back there (tickets/merging.py `undo_move`). Not in a merge of two tickets: a reply scheduled on
the ticket merged away fails at its time (`ticket_merged`, service.py `_send`), for its author to
read the thread it joined (docs/desk.md, "Undoing a split").

Exactly once, whatever the timer does meanwhile: the undo moves only the rows no sending has
claimed (SKIP LOCKED, the claim being the row's lock, service.py `send_next`) under both
tickets' locks; a row claimed at that moment waits for the split ticket's lock, and then either
was sent before the undo (its entry comes back with the rest) or finds the split undone and is
handed over by its sender (`follow`), to be sent from the original in the next transaction.

Its thread is checked at its sending against what its author had seen on the split ticket
(`seen_entry_id`): a message written on either ticket since still stops it, but not the undo's
own timeline line on the original, which would otherwise count as a change of the thread
(tickets/staleness.py): a reply whose thread had not changed but for that line is checked from
the line on.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.pending_replies.events import scheduled_changed
from frontdesk.pending_replies.models import PendingReply, PendingState
from frontdesk.tickets.models import MoveKind, Ticket, TicketMove
from frontdesk.tickets.staleness import StaleThread, ensure_fresh


async def folded_back(
    session: AsyncSession, *, split: Ticket, original: Ticket, line_id: int
) -> list[int]:
    """The split ticket's pending replies that no sending holds, moved to the original (both
    tickets locked by the caller); `line_id`: the undo's line on the original. Their ids."""
    rows = (
        await session.scalars(
            select(PendingReply)
            .where(PendingReply.ticket_id == split.id, PendingReply.state == PendingState.pending)
            .order_by(PendingReply.id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
    ).all()
    for pending in rows:
        await _hand_over(session, pending=pending, split=split, original=original, line_id=line_id)
    return [pending.id for pending in rows]


async def follow(session: AsyncSession, *, pending: PendingReply, ticket: Ticket) -> bool:
    """A reply its sender claimed (row locked) on `ticket` (locked), merged away meanwhile: when
    that was an undone split folding it back into its original, the reply is handed over to the
    original, still due, and True; else False (it fails as `ticket_merged`)."""
    if ticket.merged_into_id is None:
        return False
    move = await session.scalar(
        select(TicketMove).where(
            TicketMove.kind == MoveKind.split_out,
            TicketMove.target_ticket_id == ticket.id,
            TicketMove.source_ticket_id == ticket.merged_into_id,
            TicketMove.undone_at.is_not(None),
        )
    )
    line_id = (move.data.get("undo") or {}).get("line_id") if move is not None else None
    original = await session.get(Ticket, ticket.merged_into_id)
    if line_id is None or original is None:
        return False
    await _hand_over(session, pending=pending, split=ticket, original=original, line_id=line_id)
    return True


async def _hand_over(
    session: AsyncSession, *, pending: PendingReply, split: Ticket, original: Ticket, line_id: int
) -> None:
    fresh = await _fresh(session, pending=pending, original=original, line_id=line_id)
    if pending.scheduled:
        # The split ticket's desks drop it (told before it leaves: the event names its ticket).
        scheduled_changed(session, pending=pending, inbox_id=split.inbox_id, change="moved")
    pending.ticket_id = original.id
    if fresh:
        pending.seen_entry_id = line_id
    await session.flush()
    if pending.scheduled:
        # The original's page lists it, and a ticket list's row shows "Reply scheduled".
        scheduled_changed(session, pending=pending, inbox_id=original.inbox_id, change="moved")


async def _fresh(
    session: AsyncSession, *, pending: PendingReply, original: Ticket, line_id: int
) -> bool:
    """Whether nothing but the undo's line changed the original's thread (the split ticket's
    messages in it) since the entry its author had seen; False without one (nothing checked)."""
    if pending.seen_entry_id is None:
        return False
    try:
        await ensure_fresh(
            session,
            ticket=original,
            seen_entry_id=pending.seen_entry_id,
            author_id=pending.author_id,
        )
    except StaleThread as stale:
        return all(entry["id"] == line_id for entry in stale.new_entries)
    return True
