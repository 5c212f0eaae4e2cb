"""`ticket_status.changed`: an admin created, edited or deleted a custom ticket status; every
agent's desk reads the statuses again (docs/realtime.md). Published after the commit, as every
event is, so a refused change tells nobody. The event names the change, not the status: the list
is the same for everyone, and a burst of changes costs each desk one read."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.realtime.catalogue import (
    TicketStatusChanged,
    TicketStatusChangeName,
    TicketStatusEvent,
    UserRef,
)
from frontdesk.realtime.envelope import ALL_AGENTS
from frontdesk.realtime.publisher import record
from frontdesk.users.models import User


def record_changed(
    session: AsyncSession, *, change: TicketStatusChangeName, status_id: int, by: User
) -> None:
    record(
        session,
        type=TicketStatusEvent.changed,
        topics=[ALL_AGENTS],
        data=TicketStatusChanged(
            change=change, status_id=status_id, by=UserRef(id=by.id, name=by.name)
        ),
    )
