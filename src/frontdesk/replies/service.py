"""Saved replies: personal and team ones, who sees and manages them, search, and insertion,
which fills the variables for a chat or ticket and counts the use exactly once.

Who may do what: a personal reply is its owner's alone (admins included: nobody else sees it).
A team reply belongs to an inbox; everyone who sees the inbox (its members, owners and admins)
sees it, inserts it, edits and deletes it, and may share a personal reply into it; but a reply
that rules or macros send is theirs too (replies/usage.py).
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats import service as chats_service
from frontdesk.chats.models import Chat
from frontdesk.customers import service as customers_service
from frontdesk.errors import Conflict, Invalid, NotFound
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.replies.models import SavedReply, SavedReplyUse
from frontdesk.replies.queries import visible_replies
from frontdesk.replies.variables import Filled, fill, first_word, refusal
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User

MAX_NAME = 100
MAX_TEXT = 10_000


class Scope(enum.StrEnum):
    all = "all"
    personal = "personal"
    team = "team"


class Sort(enum.StrEnum):
    usage = "usage"  # most used first, then by name
    name = "name"


def fold(text: str) -> str:
    """The form search compares: "Été", "été" and "ÉTÉ" alike, in every alphabet."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def _like(text: str) -> str:
    escaped = fold(text.strip()).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _ensure_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid("name", "Give the saved reply a name.", field_code="required")
    if len(name) > MAX_NAME:
        raise Invalid(
            "name", f"Use at most {MAX_NAME} characters.", field_code="too_long", limit=MAX_NAME
        )
    return name


def _ensure_text(text: str) -> str:
    if not text.strip():
        raise Invalid("text", "Write the text of the saved reply.", field_code="required")
    if len(text) > MAX_TEXT:
        raise Invalid(
            "text", f"Use at most {MAX_TEXT} characters.", field_code="too_long", limit=MAX_TEXT
        )
    # A typo in braces would reach a customer as written wherever nobody reads the reply over:
    # a macro or a rule sends it as it is.
    refused = refusal(text)
    if refused:
        raise Invalid("text", refused)
    return text


@dataclass
class ReplyPage:
    items: Sequence[SavedReply]
    total: int


async def list_replies(
    session: AsyncSession,
    *,
    user: User,
    q: str = "",
    scope: Scope = Scope.all,
    inbox_id: int | None = None,
    sort: Sort = Sort.usage,
    limit: int = 50,
) -> ReplyPage:
    """The replies `user` sees. `inbox_id` narrows the team ones to that inbox (the picker asks
    for the personal ones and those of the conversation's inbox). With `q`, replies whose name
    matches come before those that match only by their text."""
    if inbox_id is not None:
        # As for tickets: an inbox one may not see is "no such inbox", not an empty list.
        await inboxes_service.get_inbox(session, user=user, inbox_id=inbox_id)
    query = visible_replies(user)
    if scope is Scope.personal:
        query = query.where(SavedReply.owner_id == user.id)
    elif scope is Scope.team:
        query = query.where(SavedReply.inbox_id.is_not(None))
    if inbox_id is not None:
        query = query.where(
            SavedReply.inbox_id == inbox_id
            if scope is Scope.team
            else (SavedReply.owner_id == user.id) | (SavedReply.inbox_id == inbox_id)
        )
    order: list[ColumnElement[Any]] = []
    if q.strip():
        pattern = _like(q)
        by_name = SavedReply.name_folded.like(pattern, escape="\\")
        query = query.where(by_name | SavedReply.text_folded.like(pattern, escape="\\"))
        order.append(case((by_name, 0), else_=1))
    if sort is Sort.usage:
        order.append(SavedReply.usage_count.desc())
    order += [SavedReply.name_folded.asc(), SavedReply.id.asc()]
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    items = (await session.scalars(query.order_by(*order).limit(limit))).all()
    return ReplyPage(items=items, total=int(total or 0))


async def get_reply(session: AsyncSession, *, user: User, reply_id: int) -> SavedReply:
    reply = await session.scalar(visible_replies(user).where(SavedReply.id == reply_id))
    if reply is None:
        raise NotFound("No such saved reply.")
    return reply


async def create_reply(
    session: AsyncSession, *, user: User, name: str, text: str, inbox_id: int | None = None
) -> SavedReply:
    """A personal reply, or with `inbox_id` a team reply of an inbox `user` sees."""
    name, text = _ensure_name(name), _ensure_text(text)
    if inbox_id is not None:
        await inboxes_service.get_inbox(session, user=user, inbox_id=inbox_id)
    reply = SavedReply(
        name=name,
        text=text,
        name_folded=fold(name),
        text_folded=fold(text),
        owner_id=None if inbox_id is not None else user.id,
        inbox_id=inbox_id,
        created_by_id=user.id,
        updated_by_id=user.id,
        usage_count=0,
    )
    # One instant for both: "edited" means updated later than created.
    reply.created_at = reply.updated_at = utcnow()
    session.add(reply)
    await session.flush()
    return reply


async def update_reply(
    session: AsyncSession,
    *,
    user: User,
    reply: SavedReply,
    name: str | None = None,
    text: str | None = None,
) -> SavedReply:
    if name is not None:
        reply.name = _ensure_name(name)
        reply.name_folded = fold(reply.name)
    if text is not None:
        reply.text = _ensure_text(text)
        reply.text_folded = fold(reply.text)
    if name is not None or text is not None:
        reply.updated_by_id = user.id
        reply.updated_at = utcnow()
    await session.flush()
    return reply


async def share_reply(
    session: AsyncSession, *, user: User, reply: SavedReply, inbox_id: int
) -> SavedReply:
    """A personal reply becomes a team reply of an inbox `user` sees, keeping its count."""
    if reply.inbox_id is not None:
        raise Conflict(
            "This saved reply is already a team reply; to offer it in another inbox, create a "
            "copy there.",
            code="already_shared",
        )
    await inboxes_service.get_inbox(session, user=user, inbox_id=inbox_id)
    reply.owner_id, reply.inbox_id = None, inbox_id
    reply.updated_by_id, reply.updated_at = user.id, utcnow()
    await session.flush()
    return reply


async def delete_reply(session: AsyncSession, *, reply: SavedReply) -> None:
    await session.delete(reply)
    await session.flush()


async def _chat_values(session: AsyncSession, *, user: User, chat: Chat) -> dict[str, str | None]:
    inbox = await session.get(Inbox, chat.inbox_id)
    number = None
    if chat.ticket_id is not None:
        ticket = await tickets_service.get_ticket_by_id(session, ticket_id=chat.ticket_id)
        number = str(ticket.number) if ticket else None
    return {
        "customer.first_name": first_word(chat.visitor_name),
        "customer.name": chat.visitor_name or None,
        "ticket.number": number,
        "inbox.name": inbox.name if inbox else None,
    }


async def get_team_reply(session: AsyncSession, *, reply_id: int) -> SavedReply:
    """A team reply, for the system (an automation rule): a personal one is its owner's alone."""
    reply = await session.get(SavedReply, reply_id)
    if reply is None or reply.inbox_id is None:
        raise NotFound("No such team saved reply.")
    return reply


async def ticket_values(
    session: AsyncSession, *, user: User | None, ticket: Ticket
) -> dict[str, str | None]:
    """The values for `user`, or with None for the system, which sees every customer."""
    inbox = await session.get(Inbox, ticket.inbox_id)
    name: str | None = None
    # A ticket filed on someone whose record `user` may not see shows nothing of them: nor does
    # a saved reply (docs/api.md, "Which customers an agent sees").
    if user is None or not await tickets_service.hidden_customers(
        session, user=user, tickets=[ticket]
    ):
        customer = await customers_service.get_customer_by_id(
            session, customer_id=ticket.customer_id
        )
        name = customer.name
    return {
        "customer.first_name": first_word(name),
        "customer.name": name or None,
        "ticket.number": str(ticket.number),
        "inbox.name": inbox.name if inbox else None,
    }


@dataclass
class Insertion:
    filled: Filled
    counted: bool
    reply: SavedReply


async def insert_reply(
    session: AsyncSession,
    *,
    user: User,
    reply: SavedReply,
    use_id: str,
    chat_id: int | None = None,
    ticket_id: int | None = None,
) -> Insertion:
    """The reply's text filled for a chat `user` is in or a ticket `user` sees, and one use
    counted. The same `use_id` again (a retry) fills the text again and counts nothing."""
    if (chat_id is None) == (ticket_id is None):
        raise Invalid("chat_id", "Name the chat (chat_id) or the ticket (ticket_id), not both.")
    if chat_id is not None:
        chat = await chats_service.get_chat(session, user=user, chat_id=chat_id)
        await chats_service.ensure_participant(session, chat=chat, user_id=user.id)
        values = await _chat_values(session, user=user, chat=chat)
    elif ticket_id is not None:
        ticket = await tickets_service.get_ticket(session, user=user, ticket_id=ticket_id)
        values = await ticket_values(session, user=user, ticket=ticket)
    values |= {"agent.first_name": first_word(user.name), "agent.name": user.name or None}
    filled = fill(reply.text, values)

    counted = True
    try:
        # Insert first, check never: two processes given the same use_id cannot both count it.
        async with session.begin_nested():
            session.add(
                SavedReplyUse(
                    saved_reply_id=reply.id,
                    user_id=user.id,
                    use_id=use_id,
                    chat_id=chat_id,
                    ticket_id=ticket_id,
                    at=utcnow(),
                )
            )
    except IntegrityError:
        counted = False
    if counted:
        # In SQL, not in Python: another insertion may have counted since the row was read.
        await session.execute(
            update(SavedReply)
            .where(SavedReply.id == reply.id)
            .values(usage_count=SavedReply.usage_count + 1, last_used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        await session.refresh(reply, ["usage_count", "last_used_at"])
    return Insertion(filled=filled, counted=counted, reply=reply)
