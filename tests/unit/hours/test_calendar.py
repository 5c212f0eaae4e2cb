"""The calendar's arithmetic at fixed instants: time zones far from UTC, the days the clocks
change, holidays and overnight intervals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.hours.calendar import Calendar, Holiday, Interval, parse_hhmm, wall_instant

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc,arg-type]


def local(zone: str, *parts: int, fold: int = 0) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone), fold=fold)  # type: ignore[misc,arg-type]


def office(zone: str, *extra: Interval, holidays: tuple[Holiday, ...] = ()) -> Calendar:
    """Monday to Friday, 09:00 to 17:00, plus `extra`."""
    weekdays = tuple(Interval(day, 9 * 60, 17 * 60) for day in range(MON, SAT))
    return Calendar(
        zone=ZoneInfo(zone), intervals=weekdays + extra, holidays=holidays, always_open=False
    )


class TestAlwaysOpen:
    def test_answers_as_if_there_were_no_hours(self) -> None:
        calendar = Calendar()
        start = utc(2026, 12, 5, 3)
        assert calendar.is_open(start)
        assert calendar.next_opening(start) == start
        assert calendar.next_closing(start) is None
        assert calendar.business_seconds_between(start, start + timedelta(days=2)) == 172_800
        assert calendar.add_business_seconds(start, 60) == start + timedelta(minutes=1)


class TestOfficeHours:
    calendar = office("Europe/Paris")

    def test_open_inside_the_hours_closed_outside(self) -> None:
        assert self.calendar.is_open(local("Europe/Paris", 2026, 12, 7, 9, 0))
        assert self.calendar.is_open(local("Europe/Paris", 2026, 12, 7, 16, 59))
        assert not self.calendar.is_open(local("Europe/Paris", 2026, 12, 7, 17, 0))
        assert not self.calendar.is_open(local("Europe/Paris", 2026, 12, 7, 8, 59))
        assert not self.calendar.is_open(local("Europe/Paris", 2026, 12, 5, 12, 0))  # Saturday

    def test_friday_evening_opens_next_on_monday_morning(self) -> None:
        friday = local("Europe/Paris", 2026, 12, 4, 18, 0)
        assert self.calendar.next_opening(friday) == local("Europe/Paris", 2026, 12, 7, 9, 0)
        assert self.calendar.next_closing(friday) == friday

    def test_open_now_opens_now_and_closes_at_five(self) -> None:
        noon = local("Europe/Paris", 2026, 12, 7, 12, 0)
        assert self.calendar.next_opening(noon) == noon
        assert self.calendar.next_closing(noon) == local("Europe/Paris", 2026, 12, 7, 17, 0)

    def test_business_time_skips_nights_and_weekends(self) -> None:
        friday = local("Europe/Paris", 2026, 12, 4, 16, 0)
        monday = local("Europe/Paris", 2026, 12, 7, 10, 0)
        assert self.calendar.business_seconds_between(friday, monday) == 2 * 3600
        assert self.calendar.business_seconds_between(monday, friday) == -2 * 3600
        # A whole week is five eight-hour days.
        week = local("Europe/Paris", 2026, 12, 14, 0, 0)
        assert self.calendar.business_seconds_between(
            local("Europe/Paris", 2026, 12, 7, 0, 0), week
        ) == (5 * 8 * 3600)

    def test_adding_business_time_carries_over_the_weekend(self) -> None:
        friday = local("Europe/Paris", 2026, 12, 4, 16, 0)
        due = self.calendar.add_business_seconds(friday, 4 * 3600)
        assert due == local("Europe/Paris", 2026, 12, 7, 12, 0)


class TestDaylightSaving:
    def test_wall_clock_hours_hold_across_the_change(self) -> None:
        calendar = office("Europe/Paris")
        # 09:00 in Paris is 08:00 UTC in winter and 07:00 UTC in summer.
        assert calendar.next_opening(utc(2027, 3, 26, 0)) == utc(2027, 3, 26, 8)
        assert calendar.next_opening(utc(2027, 3, 29, 0)) == utc(2027, 3, 29, 7)
        # The weekend of the change: Friday 17:00 CET to Monday 09:00 CEST.
        assert calendar.business_seconds_between(utc(2027, 3, 26, 0), utc(2027, 3, 30, 0)) == (
            2 * 8 * 3600
        )

    def test_an_hour_skipped_in_spring_is_not_worked(self) -> None:
        # Paris, Sunday 28 March 2027: 02:00 jumps to 03:00. 01:00-04:00 lasts two hours.
        calendar = Calendar(
            zone=ZoneInfo("Europe/Paris"), intervals=(Interval(SUN, 60, 240),), always_open=False
        )
        sunday = utc(2027, 3, 28, 0)
        assert (
            calendar.business_seconds_between(
                sunday - timedelta(hours=1), sunday + timedelta(hours=5)
            )
            == 2 * 3600
        )

    def test_a_skipped_time_is_the_instant_of_the_jump(self) -> None:
        zone = ZoneInfo("Europe/Paris")
        assert wall_instant(date(2027, 3, 28), parse_hhmm("02:30"), zone) == utc(2027, 3, 28, 1)
        calendar = Calendar(zone=zone, intervals=(Interval(SUN, 150, 600),), always_open=False)
        assert calendar.next_opening(utc(2027, 3, 27, 12)) == local(
            "Europe/Paris", 2027, 3, 28, 3, 0
        )

    def test_an_hour_shown_twice_in_autumn_is_worked_twice(self) -> None:
        # Paris, Sunday 25 October 2026: 03:00 goes back to 02:00. 01:00-04:00 lasts four hours.
        calendar = Calendar(
            zone=ZoneInfo("Europe/Paris"), intervals=(Interval(SUN, 60, 240),), always_open=False
        )
        assert calendar.business_seconds_between(utc(2026, 10, 24, 12), utc(2026, 10, 25, 12)) == (
            4 * 3600
        )

    def test_a_time_shown_twice_is_its_first_showing(self) -> None:
        zone = ZoneInfo("Europe/Paris")
        # Compared in UTC: Python never calls a repeated wall time equal to another zone's time.
        first = local("Europe/Paris", 2026, 10, 25, 2, 30, fold=0).astimezone(UTC)
        assert first == utc(2026, 10, 25, 0, 30)
        assert wall_instant(date(2026, 10, 25), parse_hhmm("02:30"), zone) == first

    def test_new_york_spring_and_autumn(self) -> None:
        calendar = office("America/New_York")
        # Opening at 09:00 EST is 14:00 UTC; after 14 March 2027 it is 13:00 UTC.
        assert calendar.next_opening(utc(2027, 3, 12, 0)) == utc(2027, 3, 12, 14)
        assert calendar.next_opening(utc(2027, 3, 15, 0)) == utc(2027, 3, 15, 13)
        # Sunday 1 November 2026, 01:30 happens twice; an interval 00:00-03:00 lasts 4 hours.
        night = Calendar(
            zone=ZoneInfo("America/New_York"),
            intervals=(Interval(SUN, 0, 180),),
            always_open=False,
        )
        assert night.business_seconds_between(utc(2026, 10, 31), utc(2026, 11, 2)) == 4 * 3600

    def test_lord_howe_moves_its_clocks_by_half_an_hour(self) -> None:
        # Sunday 4 October 2026: 02:00 jumps to 02:30, so 02:00-03:00 is half an hour long.
        calendar = Calendar(
            zone=ZoneInfo("Australia/Lord_Howe"),
            intervals=(Interval(SUN, 120, 180),),
            always_open=False,
        )
        assert calendar.business_seconds_between(utc(2026, 10, 3), utc(2026, 10, 5)) == 1800
        # 02:15 never shows: it opens at the jump, 02:30 at +11:00.
        assert calendar.next_opening(utc(2026, 10, 3)) == local(
            "Australia/Lord_Howe", 2026, 10, 4, 2, 30
        )
        # Sunday 4 April 2027: 02:00 goes back to 01:30, so 01:00-03:00 lasts 2.5 hours.
        back = Calendar(
            zone=ZoneInfo("Australia/Lord_Howe"),
            intervals=(Interval(SUN, 60, 180),),
            always_open=False,
        )
        assert back.business_seconds_between(utc(2027, 4, 3), utc(2027, 4, 5)) == 2.5 * 3600


class TestFarFromUtc:
    def test_the_same_instant_is_a_different_day_on_each_side_of_the_date_line(self) -> None:
        instant = utc(2026, 12, 7, 20)  # Monday 20:00 UTC
        kiritimati = office("Pacific/Kiritimati")  # UTC+14: Tuesday 10:00
        pago_pago = office("Pacific/Pago_Pago")  # UTC-11: Monday 09:00
        samoa_saturday = utc(2026, 12, 5, 20)  # Saturday UTC: Sunday in Kiritimati
        assert kiritimati.is_open(instant)
        assert pago_pago.is_open(instant)
        assert not kiritimati.is_open(samoa_saturday)
        assert kiritimati.next_opening(samoa_saturday) == local(
            "Pacific/Kiritimati", 2026, 12, 7, 9, 0
        )
        assert kiritimati.next_opening(samoa_saturday) == utc(2026, 12, 6, 19)


class TestHolidays:
    def test_a_one_off_holiday_closes_its_day(self) -> None:
        calendar = office("Europe/Paris", holidays=(Holiday(date(2026, 12, 25), "Christmas"),))
        christmas = local("Europe/Paris", 2026, 12, 25, 10, 0)
        assert not calendar.is_open(christmas)
        assert calendar.next_opening(christmas) == local("Europe/Paris", 2026, 12, 28, 9, 0)
        assert calendar.is_open(local("Europe/Paris", 2027, 12, 24, 10, 0))

    def test_a_yearly_holiday_closes_its_day_every_year(self) -> None:
        calendar = office("Europe/Paris", holidays=(Holiday(date(2020, 5, 1), "", yearly=True),))
        assert not calendar.is_open(local("Europe/Paris", 2026, 5, 1, 10, 0))
        assert not calendar.is_open(local("Europe/Paris", 2028, 5, 1, 10, 0))
        assert calendar.is_open(local("Europe/Paris", 2026, 5, 4, 10, 0))

    def test_business_time_leaves_holidays_out(self) -> None:
        calendar = office("Europe/Paris", holidays=(Holiday(date(2026, 12, 25)),))
        assert calendar.business_seconds_between(
            local("Europe/Paris", 2026, 12, 24, 0, 0), local("Europe/Paris", 2026, 12, 26, 0, 0)
        ) == (8 * 3600)

    def test_holidays_that_close_everything_never_open(self) -> None:
        calendar = Calendar(
            zone=ZoneInfo("UTC"),
            intervals=(Interval(TUE, 540, 1020),),
            holidays=(Holiday(date(2026, 12, 1)),),
            always_open=False,
        )
        assert calendar.next_opening(utc(2026, 12, 1, 10)) == utc(2026, 12, 8, 9)
        nothing = Calendar(zone=ZoneInfo("UTC"), intervals=(), always_open=False)
        assert nothing.next_opening(utc(2026, 12, 1)) is None
        assert nothing.add_business_seconds(utc(2026, 12, 1), 1) is None


class TestOvernight:
    # Friday 22:00 to Saturday 02:00, a late shift.
    calendar = Calendar(
        zone=ZoneInfo("Europe/Paris"), intervals=(Interval(FRI, 22 * 60, 120),), always_open=False
    )

    def test_an_interval_past_midnight_runs_into_the_next_day(self) -> None:
        assert self.calendar.is_open(local("Europe/Paris", 2026, 12, 4, 23, 0))
        assert self.calendar.is_open(local("Europe/Paris", 2026, 12, 5, 1, 59))
        assert not self.calendar.is_open(local("Europe/Paris", 2026, 12, 5, 2, 0))
        assert self.calendar.next_closing(local("Europe/Paris", 2026, 12, 4, 23, 0)) == local(
            "Europe/Paris", 2026, 12, 5, 2, 0
        )

    def test_a_holiday_closes_the_night_that_starts_on_it_not_the_one_that_ends_on_it(
        self,
    ) -> None:
        calendar = Calendar(
            zone=self.calendar.zone,
            intervals=self.calendar.intervals,
            holidays=(Holiday(date(2026, 12, 4)), Holiday(date(2026, 12, 12))),
            always_open=False,
        )
        assert not calendar.is_open(local("Europe/Paris", 2026, 12, 4, 23, 0))
        assert not calendar.is_open(local("Europe/Paris", 2026, 12, 5, 1, 0))
        # Friday the 11th is no holiday; Saturday the 12th is, but its night started Friday.
        assert calendar.is_open(local("Europe/Paris", 2026, 12, 12, 1, 0))

    def test_days_open_around_the_clock_close_only_when_the_run_ends(self) -> None:
        calendar = Calendar(
            zone=ZoneInfo("America/New_York"),
            intervals=(Interval(MON, 0, 1440), Interval(TUE, 0, 1440)),
            always_open=False,
        )
        monday = local("America/New_York", 2026, 12, 7, 10, 0)
        assert calendar.next_closing(monday) == local("America/New_York", 2026, 12, 9, 0, 0)


@pytest.mark.parametrize("text", ["9:00", "24:01", "12:60", "ab:cd", "", "12-00"])
def test_wall_times_are_refused_unless_hh_mm(text: str) -> None:
    with pytest.raises(ValueError, match="not a time"):
        parse_hhmm(text)
