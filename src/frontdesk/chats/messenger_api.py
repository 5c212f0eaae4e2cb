"""The visitor's HTTP API under /messenger/v1: what the messenger calls."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from frontdesk.auth import bearer_token, ensure_origin
from frontdesk.chats import service, views
from frontdesk.chats.messenger_deps import (
    CurrentVisitor,
    IpLimited,
    VisitorFirst,
    limit_unconfirmed_email,
    visitor_inbox,
)
from frontdesk.chats.models import ChatState
from frontdesk.chats.schemas import (
    ChatEmail,
    ChatStart,
    ContactCreate,
    ContactCreated,
    IdentifyRequest,
    MessageAck,
    MessageCreate,
    MessengerStatus,
    MinimizedReport,
    PageReport,
    TypingUpdate,
    VisitorChatRead,
    VisitorCreate,
    VisitorCreated,
    VisitorRead,
)
from frontdesk.deps import SessionDep
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.clock import utcnow
from frontdesk.kit.schemas import Id
from frontdesk.visitors import service as visitors_service

router = APIRouter(prefix="/messenger/v1", tags=["messenger"], route_class=VisitorFirst)


@router.post("/visitors", response_model=VisitorCreated, status_code=status.HTTP_201_CREATED)
async def create_visitor(
    body: VisitorCreate, request: Request, session: SessionDep, _limit: IpLimited
) -> VisitorCreated:
    inbox = await inboxes_service.get_inbox_by_public_key(session, public_key=body.inbox)
    ensure_origin(inbox, request.headers.get("origin"))
    visitor, token = await service.create_visitor(session, inbox=inbox)
    return VisitorCreated(visitor_id=visitor.id, token=token)


@router.get("/status", response_model=MessengerStatus)
async def messenger_status(
    session: SessionDep,
    request: Request,
    _limit: IpLimited,
    inbox: Annotated[str, Query(max_length=40, description="The inbox's public key")],
) -> MessengerStatus:
    """Public: online, away or closed (the inbox's business hours and who is free). With a
    visitor token, also the visitor's open chat and their place in the queue."""
    read = await service.status_inbox(session, public_key=inbox)
    found = read.inbox
    ensure_origin(found, request.headers.get("origin"))
    # The calendar kept at the hours' version the statement above read: no read of the hours.
    opening = await service.opening_now(session, inbox=found, hours=read.hours)
    status_read = MessengerStatus(
        online=opening.can_chat,
        inbox_name=found.name,
        settings=found.messenger_settings,
        state=opening.state.value,
        next_opening_at=opening.next_opening_at,
        away_message=opening.away_message,
        queue_position=opening.queue_position,
        estimated_wait_seconds=opening.estimated_wait_seconds,
        proactive=read.proactive,
        visitors=inboxes_service.shows_live_visitors(found),
    )
    token = bearer_token(request.headers.get("authorization"))
    visitor = await service.resolve_visitor(session, token=token) if token else None
    if visitor is not None and visitor.inbox_id == found.id:
        chats = await service.open_chats_of_visitor(session, visitor=visitor)
        if chats:
            chat = chats[0]
            status_read.chat_id, status_read.chat_state = chat.id, chat.state
            if chat.state is ChatState.waiting:
                position, wait = await service.queue_status(session, chat=chat)
                status_read.queue_position, status_read.estimated_wait_seconds = position, wait
                waited = (utcnow() - chat.started_at).total_seconds()
                status_read.waited_seconds = max(0, int(waited))
    return status_read


@router.get("/me", response_model=VisitorRead)
async def me(visitor: CurrentVisitor) -> VisitorRead:
    return VisitorRead.model_validate(visitor)


@router.post("/identify", response_model=VisitorRead)
async def identify(
    body: IdentifyRequest, visitor: CurrentVisitor, session: SessionDep
) -> VisitorRead:
    await service.identify_visitor(
        session,
        visitor=visitor,
        inbox=await visitor_inbox(session, visitor),
        name=body.name,
        email=body.email,
        user_hash=body.user_hash,
        attributes=body.attributes,
    )
    return VisitorRead.model_validate(visitor)


@router.delete("/identify", response_model=VisitorRead)
async def clear_identity(visitor: CurrentVisitor, session: SessionDep) -> VisitorRead:
    await service.clear_identity(session, visitor=visitor)
    return VisitorRead.model_validate(visitor)


@router.post("/chats", response_model=VisitorChatRead, status_code=status.HTTP_201_CREATED)
async def start_chat(
    body: ChatStart, request: Request, visitor: CurrentVisitor, session: SessionDep
) -> VisitorChatRead:
    if service.claims_unconfirmed_email(visitor, email=body.email):
        await limit_unconfirmed_email(request)
    inbox = await visitor_inbox(session, visitor)
    # Taken by start_chat once the chat is written, not before: a refused start leaves it.
    invitation = (
        partial(
            visitors_service.take_invitation,
            session,
            inbox=inbox,
            invitation_id=body.invitation_id,
        )
        if body.invitation_id
        else None
    )
    chat = await service.start_chat(
        session,
        visitor=visitor,
        inbox=inbox,
        name=body.name,
        email=body.email,
        text=body.text,
        client_msg_id=body.client_msg_id,
        page_url=body.page_url,
        page_title=body.page_title,
        locale=body.locale,
        time_zone=body.time_zone,
        proactive_message_id=body.proactive_message_id,
        invitation=invitation,
    )
    return await views.visitor_chat(session, chat)


@router.get("/chats", response_model=list[VisitorChatRead])
async def my_chats(visitor: CurrentVisitor, session: SessionDep) -> list[VisitorChatRead]:
    return [
        await views.visitor_chat(session, chat)
        for chat in await service.list_visitor_chats(session, visitor=visitor)
    ]


@router.get("/chats/{chat_id}", response_model=VisitorChatRead)
async def get_chat(chat_id: Id, visitor: CurrentVisitor, session: SessionDep) -> VisitorChatRead:
    chat = await service.get_visitor_chat(session, visitor=visitor, chat_id=chat_id)
    return await views.visitor_chat(session, chat)


@router.post("/chats/{chat_id}/end", response_model=VisitorChatRead)
async def end_chat(chat_id: Id, visitor: CurrentVisitor, session: SessionDep) -> VisitorChatRead:
    """The visitor ends their chat: unanswered if nobody joined yet, else as its agent would
    (docs/chat.md). An ended chat answers 409 `chat_ended`."""
    await service.end_visitor_chat(session, visitor=visitor, chat_id=chat_id)
    chat = await service.get_visitor_chat(session, visitor=visitor, chat_id=chat_id)
    return await views.visitor_chat(session, chat)


@router.post("/chats/{chat_id}/email", response_model=VisitorChatRead)
async def give_email(
    chat_id: Id, body: ChatEmail, request: Request, visitor: CurrentVisitor, session: SessionDep
) -> VisitorChatRead:
    """The visitor's address for a chat already started: nobody answered in the usual wait, or
    the chat ended unanswered without one. The answer then comes by email on this chat's ticket
    (docs/chat.md, "An address given later"). An ended chat that had one answers 409
    `chat_has_email`."""
    if service.claims_unconfirmed_email(visitor, email=body.email):
        await limit_unconfirmed_email(request)
    chat = await service.give_email(
        session,
        visitor=visitor,
        inbox=await visitor_inbox(session, visitor),
        chat_id=chat_id,
        email=body.email,
    )
    return await views.visitor_chat(session, chat)


@router.post(
    "/chats/{chat_id}/messages", response_model=MessageAck, status_code=status.HTTP_201_CREATED
)
async def post_message(
    chat_id: Id, body: MessageCreate, visitor: CurrentVisitor, session: SessionDep
) -> MessageAck:
    posted = await service.post_message(
        session,
        chat_id=chat_id,
        author=service.VISITOR,
        text=body.text,
        client_msg_id=body.client_msg_id,
        visitor_id=visitor.id,
    )
    return MessageAck(message_id=posted.id, seq=posted.seq, duplicate=posted.duplicate)


@router.post("/chats/{chat_id}/typing", status_code=status.HTTP_204_NO_CONTENT)
async def typing(
    chat_id: Id, body: TypingUpdate, visitor: CurrentVisitor, session: SessionDep
) -> None:
    chat = await service.get_visitor_chat(session, visitor=visitor, chat_id=chat_id)
    await service.set_typing(
        session, chat=chat, author=service.visitor_author(visitor, chat), typing=body.typing
    )


@router.post("/contact", response_model=ContactCreated, status_code=status.HTTP_201_CREATED)
async def contact(
    body: ContactCreate, visitor: CurrentVisitor, session: SessionDep
) -> ContactCreated:
    ticket_inbox = await visitor_inbox(session, visitor)
    ticket = await service.submit_contact_form(
        session,
        visitor=visitor,
        inbox=ticket_inbox,
        name=body.name,
        email=body.email,
        text=body.text,
        page_url=body.page_url,
    )
    return ContactCreated(
        reference=ticket.number,
        reply_expected_from=await service.reply_expected_from(session, inbox=ticket_inbox),
    )


@router.post("/page", status_code=status.HTTP_204_NO_CONTENT)
async def page(body: PageReport, visitor: CurrentVisitor, session: SessionDep) -> None:
    await service.report_page(session, visitor=visitor, url=body.url, title=body.title)


@router.post("/minimized", status_code=status.HTTP_204_NO_CONTENT)
async def minimized(body: MinimizedReport, visitor: CurrentVisitor, session: SessionDep) -> None:
    await service.report_minimized(session, visitor=visitor, minimized=body.minimized)
