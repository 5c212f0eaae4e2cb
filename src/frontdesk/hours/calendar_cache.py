"""The calendars a process built, kept while their business hours' version is unchanged, so that
the chat writer's batches (metrics/record.py `chat_messages`), the messenger's /status
(chats/status_read.py, hours/service.py `kept_calendar`) and its chat start, contact form and
agents' invitations (chats/opening.py `inbox_calendar`) build and read an inbox's hours only
after they changed (docs/performance.md, "The writer's calendars").

Exact, not timed: every save of the hours takes a new version in its own transaction
(hours/service.py `set_hours`, `version = version + 1` under the row's lock), and a batch reads
the versions of its inboxes in its own, with the conversation clocks it reads anyway. A batch
that sees the save sees the new version, misses the kept calendar and reads the hours again, in
this process and in every other: no message between processes, no time during which a calendar
may be stale. A row's version only grows, and inbox ids are never given twice, so one (inbox,
version) is one calendar for the life of a database; the kept calendars are one engine's (a
database's: tests and the bench make several in one process), held by a weak reference to it.

No database here: the caller reads the versions and the rows (metrics/clock_rows.py; /status
reads the version with its inbox, chats/status_read.py; the others by the primary key,
hours/service.py `seen_hours`).
"""

from __future__ import annotations

from collections.abc import Mapping
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

from frontdesk.hours.calendar import Calendar

# An inbox with hours takes one entry (a few hundred bytes); past this many, the oldest kept go
# first (a desk with more inboxes writing at once reads some calendars again, as before).
MAX_KEPT = 4096


class CalendarCache:
    """Calendars by inbox, each with the version of the hours it was built from."""

    def __init__(self, size: int = MAX_KEPT) -> None:
        self._size = size
        self._kept: dict[int, tuple[int, Calendar]] = {}

    def known(
        self, versions: Mapping[int, int | None], always_open: Calendar
    ) -> tuple[dict[int, Calendar], set[int]]:
        """The calendars of these inboxes kept at these versions (no version: no row, the inbox
        is always open), and the inboxes whose hours must be read."""
        found: dict[int, Calendar] = {}
        missing: set[int] = set()
        for inbox_id, version in versions.items():
            if version is None:
                found[inbox_id] = always_open
                continue
            kept = self._kept.get(inbox_id)
            if kept is not None and kept[0] == version:
                found[inbox_id] = kept[1]
            else:
                missing.add(inbox_id)
        return found, missing

    def keep(self, inbox_id: int, version: int, calendar: Calendar) -> None:
        kept = self._kept.pop(inbox_id, None)
        if kept is not None and kept[0] > version:
            # Read in a transaction that began before a newer save another batch already saw.
            self._kept[inbox_id] = kept
            return
        if len(self._kept) >= self._size:
            del self._kept[next(iter(self._kept))]
        self._kept[inbox_id] = (version, calendar)


_BY_ENGINE: WeakKeyDictionary[Engine, CalendarCache] = WeakKeyDictionary()


def of_engine(engine: Engine) -> CalendarCache:
    """The calendars kept for this engine's database."""
    cache = _BY_ENGINE.get(engine)
    if cache is None:
        cache = _BY_ENGINE[engine] = CalendarCache()
    return cache
