"""Agents' chat routes: availability, the chat bar, ongoing chats, and every chat action."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from frontdesk.chats import service, views
from frontdesk.chats.models import Chat, EndReason, InvitationKind
from frontdesk.chats.schemas import (
    AgentAvailability,
    AvailabilityUpdate,
    BarItemRead,
    ChatDetail,
    ChatSummary,
    EndedRead,
    InviteCreate,
    LabelsUpdate,
    MessageAck,
    MessageCreate,
    OngoingChat,
    ReadUpdate,
    TypingUpdate,
)
from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.kit.clock import utcnow
from frontdesk.kit.schemas import Id
from frontdesk.users import service as users_service
from frontdesk.users.schemas import UserRead

router = APIRouter(tags=["chats"], route_class=AuthenticateFirst)

MEANINGS = {"red": "Waiting for an agent", "orange": "Unread messages", "green": "No new messages"}


async def load_chat(chat_id: Id, user: CurrentAgent, session: SessionDep) -> Chat:
    return await service.get_chat(session, user=user, chat_id=chat_id)


LoadedChat = Annotated[Chat, Depends(load_chat)]


@router.put("/me/availability", response_model=UserRead)
async def set_availability(
    body: AvailabilityUpdate, user: CurrentAgent, session: SessionDep
) -> UserRead:
    await service.set_availability(session, user=user, available=body.available)
    return UserRead.model_validate(user)


@router.get("/chats/bar", response_model=list[BarItemRead])
async def chat_bar(user: CurrentAgent, session: SessionDep) -> list[BarItemRead]:
    items = await service.chat_bar(session, user=user)
    return [
        BarItemRead(
            chat=ChatSummary.model_validate(item.chat),
            color=item.color,
            meaning=(
                "Invitation to a chat"
                if item.invitation
                else "Offered to you alone: accept or decline"
                if item.offer_expires_at
                else MEANINGS[item.color]
            ),
            unread=item.unread,
            invitation=item.invitation.kind if item.invitation else None,
            offer_expires_in=(
                max(0.0, (item.offer_expires_at - utcnow()).total_seconds())
                if item.offer_expires_at
                else None
            ),
        )
        for item in items
    ]


@router.get("/chats", response_model=list[OngoingChat])
async def ongoing_chats(
    user: CurrentAgent, session: SessionDep, inbox_id: Id | None = None
) -> list[OngoingChat]:
    chats = await service.list_ongoing(session, user=user, inbox_id=inbox_id)
    return await views.ongoing_reads(session, user, chats)


@router.get("/chats/agents", response_model=list[AgentAvailability])
async def agents(user: CurrentAgent, session: SessionDep) -> list[AgentAvailability]:
    """Everyone and their load: who is online, with free capacity and the inboxes they take
    chats for, for the picker and the Chats page."""
    active = [agent for agent in await users_service.list_users(session) if agent.is_active]
    return [
        AgentAvailability(
            id=found.user.id,
            name=found.user.name,
            email=found.user.email,
            available_for_chat=found.user.available_for_chat,
            active_chats=found.active_chats,
            max_concurrent_chats=found.user.max_concurrent_chats,
            inbox_ids=list(found.inbox_ids),
            takes_chats=found.takes_chats,
        )
        for found in await service.agent_presence(session, viewer=user, agents=active)
    ]


@router.get("/chats/{chat_id}", response_model=ChatDetail)
async def get_chat(chat: LoadedChat, session: SessionDep) -> ChatDetail:
    return await views.chat_detail(session, chat)


@router.post("/chats/{chat_id}/offer/accept", response_model=ChatDetail)
async def accept_offer(chat: LoadedChat, user: CurrentAgent, session: SessionDep) -> ChatDetail:
    """Joins a chat offered to you alone; 409 `offer_gone` when it is no longer yours to take."""
    chat = await service.accept_offer(session, chat=chat, agent=user)
    return await views.chat_detail(session, chat)


@router.post("/chats/{chat_id}/offer/decline", response_model=ChatDetail)
async def decline_offer(chat: LoadedChat, user: CurrentAgent, session: SessionDep) -> ChatDetail:
    """Passes a chat offered to you alone on to the next agent (or to everybody)."""
    chat = await service.decline_offer(session, chat=chat, agent=user)
    return await views.chat_detail(session, chat)


@router.post("/chats/{chat_id}/join", response_model=ChatDetail)
async def join_chat(chat: LoadedChat, user: CurrentAgent, session: SessionDep) -> ChatDetail:
    chat = await service.join_chat(session, chat=chat, agent=user)
    return await views.chat_detail(session, chat)


@router.post(
    "/chats/{chat_id}/messages", response_model=MessageAck, status_code=status.HTTP_201_CREATED
)
async def post_message(
    body: MessageCreate, chat: LoadedChat, user: CurrentAgent, session: SessionDep
) -> MessageAck:
    posted = await service.post_message(
        session,
        chat_id=chat.id,
        author=service.agent_author(user),
        text=body.text,
        client_msg_id=body.client_msg_id,
    )
    return MessageAck(message_id=posted.id, seq=posted.seq, duplicate=posted.duplicate)


@router.post("/chats/{chat_id}/typing", status_code=status.HTTP_204_NO_CONTENT)
async def typing(
    body: TypingUpdate, chat: LoadedChat, user: CurrentAgent, session: SessionDep
) -> None:
    await service.set_typing(
        session, chat=chat, author=service.agent_author(user), typing=body.typing
    )


@router.post("/chats/{chat_id}/read", response_model=ReadUpdate)
async def mark_read(
    body: ReadUpdate, chat: LoadedChat, user: CurrentAgent, session: SessionDep
) -> ReadUpdate:
    return ReadUpdate(seq=await service.mark_read(session, chat=chat, agent=user, seq=body.seq))


@router.put("/chats/{chat_id}/labels", response_model=LabelsUpdate)
async def label_chat(
    body: LabelsUpdate, chat: LoadedChat, user: CurrentAgent, session: SessionDep
) -> LabelsUpdate:
    labels = await service.label_chat(session, chat=chat, agent=user, names=body.labels)
    return LabelsUpdate(labels=[label.name for label in labels])


async def _invite(
    body: InviteCreate, chat: Chat, user: CurrentAgent, session: SessionDep, kind: InvitationKind
) -> ChatDetail:
    invitee = await users_service.get_user(session, user_id=body.user_id)
    await service.invite_to_chat(session, chat=chat, inviter=user, invitee=invitee, kind=kind)
    return await views.chat_detail(session, chat)


@router.post("/chats/{chat_id}/invite", response_model=ChatDetail)
async def invite(
    body: InviteCreate, chat: LoadedChat, user: CurrentAgent, session: SessionDep
) -> ChatDetail:
    return await _invite(body, chat, user, session, InvitationKind.invite)


@router.post("/chats/{chat_id}/transfer", response_model=ChatDetail)
async def transfer(
    body: InviteCreate, chat: LoadedChat, user: CurrentAgent, session: SessionDep
) -> ChatDetail:
    """Like invite, but you leave the chat as soon as the invitee joins."""
    return await _invite(body, chat, user, session, InvitationKind.transfer)


@router.post("/chats/{chat_id}/leave", response_model=ChatDetail)
async def leave(chat: LoadedChat, user: CurrentAgent, session: SessionDep) -> ChatDetail:
    chat = await service.leave_chat(session, chat=chat, agent=user)
    return await views.chat_detail(session, chat)


@router.post("/chats/{chat_id}/end", response_model=EndedRead)
async def end(chat: LoadedChat, user: CurrentAgent, session: SessionDep) -> EndedRead:
    ticket = await service.end_chat(session, chat=chat, agent=user, reason=EndReason.agent)
    return EndedRead(chat_id=chat.id, ticket_id=ticket.id)
