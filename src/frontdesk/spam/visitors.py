"""Blocking a chat's visitor (docs/chat.md, "Blocking a visitor"), and the blocked visitors an
admin lifts (docs/desk.md, "Spam").

An agent who sees a chat's inbox blocks its visitor: the visitor's chats still going end (their
tickets filed in Spam through `service.mark_spam`, as an agent's "Spam" would, and no transcript
mailed to them), and the messenger refuses them every new chat and message (chats/blocked.py).
When the website signed the chat's address, it is blocked as a sender too (`Block.address`), so
their mail goes to Spam as well; a typed address proves nothing and is left alone.

Concurrency: the visitor's row is locked first, as a chat start locks it (chats/lifecycle.py):
a chat they start at the same moment is either refused or ended here. Then each chat's lock, as
their messages take it: a message is in the transcript or refused (`chat_ended`), never lost.
Blocking twice is one block, one ticket, spam once (the second finds all done: `changed`
False)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit
from frontdesk.chats import service as chats_service
from frontdesk.chats.models import Chat, ChatState, EndReason, Visitor
from frontdesk.db.unique import insert_once
from frontdesk.errors import Forbidden, NotFound
from frontdesk.kit.clock import utcnow
from frontdesk.spam import service
from frontdesk.spam.models import BlockedSender, BlockedVisitor
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User


@dataclass(frozen=True)
class VisitorBlock:
    blocked: BlockedVisitor
    # False when the visitor was blocked already (another agent, or a repeated request).
    changed: bool
    # The chat's ticket, in Spam; None when it was deleted meanwhile.
    ticket: Ticket | None
    # The signed address blocked as a sender; None when the chat's address was only typed.
    sender: BlockedSender | None


@dataclass(frozen=True)
class BlockedVisitorRow:
    blocked: BlockedVisitor
    name: str
    email: str | None
    verified: bool
    ticket_number: int | None
    created_by_name: str | None


def _target(row: BlockedVisitor) -> audit.Target:
    # A visitor's name and address are personal data, which the audit log never holds.
    return audit.Target("blocked_visitor", row.id, f"blocked visitor #{row.id}")


async def block_visitor(session: AsyncSession, *, actor: User, chat_id: int) -> VisitorBlock:
    """404 for a chat outside the agent's inboxes; an ended chat blocks its visitor all the same
    (its ticket to Spam)."""
    chat = await chats_service.get_chat(session, user=actor, chat_id=chat_id)
    visitor = await chats_service.lock_visitor(
        session, visitor=await chats_service.visitor_of(session, chat=chat)
    )
    row, changed = await _block(session, actor=actor, visitor=visitor)
    # The chat asked about, and any other of theirs still going (one they started meanwhile).
    chats = {chat.id: chat} | {
        each.id: each
        for each in await chats_service.open_chats_of_visitor(session, visitor=visitor)
    }
    ticket = None
    sender = None
    for each_id in sorted(chats):
        each = await _end(session, chat=chats[each_id], actor=actor)
        if each.ticket_id is None:
            continue
        asked = each.id == chat.id
        signed = asked and each.visitor_verified and each.visitor_email is not None
        marked = await service.mark_spam(
            session,
            actor=actor,
            ticket_id=each.ticket_id,
            block=service.Block.address if signed else service.Block.none,
        )
        if asked:
            ticket, sender = marked.ticket, marked.blocked
    if changed:
        row.ticket_id = ticket.id if ticket else None
        if ticket is not None:
            await tickets_service.log_event(
                session, ticket=ticket, actor=actor, text=f"{actor.name} blocked the visitor"
            )
    return VisitorBlock(blocked=row, changed=changed, ticket=ticket, sender=sender)


async def _block(
    session: AsyncSession, *, actor: User, visitor: Visitor
) -> tuple[BlockedVisitor, bool]:
    row = BlockedVisitor(visitor_id=visitor.id, created_by_id=actor.id, created_at=utcnow())
    if await insert_once(session, row):
        audit.record(session, action="visitor.blocked", target=_target(row))
        return row, True
    existing = await session.scalar(
        select(BlockedVisitor).where(BlockedVisitor.visitor_id == visitor.id)
    )
    if existing is None:  # an admin lifted it in between: block again
        return await _block(session, actor=actor, visitor=visitor)
    return existing, False


async def _end(session: AsyncSession, *, chat: Chat, actor: User) -> Chat:
    """Ends the chat as its agent would, but mails the visitor nothing. An agent who is not in
    it (a waiting chat, or one a colleague answers) ends it as the desk ends a chat nobody is
    left to answer: by no one in particular."""
    chat = await chats_service.lock_chat(session, chat=chat)
    if chat.state is ChatState.ended:
        return chat
    present = any(
        participant.user_id == actor.id and participant.left_at is None
        for participant, _user in await chats_service.participants(session, chat=chat)
    )
    await chats_service.end_chat(
        session,
        chat=chat,
        agent=actor if present else None,
        reason=EndReason.agent,
        transcript=False,
    )
    return chat


# --- the admins' list ---------------------------------------------------------------------------


def _ensure_admin(user: User, what: str) -> None:
    if not user.is_admin:
        raise Forbidden(f"Only admins can {what}.", code="admins_only")


async def list_blocked_visitors(
    session: AsyncSession, *, actor: User
) -> Sequence[BlockedVisitorRow]:
    """Newest first, with who the visitor said they were (name, address, whether the website
    signed it) and the ticket their chat left."""
    _ensure_admin(actor, "see the blocked visitors")
    rows = await session.execute(
        select(BlockedVisitor, Visitor, Ticket.number, User.name)
        .join(Visitor, Visitor.id == BlockedVisitor.visitor_id)
        .outerjoin(Ticket, Ticket.id == BlockedVisitor.ticket_id)
        .outerjoin(User, User.id == BlockedVisitor.created_by_id)
        .order_by(BlockedVisitor.created_at.desc(), BlockedVisitor.id.desc())
    )
    return [
        BlockedVisitorRow(
            blocked=blocked,
            name=visitor.name,
            email=visitor.email,
            verified=visitor.identity_verified,
            ticket_number=number,
            created_by_name=name,
        )
        for blocked, visitor, number, name in rows
    ]


async def unblock_visitor(session: AsyncSession, *, actor: User, blocked_id: int) -> None:
    """The visitor may chat and leave messages again. Their ticket stays in Spam, and an address
    blocked with them stays on the blocked senders list (an admin lifts it there)."""
    _ensure_admin(actor, "unblock visitors")
    # One statement: of two admins lifting it at once, one lifts it and the other is told there
    # is no such block (one audit entry).
    gone = (
        await session.execute(
            delete(BlockedVisitor)
            .where(BlockedVisitor.id == blocked_id)
            .returning(BlockedVisitor.id)
            .execution_options(synchronize_session=False)
        )
    ).scalar()
    if gone is None:
        raise NotFound("No such blocked visitor.")
    audit.record(session, action="visitor.unblocked", target=_target(BlockedVisitor(id=gone)))
