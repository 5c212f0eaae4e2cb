"""Business hours: reading and setting an inbox's calendar, and the calendar every other rule
asks (the messenger's state, SLAs, assignment, reports). Nothing else computes hours.

    calendar = await hours_service.calendar_of(session, inbox_id=inbox.id)
    calendar.is_open(now); calendar.next_opening(now); calendar.next_closing(now)
    calendar.business_seconds_between(start, end); calendar.add_business_seconds(start, secs)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Invalid, NotFound
from frontdesk.hours import calendar_cache
from frontdesk.hours.calendar import (
    DAY_MINUTES,
    DAY_NAMES,
    Calendar,
    Holiday,
    Interval,
    format_hhmm,
    parse_hhmm,
)
from frontdesk.hours.models import BusinessHours
from frontdesk.hours.zones import refusal
from frontdesk.kit.clock import utcnow
from frontdesk.kit.zones import is_place

__all__ = [
    "Calendar",
    "HoursSettings",
    "calendar_of",
    "calendars_of",
    "get_hours",
    "keep_calendars",
    "kept_calendar",
    "kept_calendars",
    "seen_hours",
    "set_hours",
    "stored_calendar",
]

ALWAYS_OPEN = Calendar()


@dataclass(frozen=True)
class HoursSettings:
    """What an admin set, with the calendar it makes."""

    inbox_id: int
    enabled: bool
    time_zone: str
    weekly: list[dict[str, str]]
    holidays: list[dict[str, Any]]
    away_message: str
    calendar: Calendar


def _zone(name: str) -> ZoneInfo:
    # Only IANA names: zoneinfo would also take a path-like key that exists in the tz database's
    # folder layout, such as "posix/Europe/Paris", which no desk should ever show.
    if not is_place(name):
        raise Invalid(
            "time_zone", f"{name!r} is not a time zone; use an IANA name like Europe/Paris."
        )
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid("time_zone", f"{name!r} is not a known time zone.") from None
    # "EST" and "Etc/GMT+5" are in the tz database, and are not what they seem (hours/zones.py).
    refused = refusal(name, zone)
    if refused is not None:
        raise Invalid("time_zone", refused)
    return zone


def _intervals(weekly: Sequence[dict[str, str]], *, checked: bool = False) -> list[Interval]:
    intervals = []
    for index, row in enumerate(weekly):
        field = f"weekly.{index}"
        try:
            opens = parse_hhmm(row["opens"])
        except ValueError as refused:
            raise Invalid(f"{field}.opens", str(refused)) from None
        try:
            closes = parse_hhmm(row["closes"])
        except ValueError as refused:
            raise Invalid(f"{field}.closes", str(refused)) from None
        if opens >= DAY_MINUTES:
            raise Invalid(f"{field}.opens", "An interval cannot open at 24:00; use 00:00.")
        if opens == closes:
            raise Invalid(
                f"{field}.closes",
                "Opening and closing at the same time is empty; to stay open all day, "
                "use 00:00 to 24:00.",
            )
        intervals.append(Interval(DAY_NAMES.index(row["day"]), opens, closes))
    if not checked:  # stored hours were checked when saved; /status reads them on every call
        _refuse_overlaps(intervals, weekly)
    return intervals


def _week_minutes(interval: Interval) -> tuple[int, int]:
    start = interval.day * DAY_MINUTES + interval.opens
    length = (interval.closes - interval.opens) % DAY_MINUTES or DAY_MINUTES
    return start, start + length


def _label(row: dict[str, str]) -> str:
    return f"{row['day'].capitalize()} {row['opens']}-{row['closes']}"


def _refuse_overlaps(intervals: list[Interval], weekly: Sequence[dict[str, str]]) -> None:
    """Two intervals sharing a minute of the week (Sunday night's running into Monday
    included) are a mistake an admin should see, not something to guess a meaning for."""
    week = 7 * DAY_MINUTES
    for i, first in enumerate(intervals):
        a_start, a_end = _week_minutes(first)
        for j in range(i):
            b_start, b_end = _week_minutes(intervals[j])
            for shift in (-week, 0, week):
                if a_start < b_end + shift and b_start + shift < a_end:
                    raise Invalid(
                        f"weekly.{i}",
                        f"{_label(weekly[i])} overlaps {_label(weekly[j])}; "
                        "join them into one interval.",
                    )


def _holidays(rows: Sequence[dict[str, Any]]) -> list[Holiday]:
    holidays, seen = [], set()
    for index, row in enumerate(rows):
        on = row["date"] if isinstance(row["date"], date) else date.fromisoformat(row["date"])
        yearly = bool(row.get("yearly"))
        if yearly and (on.month, on.day) == (2, 29):
            raise Invalid(
                f"holidays.{index}.yearly",
                "29 February is not a date every year; make it a one-off holiday.",
            )
        key = (on.month, on.day) if yearly else on
        if key in seen:
            raise Invalid(f"holidays.{index}.date", f"{on.isoformat()} is listed twice.")
        seen.add(key)
        holidays.append(Holiday(on, str(row.get("name") or ""), yearly))
    return holidays


async def _first_row(session: AsyncSession, inbox_id: int, values: dict[str, Any]) -> BusinessHours:
    """The inbox's row, created by this request or, when two admins save at once, by the other
    (the primary key lets one insert win; the loser updates the winner's row). Created with the
    saved values: a row of defaults first was a second audit entry ("Business hours set: Off,
    UTC") before the real one."""
    try:
        async with session.begin_nested():
            row = BusinessHours(inbox_id=inbox_id, **values)
            session.add(row)
            await session.flush()
    except IntegrityError:
        found = await session.get(BusinessHours, inbox_id, populate_existing=True)
        if found is None:  # the row that beat ours is gone again: the inbox was deleted
            raise NotFound("No such inbox.") from None
        return found
    return row


def _calendar(row: BusinessHours | None) -> Calendar:
    if row is None:
        return ALWAYS_OPEN
    return stored_calendar(row.enabled, row.time_zone, row.weekly, row.holidays)


def stored_calendar(
    enabled: bool,
    time_zone: str,
    weekly: Sequence[dict[str, str]],
    holidays: Sequence[dict[str, Any]],
) -> Calendar:
    """The calendar of a stored `business_hours` row's values, for a caller that read them
    itself (the chat writer's fixed statements, metrics/clock_rows.py)."""
    if not enabled:
        return ALWAYS_OPEN
    return Calendar(
        zone=ZoneInfo(time_zone),
        intervals=tuple(_intervals(weekly, checked=True)),
        holidays=tuple(_holidays(holidays)),
        always_open=False,
    )


def kept_calendars(
    session: AsyncSession, versions: Mapping[int, int | None]
) -> tuple[dict[int, Calendar], set[int]]:
    """For the chat writer, which reads its inboxes' hours versions with its clocks (None: no
    row), and `kept_calendar`: the calendars this process keeps at those versions, and the
    inboxes whose hours it must read (`keep_calendars`). Exact, never stale
    (hours/calendar_cache.py)."""
    engine = session.sync_session.get_bind().engine
    return calendar_cache.of_engine(engine).known(versions, ALWAYS_OPEN)


def keep_calendars(
    session: AsyncSession,
    rows: Iterable[tuple[int, int, bool, str, Sequence[dict[str, str]], Sequence[dict[str, Any]]]],
) -> dict[int, Calendar]:
    """The calendars of stored rows' values (inbox id, version, then `stored_calendar`'s), kept
    for the next batches."""
    cache = calendar_cache.of_engine(session.sync_session.get_bind().engine)
    built = {}
    for inbox_id, version, enabled, time_zone, weekly, holidays in rows:
        built[inbox_id] = calendar = stored_calendar(enabled, time_zone, weekly, holidays)
        cache.keep(inbox_id, version, calendar)
    return built


# Built once, for /status's reads (`kept_calendar`).
_CALENDAR_ROW = select(
    BusinessHours.version,
    BusinessHours.enabled,
    BusinessHours.time_zone,
    BusinessHours.weekly,
    BusinessHours.holidays,
).where(BusinessHours.inbox_id == bindparam("inbox_id"))


async def kept_calendar(session: AsyncSession, *, inbox_id: int, version: int | None) -> Calendar:
    """The inbox's calendar at the version of its hours the caller read in its own statement
    (None: no row, always open; the messenger's /status, chats/status_read.py) or by
    `seen_hours` (the chat start, the contact form, an invitation: chats/opening.py): the one this
    process keeps at that version, else the hours read, built and kept. The row read may be
    newer than the version seen (saved in between): it is kept at its own version."""
    calendars, missing = kept_calendars(session, {inbox_id: version})
    if not missing:
        return calendars[inbox_id]
    row = (await session.execute(_CALENDAR_ROW, {"inbox_id": inbox_id})).one_or_none()
    if row is None:  # deleted since the caller's read: no hours, always open
        return ALWAYS_OPEN
    return keep_calendars(session, [(inbox_id, *row)])[inbox_id]


# Built once: what a caller with no statement of its own reading the inbox needs of its hours.
_SEEN_HOURS = select(BusinessHours.version, BusinessHours.away_message).where(
    BusinessHours.inbox_id == bindparam("inbox_id")
)


async def seen_hours(session: AsyncSession, *, inbox_id: int) -> tuple[int | None, str]:
    """The version of the inbox's hours (None: no row, always open) and its away message, by
    the primary key: for `kept_calendar`, for a caller that reads the inbox with no join to its
    hours (the chat start, the contact form, an agent's invitation: chats/opening.py). Two
    columns instead of the row whose weekly hours and holidays are then built into a calendar."""
    row = (await session.execute(_SEEN_HOURS, {"inbox_id": inbox_id})).one_or_none()
    return (None, "") if row is None else (row[0], row[1])


def meaning(calendar: Calendar) -> tuple[object, ...]:
    """What decides the calendar's answers: an away message or a reordering changes none."""
    if calendar.always_open:
        return (True,)
    holidays = {(holiday.on, holiday.yearly) for holiday in calendar.holidays}
    return (False, calendar.zone.key, tuple(sorted(calendar.intervals)), holidays)


def _settings(inbox_id: int, row: BusinessHours | None) -> HoursSettings:
    if row is None:
        return HoursSettings(inbox_id, False, "UTC", [], [], "", ALWAYS_OPEN)
    return HoursSettings(
        inbox_id,
        row.enabled,
        row.time_zone,
        list(row.weekly),
        list(row.holidays),
        row.away_message,
        _calendar(row),
    )


async def calendar_of(session: AsyncSession, *, inbox_id: int) -> Calendar:
    """The inbox's calendar: always open until an admin turns business hours on."""
    return _calendar(await session.get(BusinessHours, inbox_id))


async def calendars_of(session: AsyncSession, *, inbox_ids: Iterable[int]) -> dict[int, Calendar]:
    """Several inboxes' calendars in one query, for lists (SLA columns, reports)."""
    wanted = set(inbox_ids)
    rows = (
        await session.scalars(select(BusinessHours).where(BusinessHours.inbox_id.in_(wanted)))
    ).all()
    found = {row.inbox_id: _calendar(row) for row in rows}
    return {inbox_id: found.get(inbox_id, ALWAYS_OPEN) for inbox_id in wanted}


async def get_hours(session: AsyncSession, *, inbox_id: int) -> HoursSettings:
    return _settings(inbox_id, await session.get(BusinessHours, inbox_id))


async def set_hours(
    session: AsyncSession,
    *,
    inbox_id: int,
    enabled: bool,
    time_zone: str,
    weekly: Sequence[dict[str, str]],
    holidays: Sequence[dict[str, Any]],
    away_message: str,
) -> HoursSettings:
    """Replace the inbox's business hours as a whole; every part is checked before any is
    written, so a refused change leaves the old hours as they were."""
    _zone(time_zone)
    intervals = _intervals(weekly)
    if enabled and not intervals:
        # On with no hours would close the inbox for good: no chat, no SLA due time, nobody
        # assigned. Off is "always open"; a closure has holidays.
        raise Invalid(
            "weekly",
            "Add the hours the inbox is open, or turn business hours off to stay open around "
            "the clock.",
            field_code="required",
        )
    checked_holidays = _holidays(holidays)
    # Stored in a canonical order with canonical spellings, so the editor shows what counts.
    order = sorted(range(len(intervals)), key=lambda i: intervals[i])
    stored_weekly = [
        {
            "day": DAY_NAMES[intervals[i].day],
            "opens": format_hhmm(intervals[i].opens),
            "closes": format_hhmm(intervals[i].closes),
        }
        for i in order
    ]
    stored_holidays = [
        {"date": holiday.on.isoformat(), "name": holiday.name.strip(), "yearly": holiday.yearly}
        for holiday in sorted(checked_holidays, key=lambda h: h.on)
    ]
    values: dict[str, Any] = {
        "enabled": enabled,
        "time_zone": time_zone,
        "weekly": stored_weekly,
        "holidays": stored_holidays,
        "away_message": away_message.strip(),
    }
    row = await session.get(BusinessHours, inbox_id)
    if row is None:
        row = await _first_row(session, inbox_id, values)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    # Counted by the database under the row's lock, so that two saves at once never share a
    # version: the calendars processes keep are told apart by it (hours/calendar_cache.py).
    row.version = BusinessHours.version + 1
    await session.flush()
    return _settings(inbox_id, row)
