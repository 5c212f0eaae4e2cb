"""Spam over HTTP: marking tickets spam or not (one, or many from the list), blocking a chat's
visitor, and the blocked senders and visitors lists (admins)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.deps import AuthenticateFirst, CurrentAdmin, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.spam import service, visitors
from frontdesk.spam.models import BlockedSender
from frontdesk.spam.schemas import (
    BlockedSenderCreate,
    BlockedSenderPage,
    BlockedSenderRead,
    BlockedVisitorRead,
    BulkNotSpam,
    BulkSpamMark,
    BulkSpamOutcome,
    BulkSpamResult,
    SpamMark,
    SpamResult,
    SpamTicket,
    VisitorBlockResult,
)
from frontdesk.users.models import User

router = APIRouter(tags=["spam"], route_class=AuthenticateFirst)


async def _reads(session: AsyncSession, rows: Sequence[BlockedSender]) -> list[BlockedSenderRead]:
    ids = {row.created_by_id for row in rows if row.created_by_id is not None}
    names: dict[int, str] = {}
    if ids:
        users = await session.execute(select(User.id, User.name).where(User.id.in_(ids)))
        names = {user.id: user.name for user in users}
    return [
        BlockedSenderRead(
            id=row.id,
            pattern=row.pattern,
            kind="domain" if row.pattern.startswith("@") else "address",
            created_at=row.created_at,
            created_by_id=row.created_by_id,
            created_by_name=names.get(row.created_by_id) if row.created_by_id else None,
        )
        for row in rows
    ]


async def _result(session: AsyncSession, marked: service.Marked) -> SpamResult:
    read = SpamTicket.model_validate(marked.ticket)
    blocked = (await _reads(session, [marked.blocked]))[0] if marked.blocked else None
    return SpamResult(
        changed=marked.changed,
        ticket=read,
        blocked=blocked,
        unblocked=list(marked.unblocked),
        domains_blocked=list(marked.domains_blocked),
    )


@router.post("/tickets/{ticket_id}/spam", response_model=SpamResult)
async def mark_spam(
    ticket_id: Id, body: SpamMark, user: CurrentAgent, session: SessionDep
) -> SpamResult:
    """Moves the ticket to the Spam folder (docs/desk.md, "Spam"); with `block`, its sender's
    later mail arrives there too."""
    marked = await service.mark_spam(session, actor=user, ticket_id=ticket_id, block=body.block)
    return await _result(session, marked)


@router.post("/tickets/{ticket_id}/not-spam", response_model=SpamResult)
async def not_spam(ticket_id: Id, user: CurrentAgent, session: SessionDep) -> SpamResult:
    """Takes the ticket out of Spam: open again, for its inbox. Its customer's addresses are
    unblocked (`unblocked`); a blocked domain stays, for an admin (`domains_blocked`)."""
    marked = await service.not_spam(session, actor=user, ticket_id=ticket_id)
    return await _result(session, marked)


def _bulk(outcomes: list[service.BulkOutcome]) -> BulkSpamResult:
    refused = sum(1 for outcome in outcomes if outcome.error is not None)
    return BulkSpamResult(
        done=len(outcomes) - refused,
        refused=refused,
        results=[
            BulkSpamOutcome(
                ticket_id=outcome.ticket_id,
                ok=outcome.error is None,
                changed=outcome.changed,
                error=outcome.error.to_dict() if outcome.error else None,
            )
            for outcome in outcomes
        ],
    )


@router.post("/tickets/spam", response_model=BulkSpamResult)
async def mark_many_spam(
    body: BulkSpamMark, user: CurrentAgent, session: SessionDep
) -> BulkSpamResult:
    """Marks each ticket spam alone: one you may not see (404) or one refused is reported in
    `results` with its error, the others are marked."""
    return _bulk(
        await service.mark_many(
            session, actor=user, ticket_ids=body.ticket_ids, spam=True, block=body.block
        )
    )


@router.post("/tickets/not-spam", response_model=BulkSpamResult)
async def mark_many_not_spam(
    body: BulkNotSpam, user: CurrentAgent, session: SessionDep
) -> BulkSpamResult:
    """Takes each ticket out of Spam, as `POST /tickets/{id}/not-spam` does, each alone."""
    return _bulk(
        await service.mark_many(session, actor=user, ticket_ids=body.ticket_ids, spam=False)
    )


@router.get("/blocked-senders", response_model=BlockedSenderPage)
async def list_blocked(
    admin: CurrentAdmin,
    session: SessionDep,
    q: Annotated[
        str,
        Query(
            max_length=320,
            description="A part of the address or domain, any case, taken literally (`_` and "
            "`%` are plain characters).",
        ),
    ] = "",
    cursor: Annotated[
        str | None,
        Query(
            max_length=200,
            description="The `next_cursor` of the previous page, with the same `q`; 422 with "
            "another.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = service.PAGE_SIZE,
) -> BlockedSenderPage:
    """Newest first, a page at a time."""
    page = await service.list_blocked(session, actor=admin, q=q, cursor=cursor, limit=limit)
    return BlockedSenderPage(
        items=await _reads(session, page.senders), next_cursor=page.next_cursor
    )


@router.post(
    "/blocked-senders", response_model=BlockedSenderRead, status_code=status.HTTP_201_CREATED
)
async def block_sender(
    body: BlockedSenderCreate, admin: CurrentAdmin, session: SessionDep
) -> BlockedSenderRead:
    """409 `sender_blocked_already` when the same address or domain is on the list."""
    row = await service.block_sender(session, actor=admin, pattern=body.pattern)
    return (await _reads(session, [row]))[0]


@router.delete("/blocked-senders/{blocked_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unblock_sender(blocked_id: Id, admin: CurrentAdmin, session: SessionDep) -> None:
    """Mail from it arrives as usual again; what is in Spam stays there."""
    await service.unblock_sender(session, actor=admin, blocked_id=blocked_id)


@router.post("/chats/{chat_id}/block-visitor", response_model=VisitorBlockResult)
async def block_visitor(chat_id: Id, user: CurrentAgent, session: SessionDep) -> VisitorBlockResult:
    """Blocks the chat's visitor (docs/chat.md, "Blocking a visitor"): their chats still going
    end, filed in Spam, and the messenger refuses them (403 `visitor_blocked`). Any agent who
    sees the chat's inbox; an ended chat too. Blocking again answers `changed` false."""
    block = await visitors.block_visitor(session, actor=user, chat_id=chat_id)
    return VisitorBlockResult(
        changed=block.changed,
        blocked_visitor_id=block.blocked.id,
        visitor_id=block.blocked.visitor_id,
        ticket=SpamTicket.model_validate(block.ticket) if block.ticket else None,
        blocked_sender=(await _reads(session, [block.sender]))[0] if block.sender else None,
    )


@router.get("/blocked-visitors", response_model=list[BlockedVisitorRead])
async def list_blocked_visitors(
    admin: CurrentAdmin, session: SessionDep
) -> list[BlockedVisitorRead]:
    """Newest first."""
    return [
        BlockedVisitorRead(
            id=row.blocked.id,
            visitor_id=row.blocked.visitor_id,
            name=row.name,
            email=row.email,
            verified=row.verified,
            ticket_id=row.blocked.ticket_id,
            ticket_number=row.ticket_number,
            created_at=row.blocked.created_at,
            created_by_id=row.blocked.created_by_id,
            created_by_name=row.created_by_name,
        )
        for row in await visitors.list_blocked_visitors(session, actor=admin)
    ]


@router.delete("/blocked-visitors/{blocked_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unblock_visitor(blocked_id: Id, admin: CurrentAdmin, session: SessionDep) -> None:
    """The visitor may chat and leave messages again. Their ticket stays in Spam, and an address
    blocked with them stays on the blocked senders list."""
    await visitors.unblock_visitor(session, actor=admin, blocked_id=blocked_id)
