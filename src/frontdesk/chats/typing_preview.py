"""What a visitor is typing, relayed to the agents in the chat before it is sent (docs/chat.md,
"Typing preview"). Relayed only: no row, no chat event, no webhook, no transcript line; the agents
in the chat hear it, not the others who may read the chat along. An inbox switches it off in its
messenger settings (`inboxes/service.shows_typing_preview`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.events import LiveEvent, publish_to_agents
from frontdesk.chats.models import Chat, ChatParticipant, ChatState
from frontdesk.db.context import settings_of
from frontdesk.inboxes.models import Inbox
from frontdesk.inboxes.service import shows_typing_preview
from frontdesk.realtime.catalogue import ChatTypingPreview


async def share_draft(session: AsyncSession, *, chat: Chat, text: str) -> None:
    """Tells the chat's agents what its visitor has typed so far; an empty text clears it. The
    caller checked that the visitor owns the chat."""
    if chat.state is ChatState.ended:
        return
    inbox = await session.get(Inbox, chat.inbox_id)
    if inbox is None or not shows_typing_preview(inbox):
        return
    in_chat = await session.scalars(
        select(ChatParticipant.user_id).where(
            ChatParticipant.chat_id == chat.id, ChatParticipant.left_at.is_(None)
        )
    )
    # No longer than a message may be: the preview shows nothing a message could not.
    limit = settings_of(session).max_message_length
    publish_to_agents(
        session,
        LiveEvent.typing_preview,
        user_ids=list(in_chat),
        data=ChatTypingPreview(chat_id=chat.id, text=text[:limit]),
    )
