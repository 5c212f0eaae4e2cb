"""A customer's answer to a ticket whose assignee is out of office: the ticket goes back to the
team (unassigned, with a line saying why), then to the next eligible member when its inbox
assigns automatically (docs/routing.md, "Out of office"). An agent who chose to keep their
tickets (`User.out_of_office_keep_assigned`) keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.assignment import service
from frontdesk.assignment.models import AssignmentMode, InboxAssignment
from frontdesk.hours import service as hours_service
from frontdesk.hours.calendar import Calendar
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Ticket, TicketState
from frontdesk.users.absence import not_away
from frontdesk.users.models import User


@dataclass(frozen=True)
class _Handing:
    """An inbox's assignment settings, locked, and its calendar; None: nobody hands out now."""

    settings: InboxAssignment
    calendar: Calendar


class AwayAssignees:
    """What a batch of received mail asks once, not once per message (receiving is a hot path
    whose statements are counted, tests/mail/test_inbound_batches.py): the agents away now who
    give their tickets back (the first time an answered ticket has an assignee), and each
    inbox's assignment settings and calendar (the first time one of its tickets goes back)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._away: dict[int, User] | None = None
        self._handing: dict[int, _Handing | None] = {}

    async def of(self, session: AsyncSession, user_id: int) -> User | None:
        if self._away is None:
            found = await session.scalars(
                select(User).where(
                    User.out_of_office_from.is_not(None),
                    ~not_away(self.now),
                    User.out_of_office_keep_assigned.is_(False),
                )
            )
            self._away = {user.id: user for user in found}
        return self._away.get(user_id)

    async def handing(self, session: AsyncSession, inbox_id: int) -> _Handing | None:
        if inbox_id not in self._handing:
            # SKIP LOCKED: the batch holds its tickets, and the assignment timer holds these
            # settings while it waits for a ticket (assignment/service.py `hand_out`,
            # `move_untouched`); waiting here would deadlock the two. Held: the tickets stay
            # unassigned, and the timer's next pass hands them out.
            settings = await service.lock_settings(session, inbox_id=inbox_id, skip_locked=True)
            found = None
            if settings is not None and settings.mode is not AssignmentMode.off:
                calendar = await hours_service.calendar_of(session, inbox_id=inbox_id)
                found = _Handing(settings, calendar)
            self._handing[inbox_id] = found
        return self._handing[inbox_id]


async def customer_answered(session: AsyncSession, *, ticket: Ticket, away: AwayAssignees) -> bool:
    """Called where customers' replies reach tickets, under the ticket's row lock. True when
    the ticket went back to the team."""
    if ticket.assignee_id is None or ticket.state is not TicketState.open:
        return False
    assignee = await away.of(session, ticket.assignee_id)
    if assignee is None:
        return False
    await tickets_service.update_ticket(session, actor=None, ticket=ticket, unassign=True)
    await tickets_service.log_event(
        session,
        ticket=ticket,
        actor=None,
        text=f"Returned to the team: the customer answered while {assignee.name} is out of office.",
        out_of_office_user_id=assignee.id,
    )
    handing = await away.handing(session, ticket.inbox_id)
    if handing is not None:
        await service.assign_ticket(
            session,
            settings=handing.settings,
            ticket=ticket,
            calendar=handing.calendar,
            now=away.now,
            exclude=assignee.id,
        )
    return True
