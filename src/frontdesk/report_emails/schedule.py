"""When a report email is due and which period it reports, on the user's clock (pure functions,
no database).

- Due: `hour`:00 on the user's clock, every day (daily) or every Monday (weekly). An hour the
  clocks skip that day (02:00 when they jump to 03:00) is due at the jump; an hour they show
  twice (when they go back) is due the first time (hours/calendar.py `wall_instant`, the
  business hours' rule). So a week is 167 or 169 hours long across a change, and the email
  still comes at 08:00 on the user's clock.
- Reported: the whole period before the day it is sent, in the user's zone: the day before
  (daily) or the week Monday to Sunday before (weekly), compared with the period before that.
  Worked out from the moment of sending, so a process down for days sends one email, for the
  last whole period, not one per period missed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from frontdesk.hours.calendar import wall_instant
from frontdesk.report_emails.models import Frequency

MONDAY = 0


class Period(NamedTuple):
    since: date
    until: date  # inclusive


def due_after(after: datetime, *, frequency: Frequency, hour: int, zone: ZoneInfo) -> datetime:
    """The first instant strictly after `after` at which an email is due."""
    day = after.astimezone(zone).date() - timedelta(days=1)
    while True:
        if frequency is Frequency.daily or day.weekday() == MONDAY:
            due = wall_instant(day, hour * 60, zone)
            if due > after:
                return due
        day += timedelta(days=1)


def reported(now: datetime, *, frequency: Frequency, zone: ZoneInfo) -> Period:
    """The last whole period before `now` on the user's clock."""
    today = now.astimezone(zone).date()
    if frequency is Frequency.daily:
        yesterday = today - timedelta(days=1)
        return Period(yesterday, yesterday)
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(days=7), monday - timedelta(days=1))


def before(period: Period) -> Period:
    """The period of the same length just before, to compare with."""
    length = period.until - period.since + timedelta(days=1)
    return Period(period.since - length, period.until - length)
