"""Side conversations of a ticket. Thin: the rules are in service.py."""

from __future__ import annotations

from fastapi import APIRouter, status

from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep, SettingsDep
from frontdesk.kit.schemas import Id
from frontdesk.side_conversations import service
from frontdesk.side_conversations.models import SideConversationState, SideMessage
from frontdesk.side_conversations.schemas import (
    AuthorRef,
    SideConversationCreate,
    SideConversationRead,
    SideConversationsRead,
    SideConversationStateChange,
    SideMessageRead,
    SideReplyCreate,
)

router = APIRouter(tags=["side conversations"], route_class=AuthenticateFirst)


def _author(user_id: int | None, names: dict[int, str]) -> AuthorRef | None:
    return None if user_id is None else AuthorRef(id=user_id, name=names.get(user_id, ""))


def message_read(message: SideMessage, names: dict[int, str]) -> SideMessageRead:
    return SideMessageRead(
        id=message.id,
        direction=message.direction,
        author=_author(message.author_user_id, names),
        from_address=message.from_address,
        to=list(message.to),
        text=message.text,
        html=message.html,
        data=dict(message.data or {}),
        created_at=message.created_at,
    )


def thread_read(thread: service.Thread) -> SideConversationRead:
    conversation = thread.conversation
    return SideConversationRead(
        id=conversation.id,
        ticket_id=conversation.ticket_id,
        subject=conversation.subject,
        participants=list(conversation.participants),
        state=conversation.state,
        new_reply=conversation.new_reply,
        created_by=_author(conversation.created_by_id, thread.authors),
        created_at=conversation.created_at,
        last_message_at=conversation.last_message_at,
        closed_at=conversation.closed_at,
        messages=[message_read(message, thread.authors) for message in thread.messages],
    )


@router.get("/tickets/{ticket_id}/side-conversations", response_model=SideConversationsRead)
async def list_side_conversations(
    ticket_id: Id, user: CurrentAgent, session: SessionDep
) -> SideConversationsRead:
    """The ticket's side conversations, oldest first, each with its messages in order. Never
    shown to the customer (docs/desk.md, "Side conversations")."""
    ticket, threads = await service.list_for_ticket(session, user=user, ticket_id=ticket_id)
    return SideConversationsRead(
        ticket_id=ticket.id, side_conversations=[thread_read(thread) for thread in threads]
    )


@router.post(
    "/tickets/{ticket_id}/side-conversations",
    response_model=SideConversationRead,
    status_code=status.HTTP_201_CREATED,
)
async def start_side_conversation(
    ticket_id: Id,
    body: SideConversationCreate,
    user: CurrentAgent,
    session: SessionDep,
    settings: SettingsDep,
) -> SideConversationRead:
    """Starts a side conversation: an email from the ticket's inbox to `to`, whose answers come
    back to it and never to the customer's thread, with the uploads `attachment_ids` as its
    attachments (as a reply's: your own uploads on this ticket, not sent yet, at most 10, 413
    `file_too_large` over FRONTDESK_MAX_ATTACHMENT_BYTES together). 409 `ticket_is_spam`,
    `ticket_merged`, `too_many_side_conversations` (50 a ticket); 422 for an empty text, a bad
    address, the desk's own address, more than 20 people, or an upload that is not waiting."""
    thread = await service.start(
        session,
        user=user,
        ticket_id=ticket_id,
        to=body.to,
        subject=body.subject,
        text=body.text,
        include_last_message=body.include_last_message,
        limit=settings.max_text_length,
        attachment_ids=body.attachment_ids,
        attachment_limit=settings.max_attachment_bytes,
    )
    return thread_read(thread)


@router.get("/side-conversations/{side_conversation_id}", response_model=SideConversationRead)
async def get_side_conversation(
    side_conversation_id: Id, user: CurrentAgent, session: SessionDep
) -> SideConversationRead:
    """One side conversation with its messages; 404 unless its ticket is in an inbox you are
    in."""
    return thread_read(await service.get_thread(session, user=user, side_id=side_conversation_id))


@router.post(
    "/side-conversations/{side_conversation_id}/replies",
    response_model=SideMessageRead,
    status_code=status.HTTP_201_CREATED,
)
async def reply_in_side_conversation(
    side_conversation_id: Id,
    body: SideReplyCreate,
    user: CurrentAgent,
    session: SessionDep,
    settings: SettingsDep,
) -> SideMessageRead:
    """Emails the side conversation's participants, with the uploads `attachment_ids` (as when
    starting one); a closed side conversation is reopened."""
    message = await service.reply(
        session,
        user=user,
        side_id=side_conversation_id,
        text=body.text,
        limit=settings.max_text_length,
        attachment_ids=body.attachment_ids,
        attachment_limit=settings.max_attachment_bytes,
    )
    return message_read(message, {user.id: user.name})


@router.patch("/side-conversations/{side_conversation_id}", response_model=SideConversationRead)
async def change_side_conversation(
    side_conversation_id: Id,
    body: SideConversationStateChange,
    user: CurrentAgent,
    session: SessionDep,
) -> SideConversationRead:
    """Closes (`state`: `closed`) or reopens (`open`) it; the state it has already changes
    nothing (safe to retry)."""
    thread = await service.set_state(
        session,
        user=user,
        side_id=side_conversation_id,
        state=SideConversationState(body.state),
    )
    return thread_read(thread)
