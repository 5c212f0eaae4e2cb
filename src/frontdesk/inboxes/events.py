"""Inbox events: the desks of an inbox hear its settings change, so that what they show from it
(its name, the signature under the reply box) is the inbox's as saved, not as it was when the
page loaded."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.inboxes.models import Inbox
from frontdesk.realtime.catalogue import InboxEvent, InboxSummary, InboxUpdated
from frontdesk.realtime.envelope import inbox_topic, iso
from frontdesk.realtime.publisher import record


def inbox_summary(inbox: Inbox) -> InboxSummary:
    """What an agent reads of the inbox (`GET /inboxes/{id}`): never its identity secret."""
    return InboxSummary(
        id=inbox.id,
        name=inbox.name,
        email_address=inbox.email_address,
        public_key=inbox.public_key,
        unanswered_timeout_seconds=inbox.unanswered_timeout_seconds,
        allowed_origins=list(inbox.allowed_origins),
        require_identity=inbox.require_identity,
        messenger_settings=dict(inbox.messenger_settings),
        retention_days=inbox.retention_days,
        email_signature=inbox.email_signature,
        created_at=iso(inbox.created_at),
    )


def record_inbox_updated(session: AsyncSession, *, before: InboxSummary, inbox: Inbox) -> None:
    """Told to the inbox's desks (its members and every admin) when something they read of it
    changed; nothing when only what they do not read did (the identity secret) or nothing did."""
    after = inbox_summary(inbox)
    changes = [key for key in after if after[key] != before[key]]  # type: ignore[literal-required]
    if changes:
        record(
            session,
            type=InboxEvent.updated,
            topics=[inbox_topic(inbox.id)],
            data=InboxUpdated(inbox=after, changes=changes),
        )
