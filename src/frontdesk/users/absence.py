"""Whether an agent is out of office now (docs/desk.md, "Out of office"): the one predicate, in
Python and in SQL, that every rule asks (chat availability, auto-assignment, chat invitations,
notifications, customers' replies). Free of every other domain so that any of them may ask it.

An absence counts within [from, until): one whose `until` has passed is over everywhere at once,
whether or not the loop that clears it (users/out_of_office.py `end_due`) has run yet.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, or_

from frontdesk.errors import Conflict
from frontdesk.users.models import User


def away_now(user: User, now: datetime) -> bool:
    start = user.out_of_office_from
    if start is None or start > now:
        return False
    end = user.out_of_office_until
    return end is None or now < end


def not_away(now: datetime) -> ColumnElement[bool]:
    """SQL: the user is not out of office at `now`."""
    return or_(
        User.out_of_office_from.is_(None),
        User.out_of_office_from > now,
        and_(User.out_of_office_until.is_not(None), User.out_of_office_until <= now),
    )


class OutOfOffice(Conflict):
    """Going online while out of office: the agent ends the absence first."""

    code = "out_of_office"

    def __init__(self, user: User) -> None:
        until = user.out_of_office_until
        when = (
            f"until {until.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
            if until is not None
            else "until you turn it off"
        )
        super().__init__(
            f"You are out of office {when}; end it first (Out of office… in your menu) to take "
            "chats."
        )
