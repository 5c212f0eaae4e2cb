"""When a report email is due and which period it reports, on the user's clock
(report_emails/schedule.py): pure functions, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from frontdesk.report_emails.models import Frequency
from frontdesk.report_emails.schedule import Period, before, due_after, reported

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_daily_is_due_at_the_hour_on_the_users_clock() -> None:
    # 2026-11-10 07:30 UTC is 08:30 in Paris: today's 08:00 has passed, tomorrow's is next.
    due = due_after(utc(2026, 11, 10, 7, 30), frequency=Frequency.daily, hour=8, zone=PARIS)
    assert due == utc(2026, 11, 11, 7, 0)
    # 06:59 UTC is 07:59 in Paris: today's.
    due = due_after(utc(2026, 11, 10, 6, 59), frequency=Frequency.daily, hour=8, zone=PARIS)
    assert due == utc(2026, 11, 10, 7, 0)
    # Strictly after: at the due instant itself, the next day's.
    due = due_after(utc(2026, 11, 10, 7, 0), frequency=Frequency.daily, hour=8, zone=PARIS)
    assert due == utc(2026, 11, 11, 7, 0)


def test_weekly_is_due_on_monday_morning() -> None:
    # Wednesday 2026-11-11: the next Monday is the 16th, 08:00 in New York is 13:00 UTC.
    due = due_after(utc(2026, 11, 11, 12), frequency=Frequency.weekly, hour=8, zone=NEW_YORK)
    assert due == utc(2026, 11, 16, 13, 0)
    assert due.astimezone(NEW_YORK).weekday() == 0


def test_a_dst_week_keeps_the_local_hour() -> None:
    """Paris goes to summer time on Sunday 2027-03-28 (02:00 → 03:00): the Monday after, 08:00
    is 06:00 UTC, not 07:00; the week between was 167 hours long."""
    first = due_after(utc(2027, 3, 20), frequency=Frequency.weekly, hour=8, zone=PARIS)
    assert first == utc(2027, 3, 22, 7, 0)
    second = due_after(first, frequency=Frequency.weekly, hour=8, zone=PARIS)
    assert second == utc(2027, 3, 29, 6, 0)
    assert (second - first).total_seconds() == 167 * 3600
    assert second.astimezone(PARIS).hour == 8
    # And back in autumn (Sunday 2026-10-25, 03:00 → 02:00): 169 hours, still 08:00.
    autumn = due_after(utc(2026, 10, 13), frequency=Frequency.weekly, hour=8, zone=PARIS)
    after = due_after(autumn, frequency=Frequency.weekly, hour=8, zone=PARIS)
    assert (after - autumn).total_seconds() == 169 * 3600
    assert after.astimezone(PARIS).hour == 8


def test_an_hour_the_clocks_skip_or_repeat_is_due_once() -> None:
    # 02:00 does not exist in Paris on 2027-03-28: due at the jump (03:00 summer time, 01:00 UTC).
    skipped = due_after(utc(2027, 3, 27, 12), frequency=Frequency.daily, hour=2, zone=PARIS)
    assert skipped == utc(2027, 3, 28, 1, 0)
    # 02:00 shows twice on 2026-10-25: due the first time only, then the next day.
    repeated = due_after(utc(2026, 10, 24, 12), frequency=Frequency.daily, hour=2, zone=PARIS)
    assert repeated == utc(2026, 10, 25, 0, 0)
    following = due_after(repeated, frequency=Frequency.daily, hour=2, zone=PARIS)
    assert following == utc(2026, 10, 26, 1, 0)


def test_the_period_is_the_day_or_week_before_on_the_users_clock() -> None:
    # 2026-11-16 07:00 UTC is Monday 08:00 in Paris but Monday 02:00 in New York.
    now = utc(2026, 11, 16, 7, 0)
    assert reported(now, frequency=Frequency.daily, zone=PARIS) == Period(
        date(2026, 11, 15), date(2026, 11, 15)
    )
    assert reported(now, frequency=Frequency.weekly, zone=PARIS) == Period(
        date(2026, 11, 9), date(2026, 11, 15)
    )
    # 2026-11-16 03:00 UTC is still Sunday the 15th in New York: last week is the 2nd to 8th.
    assert reported(utc(2026, 11, 16, 3), frequency=Frequency.weekly, zone=NEW_YORK) == Period(
        date(2026, 11, 2), date(2026, 11, 8)
    )


def test_a_late_round_reports_the_last_whole_period_once() -> None:
    """Down from Tuesday to Friday: the daily email sent on Friday is Thursday's, and the next is
    Saturday's (one email, not one per missed day)."""
    friday = utc(2026, 11, 13, 15)
    assert reported(friday, frequency=Frequency.daily, zone=PARIS) == Period(
        date(2026, 11, 12), date(2026, 11, 12)
    )
    assert due_after(friday, frequency=Frequency.daily, hour=8, zone=PARIS) == utc(
        2026, 11, 14, 7, 0
    )


def test_compared_with_the_period_before() -> None:
    week = Period(date(2026, 11, 9), date(2026, 11, 15))
    assert before(week) == Period(date(2026, 11, 2), date(2026, 11, 8))
    day = Period(date(2026, 3, 1), date(2026, 3, 1))
    assert before(day) == Period(date(2026, 2, 28), date(2026, 2, 28))
