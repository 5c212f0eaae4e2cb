"""Pending reply events: its author's desks learn at once that a held reply was not sent."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.pending_replies.models import PendingReply
from frontdesk.realtime.catalogue import PendingReplyEvent, PendingReplyFailed
from frontdesk.realtime.envelope import agent_topic
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
