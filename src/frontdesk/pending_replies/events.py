"""Pending reply events: its author's desks learn at once that a held reply was not sent, and
the ticket's inbox that a scheduled one (Send later) changed."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.pending_replies.models import PendingReply
from frontdesk.realtime.catalogue import (
    PendingReplyEvent,
    PendingReplyFailed,
    ScheduledChange,
    ScheduledReplyEvent,
    TicketScheduledRepliesChanged,
)
from frontdesk.realtime.envelope import agent_topic, inbox_topic
from frontdesk.realtime.publisher import record


def record_failed(session: AsyncSession, *, pending: PendingReply) -> None:
    """To the author's own tabs, whatever channels they chose for `reply_not_sent`: the state of
    their own reply, as the list shows it (`GET /me/pending-replies`), not a notification. The
    banner of replies not sent reads the list again on it, where it used to wait for the bell's
    notification, or with the bell off for the kind, for its next look a minute later."""
    record(
        session,
        type=PendingReplyEvent.failed,
        topics=[agent_topic(pending.author_id)],
        data=PendingReplyFailed(pending_reply_id=pending.id, ticket_id=pending.ticket_id),
    )


def scheduled_changed(
    session: AsyncSession, *, pending: PendingReply, inbox_id: int, change: ScheduledChange
) -> None:
    """To the agents of the ticket's inbox: a reply scheduled with Send later, which they all see
    on the ticket while it waits, was scheduled, is being sent now, was cancelled (or taken
    back to be edited), was sent or was not sent. They read the ticket's scheduled replies
    again (`GET /tickets/{id}/scheduled-replies`); the event carries none of its text."""
    record(
        session,
        type=ScheduledReplyEvent.changed,
        topics=[inbox_topic(inbox_id)],
        data=TicketScheduledRepliesChanged(
            ticket_id=pending.ticket_id,
            inbox_id=inbox_id,
            pending_reply_id=pending.id,
            author_id=pending.author_id,
            change=change,
        ),
    )
