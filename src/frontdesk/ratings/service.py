"""Ratings: the rules for giving and changing one (in the messenger after a chat, or through an
email's link after a ticket was closed), who may read them, and each inbox's settings. The email
requests themselves are `requests.py`'s job, re-exported here.

Decisions (docs/ratings.md): three answers, good / okay / bad; a rating may be changed for
CHANGE_WINDOW after it was first given, then it is final; a chat may be rated until
RATE_CHAT_WITHIN after it ended, and only if an agent answered it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats import service as chats_service
from frontdesk.chats.models import Chat, ChatState, Visitor
from frontdesk.db.context import settings_of
from frontdesk.errors import Invalid
from frontdesk.inboxes.models import Inbox
from frontdesk.inboxes.queries import visible_inbox_ids
from frontdesk.kit.clock import utcnow
from frontdesk.ratings import links
from frontdesk.ratings.errors import LinkExpired, LinkInvalid, NotRateable, RatingFinal
from frontdesk.ratings.events import record_rating
from frontdesk.ratings.models import (
    Rating,
    RatingAgent,
    RatingChannel,
    RatingRequest,
    RatingScore,
    RatingSettings,
    RequestState,
)
from frontdesk.ratings.requests import send_due_requests
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, EntryKind, Ticket, TicketEntry
from frontdesk.users.models import User

__all__ = [
    "CHANGE_WINDOW",
    "RATE_CHAT_WITHIN",
    "ChatOffer",
    "LinkTarget",
    "agents_of",
    "chat_offer",
    "get_settings",
    "list_ratings",
    "rate_by_link",
    "rate_chat",
    "resolve_link",
    "send_due_requests",
    "ticket_ratings",
    "update_settings",
]

CHANGE_WINDOW = timedelta(hours=24)
RATE_CHAT_WITHIN = timedelta(days=7)
MAX_COMMENT = 2000
MAX_QUESTION = 200
MAX_DELAY_MINUTES = 30 * 24 * 60
MAX_PAGE = 200


# --- settings ------------------------------------------------------------------------------------


async def get_settings(session: AsyncSession, *, inbox_id: int) -> RatingSettings:
    """The inbox's row, or the defaults (not added to the session) when it has none."""
    found = await session.get(RatingSettings, inbox_id)
    return found or RatingSettings(
        inbox_id=inbox_id,
        chat_enabled=True,
        email_enabled=False,
        question="",
        email_delay_minutes=60,
    )


async def update_settings(
    session: AsyncSession,
    *,
    inbox: Inbox,
    chat_enabled: bool | None = None,
    email_enabled: bool | None = None,
    question: str | None = None,
    email_delay_minutes: int | None = None,
) -> RatingSettings:
    row = await session.get(RatingSettings, inbox.id, with_for_update=True)
    if row is None:
        row = await get_settings(session, inbox_id=inbox.id)
        session.add(row)
    if chat_enabled is not None:
        row.chat_enabled = chat_enabled
    if email_enabled is not None:
        if email_enabled and not row.email_enabled:
            # Only tickets closed from now on are asked: not the inbox's whole history.
            row.email_since = utcnow()
        row.email_enabled = email_enabled
    if question is not None:
        question = " ".join(question.split())
        if len(question) > MAX_QUESTION:
            raise Invalid(
                "question",
                f"At most {MAX_QUESTION} characters.",
                field_code="too_long",
                limit=MAX_QUESTION,
            )
        row.question = question
    if email_delay_minutes is not None:
        if not 0 <= email_delay_minutes <= MAX_DELAY_MINUTES:
            raise Invalid(
                "email_delay_minutes", f"Between 0 and {MAX_DELAY_MINUTES} minutes (30 days)."
            )
        row.email_delay_minutes = email_delay_minutes
    row.updated_at = utcnow()
    await session.flush()
    return row


# --- giving and changing a rating -------------------------------------------------------------


def _comment(comment: str | None) -> str | None:
    if comment is None:
        return None
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid(
            "comment",
            f"At most {MAX_COMMENT} characters.",
            field_code="too_long",
            limit=MAX_COMMENT,
        )
    return comment


async def _save(
    session: AsyncSession,
    *,
    existing: Select[Rating],
    fresh: Rating,
    agents: Sequence[int],
    score: RatingScore,
    comment: str | None,
    now: datetime,
) -> Rating:
    """Gives the rating, or changes the one already given while it may change. A double click
    or two tabs meet at the unique constraint (chat, or request): the second changes the row
    the first wrote instead of failing."""
    rating = await session.scalar(existing.with_for_update())
    if rating is None:
        try:
            async with session.begin_nested():
                session.add(fresh)
                await session.flush()
                session.add_all(RatingAgent(rating_id=fresh.id, user_id=uid) for uid in agents)
                await session.flush()
            record_rating(session, fresh, agent_ids=list(agents))
            return fresh
        except IntegrityError:
            rating = await session.scalar(existing.with_for_update())
            if rating is None:
                raise
    if now > rating.changeable_until:
        raise RatingFinal
    if rating.score is not score or (comment is not None and comment != rating.comment):
        rating.score = score
        if comment is not None:
            rating.comment = comment
        rating.updated_at = now
        await session.flush()
        found = await agents_of(session, rating_ids=[rating.id])
        record_rating(session, rating, agent_ids=found[rating.id])
    return rating


@dataclass(frozen=True)
class ChatOffer:
    """What the messenger shows under an ended chat."""

    offered: bool
    question: str
    rating: Rating | None


async def chat_offer(session: AsyncSession, *, visitor: Visitor, chat_id: int) -> ChatOffer:
    chat = await chats_service.get_visitor_chat(session, visitor=visitor, chat_id=chat_id)
    settings = await get_settings(session, inbox_id=chat.inbox_id)
    rating = await session.scalar(select(Rating).where(Rating.chat_id == chat.id))
    offered = _why_not(chat, settings, now=utcnow()) is None
    return ChatOffer(
        offered=offered or rating is not None, question=settings.question, rating=rating
    )


def _why_not(chat: Chat, settings: RatingSettings, *, now: datetime) -> str | None:
    if chat.state is not ChatState.ended:
        return "The chat can be rated once it has ended."
    if chat.answered_at is None or chat.ticket_id is None:
        return "Nobody answered this chat, so there is nothing to rate."
    if not settings.chat_enabled:
        return "This inbox does not ask for ratings."
    if chat.ended_at is not None and now > chat.ended_at + RATE_CHAT_WITHIN:
        return "This chat ended too long ago to be rated."
    return None


async def rate_chat(
    session: AsyncSession,
    *,
    visitor: Visitor,
    chat_id: int,
    score: RatingScore,
    comment: str | None,
) -> Rating:
    """Only the chat's own visitor (another's chat is a 404), only after it ended."""
    comment = _comment(comment)
    chat = await chats_service.get_visitor_chat(session, visitor=visitor, chat_id=chat_id)
    settings = await get_settings(session, inbox_id=chat.inbox_id)
    now = utcnow()
    existing = select(Rating).where(Rating.chat_id == chat.id)
    if await session.scalar(existing) is None and (why := _why_not(chat, settings, now=now)):
        raise NotRateable(why)
    ticket = (
        await tickets_service.get_ticket_by_id(session, ticket_id=chat.ticket_id)
        if chat.ticket_id is not None
        else None
    )
    if ticket is None:
        raise NotRateable("This chat's ticket was deleted.")
    agents = [
        user.id for _participant, user in await chats_service.participants(session, chat=chat)
    ]
    fresh = Rating(
        ticket_id=ticket.id,
        chat_id=chat.id,
        customer_id=ticket.customer_id,
        inbox_id=chat.inbox_id,
        score=score,
        comment=comment or "",
        channel=RatingChannel.chat,
        created_at=now,
        updated_at=now,
        changeable_until=now + CHANGE_WINDOW,
    )
    return await _save(
        session,
        existing=existing,
        fresh=fresh,
        agents=list(dict.fromkeys(agents)),
        score=score,
        comment=comment,
        now=now,
    )


@dataclass(frozen=True)
class LinkTarget:
    request: RatingRequest
    ticket: Ticket
    rating: Rating | None
    question: str
    inbox_name: str


async def resolve_link(session: AsyncSession, *, token: str) -> LinkTarget:
    """The request an email's link names: LinkInvalid when it was altered or retired,
    LinkExpired past its lifetime (a rating given before still shows)."""
    request_id = links.token_request_id(token)
    request = await session.get(RatingRequest, request_id) if request_id else None
    if request is None or request.state is not RequestState.sent:
        raise LinkInvalid
    secret = settings_of(session).secret
    if not links.token_is_valid(secret, token, request_id=request.id, nonce=request.nonce):
        raise LinkInvalid
    ticket = await tickets_service.get_ticket_by_id(session, ticket_id=request.ticket_id)
    if ticket is None:
        raise LinkInvalid
    rating = await session.scalar(select(Rating).where(Rating.request_id == request.id))
    if rating is None and utcnow() > request.expires_at:
        raise LinkExpired
    settings = await get_settings(session, inbox_id=request.inbox_id)
    inbox = await session.get(Inbox, request.inbox_id)
    return LinkTarget(
        request=request,
        ticket=ticket,
        rating=rating,
        question=settings.question,
        inbox_name=inbox.name if inbox else "",
    )


async def open_link(session: AsyncSession, *, token: str) -> LinkTarget:
    """What a click of one of the email's answers opens: the page that sends that answer. A
    link that can no longer give or change a rating says so now (LinkInvalid, LinkExpired,
    RatingFinal) instead of offering an answer that would be refused."""
    target = await resolve_link(session, token=token)
    if target.rating is not None and utcnow() > target.rating.changeable_until:
        raise RatingFinal
    return target


async def rate_by_link(
    session: AsyncSession, *, token: str, score: RatingScore, comment: str | None
) -> LinkTarget:
    """The answer the link's page sends gives the rating; another answer of the same email
    changes it while it may change (RatingFinal after). A comment is optional."""
    comment = _comment(comment)
    target = await resolve_link(session, token=token)
    request, ticket = target.request, target.ticket
    now = utcnow()
    if target.rating is None and now > request.expires_at:
        raise LinkExpired
    fresh = Rating(
        ticket_id=ticket.id,
        request_id=request.id,
        customer_id=request.customer_id,
        inbox_id=request.inbox_id,
        score=score,
        comment=comment or "",
        channel=RatingChannel.email,
        created_at=now,
        updated_at=now,
        changeable_until=now + CHANGE_WINDOW,
    )
    rating = await _save(
        session,
        existing=select(Rating).where(Rating.request_id == request.id),
        fresh=fresh,
        agents=await _ticket_agents(session, ticket=ticket),
        score=score,
        comment=comment,
        now=now,
    )
    return LinkTarget(
        request=request,
        ticket=ticket,
        rating=rating,
        question=target.question,
        inbox_name=target.inbox_name,
    )


async def _ticket_agents(session: AsyncSession, *, ticket: Ticket) -> list[int]:
    """The assignee, then every agent who replied to the customer."""
    repliers = await session.scalars(
        select(TicketEntry.author_user_id)
        .where(
            TicketEntry.ticket_id == ticket.id,
            TicketEntry.kind == EntryKind.reply,
            TicketEntry.direction == Direction.outbound,
            TicketEntry.author_user_id.is_not(None),
        )
        .order_by(TicketEntry.id)
    )
    ids = [ticket.assignee_id] if ticket.assignee_id else []
    return [user_id for user_id in dict.fromkeys([*ids, *repliers]) if user_id is not None]


async def agents_of(session: AsyncSession, *, rating_ids: Sequence[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {rating_id: [] for rating_id in rating_ids}
    if rating_ids:
        rows = await session.execute(
            select(RatingAgent.rating_id, RatingAgent.user_id)
            .where(RatingAgent.rating_id.in_(rating_ids))
            .order_by(RatingAgent.rating_id, RatingAgent.user_id)
        )
        for rating_id, user_id in rows:
            found[rating_id].append(user_id)
    return found


# --- reading -------------------------------------------------------------------------------------


def visible_ratings(user: User) -> Select[Rating]:
    """Ratings of the tickets `user` may see: those of the inboxes they may see."""
    query = select(Rating)
    return query if user.is_admin else query.where(Rating.inbox_id.in_(visible_inbox_ids(user)))


async def ticket_ratings(session: AsyncSession, *, user: User, ticket_id: int) -> Sequence[Rating]:
    ticket = await tickets_service.get_ticket(session, user=user, ticket_id=ticket_id)
    return (
        await session.scalars(
            visible_ratings(user)
            .where(Rating.ticket_id == ticket.id)
            .order_by(Rating.created_at, Rating.id)
        )
    ).all()


@dataclass(frozen=True)
class RatingFilter:
    inbox_id: int | None = None
    customer_id: int | None = None
    agent_id: int | None = None
    score: RatingScore | None = None
    channel: RatingChannel | None = None
    since: datetime | None = None
    until: datetime | None = None
    with_comment: bool | None = None


async def list_ratings(
    session: AsyncSession, *, user: User, criteria: RatingFilter, limit: int, before_id: int | None
) -> Sequence[Rating]:
    """Newest first, by id, paged with `before_id`. `customer_id` is the tickets' customer now
    (after a merge, the merged-into customer sees both histories)."""
    query = visible_ratings(user)
    if criteria.inbox_id is not None:
        query = query.where(Rating.inbox_id == criteria.inbox_id)
    if criteria.customer_id is not None:
        query = query.join(Ticket, Ticket.id == Rating.ticket_id).where(
            Ticket.customer_id == criteria.customer_id
        )
    if criteria.score is not None:
        query = query.where(Rating.score == criteria.score)
    if criteria.channel is not None:
        query = query.where(Rating.channel == criteria.channel)
    if criteria.since is not None:
        query = query.where(Rating.created_at >= criteria.since)
    if criteria.until is not None:
        query = query.where(Rating.created_at < criteria.until)
    if criteria.with_comment is not None:
        query = query.where(
            (Rating.comment != "") if criteria.with_comment else Rating.comment == ""
        )
    if criteria.agent_id is not None:
        query = query.where(
            Rating.id.in_(
                select(RatingAgent.rating_id).where(RatingAgent.user_id == criteria.agent_id)
            )
        )
    if before_id is not None:
        query = query.where(Rating.id < before_id)
    return (await session.scalars(query.order_by(Rating.id.desc()).limit(limit))).all()
