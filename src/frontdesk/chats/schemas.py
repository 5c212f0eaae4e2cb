from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from frontdesk.chats.models import ChatState, EndReason, InvitationKind
from frontdesk.kit.schemas import Email, Id, ReadModel, Seq, WriteModel, configured_length
from frontdesk.mail.words import clean_locale, clean_time_zone

# The configured limit (FRONTDESK_MAX_MESSAGE_LENGTH) is checked by the service, with its own code.
MessageText = Annotated[str, configured_length("max_message_length", least=1, bound=100_000)]
ClientMsgId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
Url = Annotated[str, Field(max_length=2000)]
# Hints for the visitor's mail, never a reason to refuse a chat: a value that is no language tag,
# or a zone the tz database does not know, is read as not given (mail/words.py).
VisitorLocale = Annotated[str | None, BeforeValidator(clean_locale)]
VisitorTimeZone = Annotated[str | None, BeforeValidator(clean_time_zone)]


class ChatEventRead(ReadModel):
    type: str
    chat_id: int
    seq: int
    at: datetime
    data: dict[str, Any]


class ParticipantRead(ReadModel):
    user_id: int
    name: str
    joined_at: datetime
    left_at: datetime | None
    read_seq: int


class InvitationRead(ReadModel):
    user_id: int
    inviter_id: int
    kind: str


class VisitorContext(ReadModel):
    name: str
    email: str | None
    verified: bool = Field(
        description="The website signed this email (identify() with a userHash); otherwise the "
        "visitor only typed it, and nothing shows it is theirs."
    )
    page_url: str | None
    page_title: str | None
    minimized: bool
    connected: bool
    attributes: dict[str, Any]


class ChatSummary(ReadModel):
    id: int
    inbox_id: int
    state: ChatState
    visitor_name: str
    visitor_email: str | None
    visitor_verified: bool = Field(description="Whether the website signed `visitor_email`.")
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    end_reason: EndReason | None
    last_message_text: str
    last_message_at: datetime | None
    last_seq: int
    ticket_id: int | None


class OfferRead(ReadModel):
    """The chat is offered to this agent alone (the inbox offers chats one agent at a time)."""

    user_id: int
    name: str
    expires_at: datetime
    expires_in: float = Field(
        description="Seconds left to accept, counted when this was read (for a countdown that "
        "does not depend on the browser's clock)."
    )


class OngoingChat(ChatSummary):
    participants: list[ParticipantRead]
    offer: OfferRead | None = Field(
        default=None, description="Offered to one agent now: the others cannot join it yet."
    )
    unread: int
    waiting_seconds: int = Field(description="How long the customer has waited (until answered).")


class ChatDetail(ChatSummary):
    participants: list[ParticipantRead]
    invitations: list[InvitationRead]
    labels: list[str]
    visitor: VisitorContext
    events: list[ChatEventRead]
    offer: OfferRead | None = Field(
        default=None, description="Offered to one agent now: the others cannot join it yet."
    )


class BarItemRead(ReadModel):
    chat: ChatSummary
    color: Literal["red", "orange", "green"]
    meaning: str
    unread: int
    invitation: InvitationKind | None
    offer_expires_in: float | None = Field(
        default=None,
        description="Offered to you alone: seconds left to accept or decline, when this was read.",
    )


class AvailabilityUpdate(WriteModel):
    available: bool


class AgentAvailability(ReadModel):
    id: int
    name: str
    email: str = Field(description="Tells apart agents who share a name (the transfer list).")
    available_for_chat: bool
    active_chats: int
    max_concurrent_chats: int
    inbox_ids: list[int] = Field(
        description="The inboxes (of those you may see) whose chats are offered to them when "
        "online: the inboxes they are a member of."
    )
    takes_chats: bool = Field(
        description="A member of at least one inbox. Online without one, no chat is offered to "
        "them."
    )


class MessageCreate(WriteModel):
    text: MessageText
    client_msg_id: ClientMsgId | None = None


class MessageAck(ReadModel):
    message_id: int
    seq: int
    duplicate: bool


class TypingUpdate(WriteModel):
    typing: bool


class ReadUpdate(WriteModel):
    seq: Seq


class LabelsUpdate(WriteModel):
    labels: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(max_length=20)


class InviteCreate(WriteModel):
    user_id: Id


class EndedRead(ReadModel):
    chat_id: int
    ticket_id: int


# --- messenger -------------------------------------------------------------------------------


class VisitorCreate(WriteModel):
    inbox: Annotated[str, Field(min_length=1, max_length=40, description="The inbox's public key")]


class VisitorCreated(ReadModel):
    visitor_id: int
    token: str = Field(description="Keep it; send it as `Authorization: Bearer <token>`.")


class MessengerStatus(ReadModel):
    online: bool = Field(description="Whether a chat can start now (else: leave a message).")
    inbox_name: str
    settings: dict[str, str]
    state: Literal["online", "away", "closed"] = Field(
        default="online",
        description="online: someone is free; away: in business hours, nobody free; "
        "closed: out of business hours.",
    )
    next_opening_at: datetime | None = Field(
        default=None, description="When closed: when the inbox opens again."
    )
    away_message: str = Field(default="", description="The inbox's words when not online.")
    chat_id: int | None = None
    chat_state: ChatState | None = None
    queue_position: int | None = Field(
        default=None,
        description="The visitor's waiting chat's place; with no chat while away, the place a "
        "chat started now would take.",
    )
    estimated_wait_seconds: int | None = None
    waited_seconds: int | None = Field(
        default=None,
        description="How long the visitor's waiting chat has waited so far, by the server's "
        "clock: past the estimated wait, the messenger says it is taking longer.",
    )
    proactive: bool = Field(
        default=False,
        description="The inbox has proactive messages the messenger may show (enabled, their "
        "sender an active full agent of the inbox): the messenger then loads them "
        "(GET /messenger/v1/proactive).",
    )
    visitors: bool = Field(
        default=False,
        description="The inbox shows agents who is on the site (`live_visitors` on): the "
        "messenger then reports its page views (POST /messenger/v1/visits).",
    )


class ChatStart(WriteModel):
    name: Annotated[str, Field(max_length=200)] = ""
    email: Email | None = None
    text: MessageText
    client_msg_id: ClientMsgId | None = Field(
        default=None,
        description="The first message's id, chosen by the client. A start sent again with it "
        "(an answer lost) answers with the chat the first one started, instead of a second chat.",
    )
    page_url: Url | None = None
    page_title: Annotated[str, Field(max_length=500)] | None = None
    proactive_message_id: Id | None = Field(
        default=None,
        description="The proactive message the visitor answers: the chat opens with it, from "
        "its sender, before the visitor's message. One no longer offered (disabled, deleted, "
        "its sender gone, another inbox's) is ignored: the chat starts without it.",
    )
    invitation_id: str | None = Field(
        default=None,
        max_length=40,
        description="The agent's invitation the visitor answers (docs/messenger.md, \"Live "
        'visitors"): the chat opens with its line, from the agent who wrote it. One expired or '
        "used already is ignored: the chat starts without it.",
    )
    locale: VisitorLocale = Field(
        default=None,
        description="The language the messenger speaks (a BCP 47 tag, such as fr or fr-CA): the "
        "chat's mail is written in it when the desk has its words, in English otherwise. A "
        "value that is no language tag is ignored.",
    )
    time_zone: VisitorTimeZone = Field(
        default=None,
        description="The browser's IANA time zone (such as Europe/Paris): the times of the "
        "chat's mail are on its clock. A zone the tz database does not know is ignored (UTC).",
    )


class VisitorChatRead(ReadModel):
    id: int
    state: ChatState
    started_at: datetime
    ended_at: datetime | None
    end_reason: EndReason | None
    last_seq: int
    events: list[ChatEventRead]
    # The chat has the visitor's email address (typed, given later, or signed by the website):
    # an answer can come by email.
    reply_by_email: bool = False


class ChatEmail(WriteModel):
    """The visitor's address for a chat already started (docs/chat.md, "An address given
    later")."""

    email: Email


class ContactCreate(WriteModel):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Email
    text: MessageText
    page_url: Url | None = None


class ContactCreated(ReadModel):
    received: bool = True
    reference: int = Field(description="The ticket number")
    reply_expected_from: datetime | None = Field(
        default=None, description="Out of business hours: when the inbox opens to read it."
    )


class PageReport(WriteModel):
    url: Url
    title: Annotated[str, Field(max_length=500)] = ""


class MinimizedReport(WriteModel):
    minimized: bool


class IdentifyRequest(WriteModel):
    name: Annotated[str, Field(max_length=200)] | None = None
    email: Email | None = None
    user_hash: Annotated[str, Field(max_length=128)] | None = None
    attributes: dict[str, str | int | float | bool | None] | None = Field(
        default=None, max_length=50
    )


class VisitorRead(ReadModel):
    id: int
    name: str
    email: str | None
    identity_verified: bool


# A file's id in a chat: random, URL-safe (chats/attachments.py).
ChatFileId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]


class ChatFileRead(ReadModel):
    """An upload, stored: send its `id` in a message's `attachment_ids`."""

    id: str
    filename: str
    content_type: str
    size: int
    image: bool
    width: int | None
    height: int | None
    # True when the same client id was uploaded before: this is the file stored then.
    duplicate: bool = False


class FilesMessageCreate(WriteModel):
    """A message that sends uploaded files, with an optional text."""

    text: Annotated[str, configured_length("max_message_length", bound=100_000)] = ""
    client_msg_id: ClientMsgId
    attachment_ids: list[ChatFileId] = Field(min_length=1, max_length=50)


class ChatFileLinks(ReadModel):
    """Signed paths of a chat file for the visitor's browser (after the server's address), valid
    until `expires_at`: an <img> or a link cannot send the visitor's token."""

    url: str
    download_url: str
    thumbnail_url: str | None
    expires_at: datetime
