"""Pre-built Core statements of the message hot path.

Building a statement costs more than SQLite takes to run it, so these are made once, with bound
parameters, and reused from SQLAlchemy's compiled cache. No rules here: chats/service.py decides.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from frontdesk.chats.models import Chat, ChatEvent, ChatParticipant
from frontdesk.users.models import User

CHATS = cast(Table, Chat.__table__)
USERS = cast(Table, User.__table__)
EVENTS = cast(Table, ChatEvent.__table__)
PARTICIPANTS = cast(Table, ChatParticipant.__table__)

ACTIVE_AGENT = select(USERS.c.name).where(
    USERS.c.id == bindparam("p_user"), USERS.c.is_active.is_(True)
)

LOCK_CHAT = (
    select(
        CHATS.c.state,
        CHATS.c.last_seq,
        CHATS.c.inbox_id,
        CHATS.c.visitor_id,
        CHATS.c.visitor_name,
    )
    .where(CHATS.c.id == bindparam("p_chat"))
    .with_for_update()
)
LOCK_VISITOR_CHAT = LOCK_CHAT.where(CHATS.c.visitor_id == bindparam("p_visitor"))

STORED_MESSAGE = select(EVENTS.c.id, EVENTS.c.seq).where(
    EVENTS.c.chat_id == bindparam("p_chat"), EVENTS.c.client_msg_id == bindparam("p_client")
)

_ADVANCE: dict[str, Any] = {
    "last_seq": bindparam("p_seq"),
    "last_message_at": bindparam("p_at"),
    "last_message_text": bindparam("p_preview"),
}
ADVANCE_CHAT = update(CHATS).where(CHATS.c.id == bindparam("p_chat")).values(**_ADVANCE)
ADVANCE_CHAT_FOR_VISITOR = (
    update(CHATS)
    .where(CHATS.c.id == bindparam("p_chat"))
    .values(**_ADVANCE, last_visitor_seq=bindparam("p_seq"))
)

MOVE_OWN_READ_MARK = (
    update(PARTICIPANTS)
    .where(
        PARTICIPANTS.c.chat_id == bindparam("p_chat"),
        PARTICIPANTS.c.user_id == bindparam("p_user"),
        PARTICIPANTS.c.left_at.is_(None),
    )
    .values(read_seq=bindparam("p_seq"))
)

EVENT_COLUMNS = [column.key for column in EVENTS.columns if column.key != "id"]


def _insert_message(dialect: Any) -> Any:
    """INSERT … ON CONFLICT (chat_id, client_msg_id) DO NOTHING RETURNING id."""
    return (
        dialect.insert(EVENTS)
        .values({key: bindparam(f"v_{key}") for key in EVENT_COLUMNS})
        .on_conflict_do_nothing(index_elements=["chat_id", "client_msg_id"])
        .returning(EVENTS.c.id)
    )


INSERT_MESSAGE = {"postgresql": _insert_message(postgresql), "sqlite": _insert_message(sqlite)}
