"""What the messenger tells a visitor about now, from the inbox's calendar and who is online:

- `online`: in business hours and an online member has a free place: a chat starts now;
- `away`: in business hours but nobody free. With members online (all at their limit) a chat
  still starts and waits its turn, with its place and the expected wait; with nobody online
  the visitor leaves a message for an email reply;
- `closed`: out of business hours, whoever is online: the visitor leaves a message and is told
  when the inbox opens again. A chat is refused (`inbox_closed`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.capacity import (
    anyone_online,
    expected_wait,
    offer_targets,
    waiting_count,
)
from frontdesk.chats.errors import InboxClosed
from frontdesk.hours import service as hours_service
from frontdesk.hours.calendar import Calendar
from frontdesk.inboxes.models import Inbox
from frontdesk.kit import clock


class OpeningState(StrEnum):
    online = "online"
    away = "away"
    closed = "closed"


@dataclass(frozen=True)
class Opening:
    state: OpeningState
    can_chat: bool
    next_opening_at: datetime | None = None
    away_message: str = ""
    # For a chat started now: its place in the queue and the expected wait, when it would wait.
    queue_position: int | None = None
    estimated_wait_seconds: int | None = None


@dataclass(frozen=True)
class SeenHours:
    """What a caller's own statement read of the inbox's business hours (chats/status_read.py):
    their version (None: no row, always open) and the away message."""

    version: int | None
    away_message: str


async def _seen(session: AsyncSession, *, inbox: Inbox) -> SeenHours:
    return SeenHours(*await hours_service.seen_hours(session, inbox_id=inbox.id))


async def inbox_calendar(session: AsyncSession, *, inbox: Inbox) -> Calendar:
    """The inbox's calendar for a caller whose statements read no hours: their version by the
    primary key, then the calendar this process keeps at it (hours/service.py `kept_calendar`),
    so that the hours row is read and built only after a save. Exact: a save commits a new
    version, which the next caller's read sees (decided 2026-12-07; docs/performance.md, "The
    chat start and the contact form take the kept calendars")."""
    seen = await _seen(session, inbox=inbox)
    return await hours_service.kept_calendar(session, inbox_id=inbox.id, version=seen.version)


async def opening_now(
    session: AsyncSession, *, inbox: Inbox, hours: SeenHours | None = None
) -> Opening:
    """The state now. Of the hours it needs the calendar and the away message: `hours` seen by
    the caller's statement (/status), else read by their primary key (`_seen`), and the calendar
    this process keeps at that version, the hours read only when it keeps none."""
    now = clock.utcnow()
    if hours is None:
        hours = await _seen(session, inbox=inbox)
    calendar = await hours_service.kept_calendar(session, inbox_id=inbox.id, version=hours.version)
    away_message = hours.away_message
    if not calendar.is_open(now):
        return Opening(
            OpeningState.closed,
            can_chat=False,
            next_opening_at=calendar.next_opening(now),
            away_message=away_message,
        )
    if not await anyone_online(session, inbox=inbox):
        return Opening(OpeningState.away, can_chat=False, away_message=away_message)
    if await offer_targets(session, inbox_id=inbox.id):
        return Opening(OpeningState.online, can_chat=True)
    ahead = await waiting_count(session, inbox_id=inbox.id)
    return Opening(
        OpeningState.away,
        can_chat=True,
        away_message=away_message,
        queue_position=ahead + 1,
        estimated_wait_seconds=await expected_wait(session, inbox_id=inbox.id, ahead=ahead),
    )


async def ensure_in_hours(session: AsyncSession, *, inbox: Inbox) -> None:
    """Refuses a chat out of business hours, saying when the inbox opens (in its time zone)."""
    now = clock.utcnow()
    calendar = await inbox_calendar(session, inbox=inbox)
    if calendar.is_open(now):
        return
    back = calendar.next_opening(now)
    raise InboxClosed(
        back.astimezone(calendar.zone).strftime("%A %d %B %Y at %H:%M (%Z)") if back else None
    )


async def reply_expected_from(session: AsyncSession, *, inbox: Inbox) -> datetime | None:
    """When a message left now will be read: the next opening, or None when open now."""
    now = clock.utcnow()
    calendar = await inbox_calendar(session, inbox=inbox)
    return None if calendar.is_open(now) else calendar.next_opening(now)
