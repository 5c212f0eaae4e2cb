"""Send later: a reply its author scheduled for a time they chose (`send_at`), held as a pending
reply due then and sent by the same timer, with the same checks, as Undo send's
(pending_replies/service.py).

What differs from an Undo send window, which lasts seconds:
- the time is checked: in the future, at most `MAX_AHEAD` away, before a snooze it asks for;
- while it waits, every agent who sees the ticket sees it, its text included (`list_scheduled`),
  as the desk's colleagues would otherwise answer the customer a second time; only its author
  sends it now, edits it (takes it back) or cancels it;
- its thread is always checked again at its sending: a customer's message or another agent's
  reply after it was scheduled cancels it ("cancel if they reply"), and its author is told.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Conflict, Invalid
from frontdesk.kit.clock import utcnow
from frontdesk.pending_replies.events import scheduled_changed
from frontdesk.pending_replies.models import PendingReply, PendingState
from frontdesk.pending_replies.service import expect_after_commit, lock_own
from frontdesk.tickets import service as tickets_service
from frontdesk.users.models import User

# The farthest ahead a reply may be scheduled: a reply weeks away is a reminder, not a reply.
MAX_AHEAD = timedelta(days=30)


def checked_send_at(
    send_at: datetime, *, snooze_until: datetime | None, undo_seconds: int | None
) -> datetime:
    """`send_at` if a reply may be scheduled for then; else a 422 naming the field."""
    if undo_seconds:
        raise Invalid(
            "undo_seconds",
            "A scheduled reply has no Undo send window: leave out `undo_seconds` with `send_at`.",
        )
    now = utcnow()
    if send_at <= now:
        raise Invalid(
            "send_at",
            "This time has already passed: choose a time in the future to send the reply.",
        )
    if send_at > now + MAX_AHEAD:
        raise Invalid(
            "send_at",
            f"A reply can be scheduled at most {MAX_AHEAD.days} days ahead: choose an "
            "earlier time.",
        )
    if snooze_until is not None and snooze_until <= send_at:
        raise Invalid(
            "snooze_until",
            "The snooze would end before the scheduled reply goes out: choose a time after "
            "`send_at`.",
        )
    return send_at


async def send_now(
    session: AsyncSession, *, author: User, ticket_id: int, pending_id: int
) -> PendingReply:
    """Send now: the author's waiting reply made due at once, for the timer to send within a
    second, exactly as at its chosen time (one claim, so never twice, whatever the timer was
    doing). Under the row's lock: a sending in progress is waited for, then answered `409`."""
    pending = await lock_own(session, author=author, ticket_id=ticket_id, pending_id=pending_id)
    if pending.state is PendingState.sent:
        raise Conflict("This reply was already sent.", code="reply_already_sent")
    if pending.state is not PendingState.pending:
        raise Conflict(
            "This reply is no longer waiting to be sent (cancelled, or not sent): take it back "
            "to the reply box to send it.",
            code="reply_not_pending",
        )
    now = utcnow()
    if pending.due_at > now:
        pending.due_at = now
        await session.flush()
    expect_after_commit(session, pending.due_at)
    if pending.scheduled:
        ticket = await tickets_service.get_ticket_by_id(session, ticket_id=pending.ticket_id)
        if ticket is not None:
            scheduled_changed(session, pending=pending, inbox_id=ticket.inbox_id, change="sending")
    return pending


async def list_scheduled(
    session: AsyncSession, *, user: User, ticket_id: int
) -> Sequence[PendingReply]:
    """The ticket's replies scheduled with Send later and still waiting, by anyone, soonest
    first, for an agent who sees the ticket (404 otherwise)."""
    await tickets_service.get_ticket(session, user=user, ticket_id=ticket_id)
    return (
        await session.scalars(
            select(PendingReply)
            .where(
                PendingReply.ticket_id == ticket_id,
                PendingReply.scheduled.is_(True),
                PendingReply.state == PendingState.pending,
            )
            .order_by(PendingReply.due_at, PendingReply.id)
        )
    ).all()


async def next_due(session: AsyncSession, *, ticket_ids: Collection[int]) -> dict[int, datetime]:
    """When each ticket's soonest scheduled reply still waiting goes, one statement for a page
    of the ticket list (its "Reply scheduled" mark); tickets with none are left out. The caller
    lists only tickets its reader sees, and every agent who sees a ticket sees its scheduled
    replies (`list_scheduled`)."""
    if not ticket_ids:
        return {}
    rows = await session.execute(
        select(PendingReply.ticket_id, func.min(PendingReply.due_at))
        .where(
            PendingReply.ticket_id.in_(list(ticket_ids)),
            PendingReply.scheduled.is_(True),
            PendingReply.state == PendingState.pending,
        )
        .group_by(PendingReply.ticket_id)
    )
    return {int(ticket_id): due_at for ticket_id, due_at in rows}
