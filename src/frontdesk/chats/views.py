"""Builds the read shapes of chats from service results (shared by both routers)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats import service
from frontdesk.chats.events import event_payload
from frontdesk.chats.models import Chat, ChatEvent, ChatParticipant, ChatState
from frontdesk.chats.schemas import (
    ChatDetail,
    ChatEventRead,
    ChatSummary,
    InvitationRead,
    OfferRead,
    OngoingChat,
    ParticipantRead,
    VisitorChatRead,
    VisitorContext,
)
from frontdesk.kit.clock import utcnow
from frontdesk.users.models import User


def event_read(event: ChatEvent, *, for_visitor: bool) -> ChatEventRead:
    return ChatEventRead(
        type=event.type,
        chat_id=event.chat_id,
        seq=event.seq,
        at=event.created_at,
        data=event_payload(event, for_visitor=for_visitor),
    )


def participant_read(participant: ChatParticipant, user: User) -> ParticipantRead:
    return ParticipantRead(
        user_id=user.id,
        name=user.name,
        joined_at=participant.joined_at,
        left_at=participant.left_at,
        read_seq=participant.read_seq,
    )


async def participant_reads(session: AsyncSession, chat: Chat) -> list[ParticipantRead]:
    return [
        participant_read(participant, user)
        for participant, user in await service.participants(session, chat=chat)
    ]


async def chat_detail(session: AsyncSession, chat: Chat) -> ChatDetail:
    visitor = await service.visitor_of(session, chat=chat)
    events = await service.events_after(session, chat_id=chat.id, after_seq=0, for_visitor=False)
    return ChatDetail(
        **ChatSummary.model_validate(chat).model_dump(),
        participants=await participant_reads(session, chat),
        invitations=[
            InvitationRead(user_id=inv.invitee_id, inviter_id=inv.inviter_id, kind=inv.kind.value)
            for inv in await service.invitations(session, chat=chat)
        ],
        labels=(await service.chat_label_names(session, chat_ids=[chat.id]))[chat.id],
        visitor=VisitorContext(
            name=chat.visitor_name,
            email=chat.visitor_email,
            verified=chat.visitor_verified,
            page_url=visitor.page_url,
            page_title=visitor.page_title,
            minimized=visitor.minimized,
            connected=await service.visitor_connected(session, visitor_id=visitor.id),
            attributes=visitor.attributes,
        ),
        events=[event_read(event, for_visitor=False) for event in events],
        offer=(await offer_reads(session, [chat])).get(chat.id),
    )


async def offer_reads(session: AsyncSession, chats: Sequence[Chat]) -> dict[int, OfferRead]:
    offers = await service.open_offers(
        session, chat_ids=[chat.id for chat in chats if chat.state is ChatState.waiting]
    )
    now = utcnow()
    found: dict[int, OfferRead] = {}
    for chat_id, offer in offers.items():
        user = await session.get(User, offer.user_id)
        found[chat_id] = OfferRead(
            user_id=offer.user_id,
            name=user.name if user else "",
            expires_at=offer.expires_at,
            expires_in=max(0.0, (offer.expires_at - now).total_seconds()),
        )
    return found


async def ongoing_reads(
    session: AsyncSession, user: User, chats: Sequence[Chat]
) -> list[OngoingChat]:
    unread = await service.unread_counts(session, user=user, chats=chats)
    people = await service.participants_by_chat(session, chat_ids=[chat.id for chat in chats])
    offers = await offer_reads(session, chats)
    now = utcnow()
    return [
        OngoingChat(
            **ChatSummary.model_validate(chat).model_dump(),
            participants=[participant_read(*row) for row in people[chat.id]],
            unread=unread.get(chat.id, 0),
            waiting_seconds=int(((chat.answered_at or now) - chat.started_at).total_seconds()),
            offer=offers.get(chat.id),
        )
        for chat in chats
    ]


async def visitor_chat(session: AsyncSession, chat: Chat) -> VisitorChatRead:
    events = await service.events_after(session, chat_id=chat.id, after_seq=0, for_visitor=True)
    return VisitorChatRead(
        id=chat.id,
        state=chat.state,
        started_at=chat.started_at,
        ended_at=chat.ended_at,
        end_reason=chat.end_reason,
        last_seq=chat.last_seq,
        events=[event_read(event, for_visitor=True) for event in events],
        reply_by_email=bool(chat.visitor_email),
    )
