"""The one statement the messenger's /status reads its inbox with (chats/messenger_api.py
`messenger_status`), which runs on every page view of every site that embeds the messenger: the
inbox by its public key, whether its proactive part is worth loading, and its business hours'
version and away message, from which `opening.opening_now` takes the calendar this process keeps
(hours/calendar_cache.py) instead of reading the hours again (docs/performance.md, "The
writer's calendars and the messenger's status")."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.opening import SeenHours
from frontdesk.errors import NotFound
from frontdesk.hours.models import BusinessHours
from frontdesk.inboxes.models import Inbox
from frontdesk.proactive import service as proactive_service

# Built once: building the statement and its cache key on every call cost as much as the read
# it saves (bench/hot_reads.py). The hours by their primary key: no row, no hours (always open).
_STATUS_INBOX = (
    select(
        Inbox,
        proactive_service.offered(Inbox.id),
        BusinessHours.version,
        BusinessHours.away_message,
    )
    .outerjoin(BusinessHours, BusinessHours.inbox_id == Inbox.id)
    .where(Inbox.public_key == bindparam("public_key"))
)


@dataclass(frozen=True)
class StatusInbox:
    inbox: Inbox
    # Whether the messenger should load its proactive part at all.
    proactive: bool
    hours: SeenHours


async def status_inbox(session: AsyncSession, *, public_key: str) -> StatusInbox:
    """The inbox of the messenger's /status, with what its answer needs of the proactive
    messages and the business hours, in the one statement that reads the inbox. `proactive`:
    decided 2026-12-07, a subquery by the messenger's rule (proactive/service.py `offered`),
    exact at every change of a message, a sender or a membership, rather than a flag on the
    inbox that each of those changes would have to keep. The hours' version: the same day, so
    that the calendar comes from the ones kept while the version is unchanged (exact, no time
    to live), and the away message read with it, so that it needs no read of its own."""
    found = (await session.execute(_STATUS_INBOX, {"public_key": public_key})).one_or_none()
    if found is None:  # as inboxes_service.get_inbox_by_public_key
        raise NotFound("No such inbox.", code="unknown_inbox")
    inbox, proactive, version, away_message = found
    return StatusInbox(inbox, proactive, SeenHours(version, away_message or ""))
