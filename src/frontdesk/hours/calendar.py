"""An inbox's calendar as pure arithmetic: its time zone, weekly hours and holidays, and the
three questions everything else asks of it (open now? open next when? how much business time
between two instants?). No database, no clock: callers pass the instants.

Wall-clock rules (docs/routing.md):
- An interval belongs to the local date it starts on; one whose closing time is not after its
  opening time runs overnight into the next day (Fri 22:00-02:00 ends Saturday 02:00).
- A holiday closes every interval that starts on its date, overnight tails included; the tail of
  the previous night's interval that runs into the holiday stays open.
- A wall time is the first instant the clock shows it or a later time: a time skipped when the
  clocks go forward (02:30 in Paris on the last Sunday of March) is the instant of the jump
  (03:00 CEST); a time shown twice when they go back is its first showing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
# How far ahead "when do we open next" looks: a year of holidays cannot hide a weekly schedule
# from a search this long, so running out of it means "never".
HORIZON_DAYS = 800


@dataclass(frozen=True, order=True)
class Interval:
    """Open on `day` (0 = Monday) from `opens` to `closes`, in minutes after local midnight;
    `closes` <= `opens` runs into the next day, and 1440 is the end of the day."""

    day: int
    opens: int
    closes: int

    @property
    def overnight(self) -> bool:
        return self.closes <= self.opens


@dataclass(frozen=True)
class Holiday:
    on: date
    name: str = ""
    yearly: bool = False

    def falls_on(self, day: date) -> bool:
        if self.yearly:
            return (self.on.month, self.on.day) == (day.month, day.day)
        return self.on == day


@dataclass(frozen=True)
class Calendar:
    """`always_open` is the calendar of an inbox nobody configured: no behaviour changes."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    intervals: Sequence[Interval] = ()
    holidays: Sequence[Holiday] = ()
    always_open: bool = True

    # --- the questions -----------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        if self.always_open:
            return True
        return any(start <= at < end for start, end in self._spans(at, at))

    def next_opening(self, after: datetime) -> datetime | None:
        """The first instant at or after `after` when it is open (`after` itself when open);
        None when it never opens again."""
        if self.always_open:
            return after
        for start, end in self._spans(after, None):
            if end > after:
                return max(start, after)
        return None

    def next_closing(self, after: datetime) -> datetime | None:
        """The first instant at or after `after` when it is closed (`after` itself when closed);
        None when it never closes."""
        if self.always_open:
            return None
        for start, end in self._spans(after, None):
            if end <= after:
                continue
            if start > after:
                return after
            after = end  # open until `end`; a span starting right then continues it
        return None

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        """Open time from `start` to `end`; negative when `end` is before `start`."""
        if end < start:
            return -self.business_seconds_between(end, start)
        if self.always_open:
            return (end - start).total_seconds()
        total = 0.0
        for open_at, close_at in self._spans(start, end):
            overlap = min(close_at, end) - max(open_at, start)
            total += max(overlap.total_seconds(), 0.0)
        return total

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime | None:
        """The instant when `seconds` of open time have passed since `start` (an SLA's due
        time); None when the calendar never gathers that much."""
        if self.always_open:
            return start + timedelta(seconds=seconds)
        left = timedelta(seconds=seconds)
        for open_at, close_at in self._spans(start, None):
            if close_at <= start:
                continue
            begin = max(open_at, start)
            if begin + left <= close_at:
                return begin + left
            left -= close_at - begin
        return None

    # --- the open spans, as UTC instants -----------------------------------------------------

    def _spans(self, start: datetime, end: datetime | None) -> Iterator[tuple[datetime, datetime]]:
        """Merged open spans that may touch [start, end] (end None: up to the horizon), in
        order. Touching and overlapping spans are merged, so "open until" is a real closing."""
        current: tuple[datetime, datetime] | None = None
        for span in self._raw_spans(start, end):
            if current is None:
                current = span
            elif span[0] <= current[1]:
                current = (current[0], max(current[1], span[1]))
            else:
                yield current
                current = span
        if current is not None:
            yield current

    def _raw_spans(
        self, start: datetime, end: datetime | None
    ) -> Iterator[tuple[datetime, datetime]]:
        # Start a day early: yesterday's overnight interval may still be open.
        first = start.astimezone(self.zone).date() - timedelta(days=1)
        last = (
            end.astimezone(self.zone).date()
            if end is not None
            else first + timedelta(days=HORIZON_DAYS)
        )
        by_day: dict[int, list[Interval]] = {}
        for interval in sorted(self.intervals):
            by_day.setdefault(interval.day, []).append(interval)
        day = first
        while day <= last:
            todays = by_day.get(day.weekday(), [])
            if todays and not any(holiday.falls_on(day) for holiday in self.holidays):
                spans = []
                for interval in todays:
                    opens = wall_instant(day, interval.opens, self.zone)
                    closes_on = day + timedelta(days=1) if interval.overnight else day
                    closes = wall_instant(closes_on, interval.closes, self.zone)
                    if closes > opens:
                        spans.append((opens, closes))
                # An overnight interval sorts among its day's by opening, which keeps order.
                yield from sorted(spans)
            day += timedelta(days=1)


def wall_instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the clock in `zone` shows `day` at `minutes`, or later."""
    if minutes >= DAY_MINUTES:
        day, minutes = day + timedelta(days=1), minutes - DAY_MINUTES
    wall = datetime.combine(day, time(minutes // 60, minutes % 60))
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    earliest = min(first, second)
    if earliest.astimezone(zone).replace(tzinfo=None) == wall:
        return earliest  # exists; the first of two showings when the clocks go back
    # Skipped by a jump forward: find the jump, the first instant whose wall time is later.
    low, high = int(earliest.timestamp()), int(max(first, second).timestamp())
    while low < high:
        middle = (low + high) // 2
        shown = datetime.fromtimestamp(middle, UTC).astimezone(zone).replace(tzinfo=None)
        if shown >= wall:
            high = middle
        else:
            low = middle + 1
    return datetime.fromtimestamp(low, UTC)


def parse_hhmm(text: str) -> int:
    """ "09:30" as minutes after midnight; "24:00" is the end of the day. ValueError otherwise."""
    hours, sep, minutes = text.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2 or not (hours + minutes).isdigit():
        raise ValueError(f"{text!r} is not a time like 09:30")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > DAY_MINUTES:
        raise ValueError(f"{text!r} is not a time of day between 00:00 and 24:00")
    return value


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
