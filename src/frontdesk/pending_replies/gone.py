"""Scheduled replies whose author goes (docs/desk.md, "Send later"): deactivating an agent fails
their replies scheduled with Send later at once, with the reason their sending would have
given (`author_deactivated`), instead of leaving colleagues to read "Reply scheduled by Ada" for
days about a reply that will never go. Nobody is notified: the author can no longer sign in, and
the ticket's desks see the line go (`ticket.scheduled_replies_changed`). Their replies in an
Undo send window, seconds long, fail at their due time as before.

Kept apart from service.py, which the users domain cannot import (service.py reads the users
service's Undo send choices)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.pending_replies.events import scheduled_changed
from frontdesk.pending_replies.models import PendingReply, PendingReplyFile, PendingState
from frontdesk.tickets.models import Ticket

DEACTIVATED = "Your account was deactivated before this reply went out, so it was not sent."


async def agent_deactivated(session: AsyncSession, *, user_id: int) -> int:
    """How many of their scheduled replies were waiting, now `failed`. Under the rows' locks, so
    a sending in progress is waited for (and then it was sent)."""
    waiting = (
        await session.scalars(
            select(PendingReply)
            .where(
                PendingReply.author_id == user_id,
                PendingReply.scheduled.is_(True),
                PendingReply.state == PendingState.pending,
            )
            .order_by(PendingReply.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).all()
    waiting = [pending for pending in waiting if pending.state is PendingState.pending]
    if not waiting:
        return 0
    ids = [pending.id for pending in waiting]
    # Their uploads wait in the author's box again, swept as any unsent upload is.
    await session.execute(
        delete(PendingReplyFile).where(PendingReplyFile.pending_reply_id.in_(ids))
    )
    inboxes = dict(
        (
            await session.execute(
                select(Ticket.id, Ticket.inbox_id).where(
                    Ticket.id.in_({pending.ticket_id for pending in waiting})
                )
            )
        ).all()
    )
    for pending in waiting:
        pending.state = PendingState.failed
        pending.error_code = "author_deactivated"
        pending.error_message = DEACTIVATED
        inbox_id = inboxes.get(pending.ticket_id)
        if inbox_id is not None:
            scheduled_changed(session, pending=pending, inbox_id=inbox_id, change="failed")
    await session.flush()
    return len(waiting)
