"""The reads and writes of the message hot path, for a whole batch of messages at a time.

Three ways to run the same statements, behind one small interface (`MessageRows`):

* `CoreRows`: pre-built SQLAlchemy Core statements (built once, reused from the compiled cache;
  the `IN` lists expand per call, the writes run as one executemany). Portable: PostgreSQL and
  anything else SQLAlchemy speaks.
* `SqliteRows`: the same statements as SQL text on the sqlite3 connection itself. SQLite runs a
  statement of this path in microseconds, while SQLAlchemy's execution layer around it costs a
  tenth of a millisecond; at a thousand messages a second that difference is the budget. Lists
  travel as one JSON array (`IN (SELECT value FROM json_each(?))`), so each statement's text is
  fixed and sqlite3's statement cache prepares it once. Values are encoded by SQLAlchemy's own
  bind processors for these columns, so rows are stored exactly as the ORM stores them.
* `PostgresRows`: on PostgreSQL, the same statements as SQL text on asyncpg's connection
  (db/postgres.py), each list an array, the writes `unnest` statements instead of executemany,
  and the three writes (events, chats, read marks) one statement of three parts, so one round
  trip. SQLAlchemy's execution layer cost about 0.1 ms of CPU a statement there too. The first
  statement has SQLAlchemy's adapter begin the transaction (db/postgres.py); where that cannot
  be done, it goes through `CoreRows`, which begins it.

No rules here: chats/log.py decides what to read and write.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol, cast

from sqlalchemy import Integer, Table, and_, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from frontdesk.chats.models import Chat, ChatEvent, ChatParticipant
from frontdesk.db import postgres, sqlite
from frontdesk.db.postgres import inline_asyncpg
from frontdesk.db.sqlite import inline_sqlite
from frontdesk.users.models import User

CHATS = cast(Table, Chat.__table__)
USERS = cast(Table, User.__table__)
EVENTS = cast(Table, ChatEvent.__table__)
PARTICIPANTS = cast(Table, ChatParticipant.__table__)
EVENT_COLUMNS = [column.key for column in EVENTS.columns if column.key != "id"]


class LockedChat(NamedTuple):
    id: int
    state: str
    last_seq: int
    inbox_id: int
    visitor_id: int
    visitor_name: str


class Writer(NamedTuple):
    """An active agent, and one chat of the batch they take part in (None: none of them)."""

    user_id: int
    name: str
    chat_id: int | None


class Stored(NamedTuple):
    chat_id: int
    client_msg_id: str
    id: int
    seq: int


class MessageRows(Protocol):
    async def lock_chats(self, chat_ids: list[int]) -> list[LockedChat]:
        """In id order, so that two batches locking some of the same chats never deadlock."""

    async def writers(self, user_ids: list[int], chat_ids: list[int]) -> list[Writer]: ...

    async def stored(self, pairs: list[tuple[int, str]]) -> list[Stored]:
        """The messages stored under these (chat, client id) pairs; perhaps a superset of them
        (CoreRows: every chat with every client id), so the caller looks up the pairs it asked
        for."""

    async def write(
        self, events: list[dict[str, Any]], chats: list[dict[str, Any]], marks: list[dict[str, Any]]
    ) -> list[int]:
        """Inserts the chat_events rows and returns their ids, in the order given; advances the
        chats ({p_chat, p_seq, p_at, p_preview, p_visitor_seq} each, None leaving a column as it
        is); moves the read marks ({p_chat, p_user, p_seq} each, perhaps none)."""


async def message_rows(session: AsyncSession) -> MessageRows:
    raw = await inline_sqlite(session)
    if raw is not None:
        return SqliteRows(raw)
    if session.get_bind().dialect.driver == "asyncpg":
        return PostgresRows(session)
    return CoreRows(await session.connection())


# --- portable: SQLAlchemy Core -----------------------------------------------------------------

_LOCK_CHATS = (
    select(
        CHATS.c.id,
        CHATS.c.state,
        CHATS.c.last_seq,
        CHATS.c.inbox_id,
        CHATS.c.visitor_id,
        CHATS.c.visitor_name,
    )
    .where(CHATS.c.id.in_(bindparam("p_chats", expanding=True)))
    .order_by(CHATS.c.id)
    .with_for_update()
)

_WRITERS = (
    select(USERS.c.id, USERS.c.name, PARTICIPANTS.c.chat_id)
    .select_from(
        USERS.outerjoin(
            PARTICIPANTS,
            and_(
                PARTICIPANTS.c.user_id == USERS.c.id,
                PARTICIPANTS.c.left_at.is_(None),
                PARTICIPANTS.c.chat_id.in_(bindparam("p_chats", expanding=True)),
            ),
        )
    )
    .where(USERS.c.id.in_(bindparam("p_users", expanding=True)), USERS.c.is_active.is_(True))
)

_STORED = select(EVENTS.c.chat_id, EVENTS.c.client_msg_id, EVENTS.c.id, EVENTS.c.seq).where(
    EVENTS.c.chat_id.in_(bindparam("p_chats", expanding=True)),
    EVENTS.c.client_msg_id.in_(bindparam("p_clients", expanding=True)),
)

_INSERT = insert(EVENTS).returning(EVENTS.c.id, sort_by_parameter_order=True)

_MOVE_READ_MARKS = (
    update(PARTICIPANTS)
    .where(
        PARTICIPANTS.c.chat_id == bindparam("p_chat"),
        PARTICIPANTS.c.user_id == bindparam("p_user"),
    )
    .values(read_seq=bindparam("p_seq"))
)

_ADVANCE = (
    update(CHATS)
    .where(CHATS.c.id == bindparam("p_chat"))
    .values(
        last_seq=bindparam("p_seq"),
        last_message_at=func.coalesce(
            bindparam("p_at", type_=CHATS.c.last_message_at.type), CHATS.c.last_message_at
        ),
        last_message_text=func.coalesce(
            bindparam("p_preview", type_=CHATS.c.last_message_text.type),
            CHATS.c.last_message_text,
        ),
        last_visitor_seq=func.coalesce(
            bindparam("p_visitor_seq", type_=Integer), CHATS.c.last_visitor_seq
        ),
    )
)


class CoreRows:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def lock_chats(self, chat_ids: list[int]) -> list[LockedChat]:
        result = await self._connection.execute(_LOCK_CHATS, {"p_chats": chat_ids})
        return [LockedChat(*row) for row in result]

    async def writers(self, user_ids: list[int], chat_ids: list[int]) -> list[Writer]:
        params = {"p_users": user_ids, "p_chats": chat_ids}
        return [Writer(*row) for row in await self._connection.execute(_WRITERS, params)]

    async def stored(self, pairs: list[tuple[int, str]]) -> list[Stored]:
        params = {
            "p_chats": sorted({chat for chat, _ in pairs}),
            "p_clients": sorted({client for _, client in pairs}),
        }
        return [Stored(*row) for row in await self._connection.execute(_STORED, params)]

    async def write(
        self, events: list[dict[str, Any]], chats: list[dict[str, Any]], marks: list[dict[str, Any]]
    ) -> list[int]:
        ids = list((await self._connection.execute(_INSERT, events)).scalars().all())
        await self._connection.execute(_ADVANCE, chats)
        if marks:
            await self._connection.execute(_MOVE_READ_MARKS, marks)
        return ids


# --- SQLite: the same statements on the sqlite3 connection -------------------------------------

_SQLITE_LOCK_CHATS = (
    "SELECT id, state, last_seq, inbox_id, visitor_id, visitor_name FROM chats "
    "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id"
)
_SQLITE_WRITERS = (
    "SELECT u.id, u.name, p.chat_id FROM users AS u LEFT JOIN chat_participants AS p "
    "ON p.user_id = u.id AND p.left_at IS NULL AND p.chat_id IN (SELECT value FROM json_each(?)) "
    "WHERE u.id IN (SELECT value FROM json_each(?)) AND u.is_active"
)
# One index probe per pair: two IN lists would probe every chat with every client id, a cost
# that grows with the square of the batch.
_SQLITE_STORED = (
    "SELECT e.chat_id, e.client_msg_id, e.id, e.seq FROM json_each(?) AS p "
    "JOIN chat_events AS e ON e.chat_id = p.value ->> 0 AND e.client_msg_id = p.value ->> 1"
)
_SQLITE_INSERT = (
    f"INSERT INTO chat_events ({', '.join(EVENT_COLUMNS)}) "  # noqa: S608 - constant text
    f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)}) RETURNING id"
)
_SQLITE_MOVE_READ_MARKS = (
    "UPDATE chat_participants SET read_seq = ? WHERE chat_id = ? AND user_id = ?"
)
_SQLITE_ADVANCE = (
    "UPDATE chats SET last_seq = ?, last_message_at = COALESCE(?, last_message_at), "
    "last_message_text = COALESCE(?, last_message_text), "
    "last_visitor_seq = COALESCE(?, last_visitor_seq) WHERE id = ?"
)

_EVENT_ENCODERS = [(key, sqlite.encoder(EVENTS, key)) for key in EVENT_COLUMNS]
_ENCODE_AT = cast(sqlite.Codec, sqlite.encoder(CHATS, "last_message_at"))


def _ids(values: Sequence[int | str]) -> str:
    return json.dumps(list(values))


class SqliteRows:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    async def lock_chats(self, chat_ids: list[int]) -> list[LockedChat]:
        rows = self._connection.execute(_SQLITE_LOCK_CHATS, (_ids(chat_ids),)).fetchall()
        return [LockedChat(*row) for row in rows]

    async def writers(self, user_ids: list[int], chat_ids: list[int]) -> list[Writer]:
        params = (_ids(chat_ids), _ids(user_ids))
        return [Writer(*row) for row in self._connection.execute(_SQLITE_WRITERS, params)]

    async def stored(self, pairs: list[tuple[int, str]]) -> list[Stored]:
        rows = self._connection.execute(_SQLITE_STORED, (json.dumps(pairs),))
        return [Stored(*row) for row in rows]

    async def write(
        self, events: list[dict[str, Any]], chats: list[dict[str, Any]], marks: list[dict[str, Any]]
    ) -> list[int]:
        cursor = self._connection.cursor()
        ids = []
        for row in events:
            values = [row[k] if encode is None else encode(row[k]) for k, encode in _EVENT_ENCODERS]
            ids.append(cursor.execute(_SQLITE_INSERT, values).fetchone()[0])
        self._connection.executemany(
            _SQLITE_ADVANCE,
            [
                (c["p_seq"], _ENCODE_AT(c["p_at"]), c["p_preview"], c["p_visitor_seq"], c["p_chat"])
                for c in chats
            ],
        )
        if marks:
            self._connection.executemany(
                _SQLITE_MOVE_READ_MARKS, [(m["p_seq"], m["p_chat"], m["p_user"]) for m in marks]
            )
        return ids


# --- PostgreSQL: the same statements on asyncpg's connection -----------------------------------

_PG_LOCK_CHATS = (
    "SELECT id, state, last_seq, inbox_id, visitor_id, visitor_name FROM chats "
    "WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE"
)
_PG_WRITERS = (
    "SELECT u.id, u.name, p.chat_id FROM users AS u LEFT JOIN chat_participants AS p "
    "ON p.user_id = u.id AND p.left_at IS NULL AND p.chat_id = ANY($2::int[]) "
    "WHERE u.id = ANY($1::int[]) AND u.is_active"
)
_PG_STORED = (
    "SELECT e.chat_id, e.client_msg_id, e.id, e.seq "
    "FROM unnest($1::int[], $2::text[]) AS p(chat_id, client_msg_id) "
    "JOIN chat_events AS e ON e.chat_id = p.chat_id AND e.client_msg_id = p.client_msg_id"
)
# Each column's array type (a column missing here fails at import); jsonb travels as the JSON
# text SQLAlchemy's processor makes of it.
_PG_EVENT_TYPES = {
    "chat_id": "int",
    "seq": "int",
    "type": "text",
    "author_kind": "text",
    "author_user_id": "int",
    "author_name": "text",
    "client_msg_id": "text",
    "text": "text",
    "data": "text",
    "visible_to_visitor": "bool",
    "created_at": "timestamptz",
}
_PG_EVENT_ARRAYS = [f"${i}::{_PG_EVENT_TYPES[key]}[]" for i, key in enumerate(EVENT_COLUMNS, 1)]
_PG_ADVANCE_AT = len(EVENT_COLUMNS) + 1
_PG_MARKS_AT = _PG_ADVANCE_AT + 5
# The three writes in one statement, one round trip: its parts see the same snapshot and none
# reads what another writes (no trigger on these tables). RETURNING's order is not the input's:
# each id comes back with its (chat, seq), which is unique.
_PG_WRITE = (
    "WITH inserted AS ("  # noqa: S608 - constant text
    f"INSERT INTO chat_events ({', '.join(EVENT_COLUMNS)}) "
    f"SELECT {', '.join(k + '::jsonb' if k == 'data' else k for k in EVENT_COLUMNS)} "
    f"FROM unnest({', '.join(_PG_EVENT_ARRAYS)}) AS r({', '.join(EVENT_COLUMNS)}) "
    "RETURNING id, chat_id, seq), "
    "advanced AS ("
    "UPDATE chats AS c SET last_seq = a.seq, "
    "last_message_at = COALESCE(a.at, c.last_message_at), "
    "last_message_text = COALESCE(a.preview, c.last_message_text), "
    "last_visitor_seq = COALESCE(a.visitor_seq, c.last_visitor_seq) "
    f"FROM unnest(${_PG_ADVANCE_AT}::int[], ${_PG_ADVANCE_AT + 1}::int[], "
    f"${_PG_ADVANCE_AT + 2}::timestamptz[], ${_PG_ADVANCE_AT + 3}::text[], "
    f"${_PG_ADVANCE_AT + 4}::int[]) AS a(id, seq, at, preview, visitor_seq) "
    "WHERE c.id = a.id), "
    "marked AS ("
    "UPDATE chat_participants AS p SET read_seq = m.seq "
    f"FROM unnest(${_PG_MARKS_AT}::int[], ${_PG_MARKS_AT + 1}::int[], "
    f"${_PG_MARKS_AT + 2}::int[]) AS m(chat_id, user_id, seq) "
    "WHERE p.chat_id = m.chat_id AND p.user_id = m.user_id) "
    "SELECT id, chat_id, seq FROM inserted"
)
_PG_EVENT_ENCODERS = [(key, postgres.encoder(EVENTS, key)) for key in EVENT_COLUMNS]
_PG_ENCODE_AT = postgres.encoder(CHATS, "last_message_at")


class PostgresRows:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _core(self) -> CoreRows:
        return CoreRows(await self._session.connection())

    async def lock_chats(self, chat_ids: list[int]) -> list[LockedChat]:
        # The batch's first statement: it begins the transaction.
        driver = await inline_asyncpg(self._session, begin=True)
        if driver is None:
            return await (await self._core()).lock_chats(chat_ids)
        return [LockedChat(*row) for row in await driver.fetch(_PG_LOCK_CHATS, chat_ids)]

    async def writers(self, user_ids: list[int], chat_ids: list[int]) -> list[Writer]:
        driver = await inline_asyncpg(self._session)
        if driver is None:
            return await (await self._core()).writers(user_ids, chat_ids)
        return [Writer(*row) for row in await driver.fetch(_PG_WRITERS, user_ids, chat_ids)]

    async def stored(self, pairs: list[tuple[int, str]]) -> list[Stored]:
        driver = await inline_asyncpg(self._session)
        if driver is None:
            return await (await self._core()).stored(pairs)
        chats, clients = [chat for chat, _ in pairs], [client for _, client in pairs]
        return [Stored(*row) for row in await driver.fetch(_PG_STORED, chats, clients)]

    async def write(
        self, events: list[dict[str, Any]], chats: list[dict[str, Any]], marks: list[dict[str, Any]]
    ) -> list[int]:
        driver = await inline_asyncpg(self._session)
        if driver is None:
            return await (await self._core()).write(events, chats, marks)
        columns = [[encode(row[key]) for row in events] for key, encode in _PG_EVENT_ENCODERS]
        inserted = await driver.fetch(
            _PG_WRITE,
            *columns,
            [c["p_chat"] for c in chats],
            [c["p_seq"] for c in chats],
            [_PG_ENCODE_AT(c["p_at"]) for c in chats],
            [c["p_preview"] for c in chats],
            [c["p_visitor_seq"] for c in chats],
            [m["p_chat"] for m in marks],
            [m["p_user"] for m in marks],
            [m["p_seq"] for m in marks],
        )
        ids = {(r["chat_id"], r["seq"]): r["id"] for r in inserted}
        return [ids[row["chat_id"], row["seq"]] for row in events]
