"""The conversation clocks and moments of a batch of chat messages, read and written without the
ORM (the realtime writer's hot path, chats/log.py).

Through the ORM, a batch's clocks cost a loaded object each, and its moments a unit-of-work flush
of new objects and changed clocks: on SQLite that was over half the writer's time, several times
what SQLite took to run the statements, and on PostgreSQL the flush alone was a tenth of a
process's CPU. On SQLite the statements run as text on the sqlite3 connection, inside the
transaction SQLAlchemy began, with values encoded and decoded by SQLAlchemy's own processors for
these columns, so the rows are exactly what the ORM would store. Elsewhere they are SQLAlchemy
Core statements on the session's connection: one read, one executemany per table.

No rules here: metrics/record.py decides what a message does to its clock.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from frontdesk.metrics.models import Channel, ConversationClock, MetricMoment, MomentKind

CLOCKS = cast(Table, ConversationClock.__table__)
MOMENTS = cast(Table, MetricMoment.__table__)
_DIALECT = sqlite_dialect.dialect()

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
_UPDATE = "UPDATE conversation_clocks SET awaiting_since = ?, first_response_at = ? WHERE id = ?"

Processor = Callable[[Any], Any]


def _decoder(column: str) -> Processor | None:
    return cast(
        Processor | None,
        CLOCKS.c[column].type.dialect_impl(_DIALECT).result_processor(_DIALECT, None),
    )


def _encoder(table: Table, column: str) -> Processor | None:
    return cast(
        Processor | None, table.c[column].type.dialect_impl(_DIALECT).bind_processor(_DIALECT)
    )


_DECODERS = [_decoder(column) for column in CLOCK_COLUMNS]
_ENCODE_AT = cast(Processor, _encoder(CLOCKS, "awaiting_since"))


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


# The columns a message's moment sets; the others (`last_close`, kept by a trigger) take their
# defaults, as through the ORM.
MOMENT_COLUMNS = [field.name for field in dataclasses.fields(MomentRow)]
_INSERT = (
    f"INSERT INTO metric_moments ({', '.join(MOMENT_COLUMNS)}) "  # noqa: S608 - constant text
    f"VALUES ({', '.join('?' for _ in MOMENT_COLUMNS)})"
)
_MOMENT_ENCODERS = [(key, _encoder(MOMENTS, key)) for key in MOMENT_COLUMNS]


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


# --- elsewhere (PostgreSQL): the same statements in SQLAlchemy Core ------------------------------

_CORE_READ = select(*(CLOCKS.c[column] for column in CLOCK_COLUMNS)).where(
    CLOCKS.c.chat_id.in_(bindparam("p_chats", expanding=True))
)
_CORE_UPDATE = (
    update(CLOCKS)
    .where(CLOCKS.c.id == bindparam("p_id"))
    .values(awaiting_since=bindparam("p_awaiting"), first_response_at=bindparam("p_first"))
)
_CORE_INSERT = insert(MOMENTS)


async def read_chat_clocks_core(
    connection: AsyncConnection, chat_ids: Iterable[int]
) -> list[ClockRow]:
    rows = await connection.execute(_CORE_READ, {"p_chats": sorted(chat_ids)})
    return [ClockRow(*row) for row in rows]


async def write_core(
    connection: AsyncConnection, clocks: Sequence[ClockRow], moments: Sequence[MomentRow]
) -> None:
    if clocks:
        await connection.execute(
            _CORE_UPDATE,
            [
                {"p_id": c.id, "p_awaiting": c.awaiting_since, "p_first": c.first_response_at}
                for c in clocks
            ],
        )
    if moments:
        await connection.execute(
            _CORE_INSERT,
            [{key: getattr(moment, key) for key in MOMENT_COLUMNS} for moment in moments],
        )
