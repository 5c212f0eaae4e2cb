from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from frontdesk.files.service import MAX_FILES_PER_REPLY
from frontdesk.kit.schemas import Email, Id, ReadModel, WriteModel, configured_length
from frontdesk.side_conversations.models import (
    MAX_PARTICIPANTS,
    SUBJECT_LENGTH,
    SideConversationState,
)
from frontdesk.tickets.models import Direction

Text = Annotated[str, configured_length("max_text_length", least=1, bound=1_000_000)]

ATTACHMENTS = (
    "Files uploaded for this message (`POST /api/v1/uploads`), sent as attachments; an upload is "
    "sent once, by a reply or a side conversation's message."
)


class SideConversationCreate(WriteModel):
    to: list[Email] = Field(
        min_length=1,
        max_length=MAX_PARTICIPANTS,
        description="Whom to write to: anyone but the desk's own addresses.",
    )
    subject: str | None = Field(
        default=None,
        max_length=SUBJECT_LENGTH,
        description="The email's subject; the ticket's subject when left out or blank.",
    )
    text: Text
    include_last_message: bool = Field(
        default=False,
        description="Quote the customer's last email on the ticket below the text.",
    )
    attachment_ids: list[Id] = Field(
        default_factory=list, max_length=MAX_FILES_PER_REPLY, description=ATTACHMENTS
    )


class SideReplyCreate(WriteModel):
    text: Text
    attachment_ids: list[Id] = Field(
        default_factory=list, max_length=MAX_FILES_PER_REPLY, description=ATTACHMENTS
    )


class SideConversationStateChange(WriteModel):
    state: Literal["open", "closed"]


class AuthorRef(ReadModel):
    id: int
    name: str


class SideMessageRead(ReadModel):
    id: int
    direction: Direction = Field(description="`out`: an agent's; `in`: received.")
    author: AuthorRef | None = Field(description="The agent who wrote it; null for one received.")
    from_address: str
    to: list[str]
    text: str
    html: str | None = Field(
        description="A received email's HTML, sanitised as a ticket's mail is; null otherwise."
    )
    data: dict[str, Any] = Field(
        description="`from`, `from_name`, `subject`, `quoted`, `unexpected_sender` (not a "
        "participant), `auto`, `bounce` of a received email; `attachments`, its files as a "
        "ticket entry lists them: `id`, `filename`, `content_type`, `size`, `inline`, `image`, "
        "`width`, `height`, and `stored` for an agent's upload (read at "
        "`/tickets/{ticket_id}/files/{id}`; a received mail's at "
        "`/tickets/{ticket_id}/attachments/{id}`)."
    )
    created_at: datetime


class SideConversationRead(ReadModel):
    id: int
    ticket_id: int
    subject: str
    participants: list[str]
    state: SideConversationState
    new_reply: bool = Field(description="A message arrived that no agent acted on since.")
    created_by: AuthorRef | None
    created_at: datetime
    last_message_at: datetime
    closed_at: datetime | None
    messages: list[SideMessageRead]


class SideConversationsRead(ReadModel):
    ticket_id: int
    side_conversations: list[SideConversationRead]
