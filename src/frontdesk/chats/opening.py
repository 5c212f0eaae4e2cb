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


async def opening_now(
    session: AsyncSession, *, inbox: Inbox, hours: SeenHours | None = None
) -> Opening:
    """The state now. Of the hours it needs the calendar and the away message: with `hours`
    seen by the caller's statement, the calendar this process keeps at that version, the hours
    read only when it keeps none (hours/service.py `kept_calendar`); without, the hours read."""
    now = clock.utcnow()
    if hours is None:
        settings = await hours_service.get_hours(session, inbox_id=inbox.id)
        calendar, away_message = settings.calendar, settings.away_message
    else:
        calendar = await hours_service.kept_calendar(
            session, inbox_id=inbox.id, version=hours.version
        )
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
    calendar = await hours_service.calendar_of(session, inbox_id=inbox.id)
    if calendar.is_open(now):
        return
    back = calendar.next_opening(now)
    raise InboxClosed(
        back.astimezone(calendar.zone).strftime("%A %d %B %Y at %H:%M (%Z)") if back else None
    )


async def reply_expected_from(session: AsyncSession, *, inbox: Inbox) -> datetime | None:
    """When a message left now will be read: the next opening, or None when open now."""
    now = clock.utcnow()
    calendar = await hours_service.calendar_of(session, inbox_id=inbox.id)
    return None if calendar.is_open(now) else calendar.next_opening(now)
