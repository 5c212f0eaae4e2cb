"""Builds the read shapes of chats from service results (shared by both routers)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats import service
from frontdesk.chats.events import event_payload
from frontdesk.chats.models import Chat, ChatEvent, ChatParticipant
from frontdesk.chats.schemas import (
    ChatDetail,
    ChatEventRead,
    ChatSummary,
    InvitationRead,
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
    )


async def ongoing_reads(
    session: AsyncSession, user: User, chats: Sequence[Chat]
) -> list[OngoingChat]:
    unread = await service.unread_counts(session, user=user, chats=chats)
    people = await service.participants_by_chat(session, chat_ids=[chat.id for chat in chats])
    now = utcnow()
    return [
        OngoingChat(
            **ChatSummary.model_validate(chat).model_dump(),
            participants=[participant_read(*row) for row in people[chat.id]],
            unread=unread.get(chat.id, 0),
            waiting_seconds=int(((chat.answered_at or now) - chat.started_at).total_seconds()),
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
    )
