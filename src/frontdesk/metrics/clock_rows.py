"""The conversation clocks and moments of a batch of chat messages, read and written without the
ORM (the realtime writer's hot path, chats/log.py).

Through the ORM, a batch's clocks cost a loaded object each, and its moments a unit-of-work flush
of new objects and changed clocks: on SQLite that was over half the writer's time, several times
what SQLite took to run the statements, and on PostgreSQL the flush alone was a tenth of a
process's CPU. On SQLite the statements run as text on the sqlite3 connection, inside the
transaction SQLAlchemy began, with values encoded and decoded by SQLAlchemy's own processors for
these columns, so the rows are exactly what the ORM would store. On PostgreSQL they run on
asyncpg's connection, likewise (db/postgres.py): one statement per table, lists as arrays.

No rules here: metrics/record.py decides what a message does to its clock.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table

from frontdesk.db import postgres, sqlite
from frontdesk.hours.models import BusinessHours
from frontdesk.metrics.models import Channel, ConversationClock, MetricMoment, MomentKind

CLOCKS = cast(Table, ConversationClock.__table__)
MOMENTS = cast(Table, MetricMoment.__table__)
HOURS = cast(Table, BusinessHours.__table__)

CLOCK_COLUMNS = [
    "id",
    "chat_id",
    "ticket_id",
    "inbox_id",
    "channel",
    "started_at",
    "awaiting_since",
    "first_response_at",
]

_READ = (
    f"SELECT {', '.join(CLOCK_COLUMNS)} FROM conversation_clocks "  # noqa: S608 - constant text
    "WHERE chat_id IN (SELECT value FROM json_each(?))"
)
# The same, with the version of each clock's inbox's business hours (None: no row), for a batch
# where an agent wrote: the writer builds a calendar again only when it changed
# (hours/calendar_cache.py), so the hours themselves are read only then (`read_hours`).
_READ_WITH_HOURS = (
    f"SELECT {', '.join('c.' + column for column in CLOCK_COLUMNS)}, h.version "  # noqa: S608
    "FROM conversation_clocks AS c LEFT JOIN business_hours AS h ON h.inbox_id = c.inbox_id "
    "WHERE c.chat_id IN (SELECT value FROM json_each(?))"
)
_UPDATE = "UPDATE conversation_clocks SET awaiting_since = ?, first_response_at = ? WHERE id = ?"

_DECODERS = [sqlite.decoder(CLOCKS, column) for column in CLOCK_COLUMNS]
_ENCODE_AT = cast(sqlite.Codec, sqlite.encoder(CLOCKS, "awaiting_since"))


@dataclass(slots=True)
class ClockRow:
    """A conversation_clocks row as the ORM would load it."""

    id: int
    chat_id: int | None
    ticket_id: int | None
    inbox_id: int
    channel: Channel
    started_at: datetime
    awaiting_since: datetime | None
    first_response_at: datetime | None


@dataclass(slots=True)
class MomentRow:
    """A metric_moments row on its way in (the ORM object costs more to build than to store)."""

    kind: MomentKind
    at: datetime
    quarter: int
    inbox_id: int
    channel: Channel
    ticket_id: int | None
    chat_id: int | None
    user_id: int | None
    seconds: float | None
    business_seconds: float | None = None


# The columns a message's moment sets; the others (`last_close`, kept by a trigger) take their
# defaults, as through the ORM.
MOMENT_COLUMNS = [field.name for field in dataclasses.fields(MomentRow)]
_INSERT = (
    f"INSERT INTO metric_moments ({', '.join(MOMENT_COLUMNS)}) "  # noqa: S608 - constant text
    f"VALUES ({', '.join('?' for _ in MOMENT_COLUMNS)})"
)
_MOMENT_ENCODERS = [(key, sqlite.encoder(MOMENTS, key)) for key in MOMENT_COLUMNS]


# The business hours of the clocks' inboxes whose calendar the process does not keep at their
# version (a response's business seconds, metrics/record.py); hours/service.py
# `keep_calendars` makes the calendars. No row: the inbox is always open.
HOURS_COLUMNS = ["inbox_id", "version", "enabled", "time_zone", "weekly", "holidays"]
HoursRow = tuple[int, int, bool, str, list[dict[str, Any]], list[dict[str, Any]]]
# Each clock's inbox and the version of its hours (None: no row).
HoursVersions = dict[int, int | None]
_READ_HOURS = (
    f"SELECT {', '.join(HOURS_COLUMNS)} FROM business_hours "  # noqa: S608 - constant text
    "WHERE inbox_id IN (SELECT value FROM json_each(?))"
)
_HOURS_DECODERS = [sqlite.decoder(HOURS, column) for column in HOURS_COLUMNS]


def read_hours(connection: sqlite3.Connection, inbox_ids: Iterable[int]) -> list[HoursRow]:
    rows = connection.execute(_READ_HOURS, (json.dumps(sorted(inbox_ids)),)).fetchall()
    return [
        cast(
            HoursRow,
            tuple(
                value if decode is None else decode(value)
                for value, decode in zip(row, _HOURS_DECODERS, strict=True)
            ),
        )
        for row in rows
    ]


def read_chat_clocks(connection: sqlite3.Connection, chat_ids: Iterable[int]) -> list[ClockRow]:
    rows = connection.execute(_READ, (json.dumps(sorted(chat_ids)),)).fetchall()
    return [
        ClockRow(
            *(
                value if decode is None else decode(value)
                for value, decode in zip(row, _DECODERS, strict=True)
            )
        )
        for row in rows
    ]


def read_chat_clocks_with_hours(
    connection: sqlite3.Connection, chat_ids: Iterable[int]
) -> tuple[list[ClockRow], HoursVersions]:
    rows = connection.execute(_READ_WITH_HOURS, (json.dumps(sorted(chat_ids)),)).fetchall()
    clocks = [
        ClockRow(
            *(
                value if decode is None else decode(value)
                for value, decode in zip(row[:-1], _DECODERS, strict=True)
            )
        )
        for row in rows
    ]
    return clocks, {clock.inbox_id: row[-1] for clock, row in zip(clocks, rows, strict=True)}


def write(
    connection: sqlite3.Connection, clocks: Sequence[ClockRow], moments: Sequence[MomentRow]
) -> None:
    """The clocks' new marks, then the moments (the order the ORM's flush used)."""
    if clocks:
        connection.executemany(
            _UPDATE,
            [
                (_ENCODE_AT(clock.awaiting_since), _ENCODE_AT(clock.first_response_at), clock.id)
                for clock in clocks
            ],
        )
    if moments:
        connection.executemany(
            _INSERT,
            [
                [
                    getattr(moment, key) if encode is None else encode(getattr(moment, key))
                    for key, encode in _MOMENT_ENCODERS
                ]
                for moment in moments
            ],
        )


# --- PostgreSQL: the same statements on asyncpg's connection (db/postgres.py) ------------------

_PG_READ = (
    f"SELECT {', '.join(CLOCK_COLUMNS)} FROM conversation_clocks "  # noqa: S608 - constant text
    "WHERE chat_id = ANY($1::int[])"
)
_PG_READ_WITH_HOURS = (
    f"SELECT {', '.join('c.' + column for column in CLOCK_COLUMNS)}, h.version "  # noqa: S608
    "FROM conversation_clocks AS c LEFT JOIN business_hours AS h ON h.inbox_id = c.inbox_id "
    "WHERE c.chat_id = ANY($1::int[])"
)
# The clocks' new marks and the moments in one round trip (the update is a data-modifying CTE,
# which runs whether or not the statement reads it).
_PG_MOVE_CLOCKS = (
    "WITH moved AS (UPDATE conversation_clocks AS c SET awaiting_since = m.awaiting_since, "
    "first_response_at = m.first_response_at "
    "FROM unnest($1::int[], $2::timestamptz[], $3::timestamptz[]) "
    "AS m(id, awaiting_since, first_response_at) WHERE c.id = m.id) "
)
# Each column's array type (a column missing here fails at import).
_PG_MOMENT_TYPES = {
    "kind": "text",
    "at": "timestamptz",
    "quarter": "int",
    "inbox_id": "int",
    "channel": "text",
    "ticket_id": "int",
    "chat_id": "int",
    "user_id": "int",
    "seconds": "float8",
    "business_seconds": "float8",
}
_PG_MOMENT_ARRAYS = ", ".join(
    f"${i}::{_PG_MOMENT_TYPES[key]}[]" for i, key in enumerate(MOMENT_COLUMNS, 4)
)
_PG_WRITE = (
    f"{_PG_MOVE_CLOCKS}INSERT INTO metric_moments ({', '.join(MOMENT_COLUMNS)}) "  # noqa: S608
    f"SELECT * FROM unnest({_PG_MOMENT_ARRAYS})"
)
_PG_DECODERS = [postgres.decoder(CLOCKS, column) for column in CLOCK_COLUMNS]
_PG_ENCODE_AT = postgres.encoder(CLOCKS, "awaiting_since")
_PG_MOMENT_ENCODERS = [(key, postgres.encoder(MOMENTS, key)) for key in MOMENT_COLUMNS]


_PG_READ_HOURS = (
    f"SELECT {', '.join(HOURS_COLUMNS)} FROM business_hours "  # noqa: S608 - constant text
    "WHERE inbox_id = ANY($1::int[])"
)
_PG_HOURS_DECODERS = [postgres.decoder(HOURS, column) for column in HOURS_COLUMNS]


async def read_hours_pg(driver: Any, inbox_ids: Iterable[int]) -> list[HoursRow]:
    rows = await driver.fetch(_PG_READ_HOURS, sorted(inbox_ids))
    return [
        cast(
            HoursRow,
            tuple(decode(value) for value, decode in zip(row, _PG_HOURS_DECODERS, strict=True)),
        )
        for row in rows
    ]


async def read_chat_clocks_pg(driver: Any, chat_ids: Iterable[int]) -> list[ClockRow]:
    rows = await driver.fetch(_PG_READ, sorted(chat_ids))
    return [
        ClockRow(*(decode(value) for value, decode in zip(row, _PG_DECODERS, strict=True)))
        for row in rows
    ]


async def read_chat_clocks_with_hours_pg(
    driver: Any, chat_ids: Iterable[int]
) -> tuple[list[ClockRow], HoursVersions]:
    rows = await driver.fetch(_PG_READ_WITH_HOURS, sorted(chat_ids))
    clocks = [
        # The clock's columns, then the version (zip stops at the decoders).
        ClockRow(*(decode(value) for value, decode in zip(row, _PG_DECODERS, strict=False)))
        for row in rows
    ]
    return clocks, {clock.inbox_id: row[-1] for clock, row in zip(clocks, rows, strict=True)}


async def write_pg(driver: Any, clocks: Sequence[ClockRow], moments: Sequence[MomentRow]) -> None:
    """The clocks' new marks, then the moments: one statement."""
    if not clocks and not moments:
        return
    await driver.execute(
        _PG_WRITE,
        [clock.id for clock in clocks],
        [_PG_ENCODE_AT(clock.awaiting_since) for clock in clocks],
        [_PG_ENCODE_AT(clock.first_response_at) for clock in clocks],
        *(
            [encode(getattr(moment, key)) for moment in moments]
            for key, encode in _PG_MOMENT_ENCODERS
        ),
    )
