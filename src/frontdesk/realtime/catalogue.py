"""Every realtime event the server sends: its name, the shape of its `data`, whether it is stored
with a `seq`, and who hears it.

This module is the contract. The domains' `events.py` publish with these names and payloads;
`realtime/typescript.py` generates the front ends' types from it; tests hold `docs/realtime.md`
and every event a test action publishes to it. A payload a visitor receives has its own type when
it differs from the agents' (agent-only keys removed): a visitor gets exactly the keys of that type.
"""

# No `from __future__ import annotations`: TypedDict needs its annotations evaluated to tell
# the keys marked NotRequired from the others.
import enum
from dataclasses import dataclass
from typing import Literal, NotRequired, TypedDict, get_type_hints

# --- names -------------------------------------------------------------------------------------


class ChatEventType(enum.StrEnum):
    """Stored: a row of the chat's history with the next `seq`, replayed on resume."""

    started = "chat.started"
    message_added = "chat.message_added"
    joined = "chat.joined"
    invited = "chat.invited"
    invitation_cancelled = "chat.invitation_cancelled"
    left = "chat.left"
    labelled = "chat.labelled"
    ended = "chat.ended"


class LiveEvent(enum.StrEnum):
    """Ephemeral: not stored, not replayed."""

    offered = "chat.offered"
    withdrawn = "chat.withdrawn"
    typing = "chat.typing"
    # What the visitor is typing, before they send it, to the agents in the chat only
    # (chats/typing_preview.py): never stored, never to webhooks.
    typing_preview = "chat.typing_preview"
    read = "chat.read"
    page_viewed = "visitor.page_viewed"
    minimized = "visitor.minimized"
    presence = "visitor.presence"
    availability_changed = "agent.availability_changed"
    # An agent's out of office set, changed, started or ended (users/out_of_office.py).
    out_of_office_changed = "agent.out_of_office_changed"
    chat_bar_changed = "chat_bar.changed"
    # Who is on an inbox's site changed (visitors/service.py): its desks with the Visitors page
    # open read the list again; at most one per inbox every few seconds.
    visitors_changed = "visitors.changed"


class TicketEvent(enum.StrEnum):
    created = "ticket.created"
    updated = "ticket.updated"
    entry_added = "ticket.entry_added"
    # Ephemeral: who has the ticket open and who writes on it (tickets/viewers.py).
    viewers = "ticket.viewers"


class RatingEvent(enum.StrEnum):
    recorded = "rating.recorded"


class AccountEvent(enum.StrEnum):
    # Heard by the desk socket, which re-reads the inboxes it follows and passes it on.
    membership_changed = "inbox.membership_changed"
    # Heard only by the desk socket, which closes when its credentials are among those ended.
    access_ended = "auth.access_ended"


class InboxEvent(enum.StrEnum):
    # An admin changed an inbox's settings that its desks show (its name, its email signature…).
    updated = "inbox.updated"


class NotificationEvent(enum.StrEnum):
    created = "notification.created"
    read = "notification.read"


class PendingReplyEvent(enum.StrEnum):
    # A reply held by Undo send was refused at its due time: told to its author's tabs whatever
    # they chose for the `reply_not_sent` notification, which is another matter.
    failed = "pending_reply.failed"


class ScheduledReplyEvent(enum.StrEnum):
    # A reply scheduled with Send later, shown on its ticket to every agent who sees it, was
    # scheduled, sent now, cancelled, sent or not sent: its desks read the ticket's scheduled
    # replies again (pending_replies/events.py).
    changed = "ticket.scheduled_replies_changed"


class TimeEvent(enum.StrEnum):
    # A ticket's time entries changed (logged, edited, deleted): its desks show the new total.
    ticket_time_changed = "ticket.time_changed"
    # An agent's running timer started, stopped or discarded: their other tabs and devices.
    timer_changed = "timer.changed"


class ChecklistEvent(enum.StrEnum):
    # A ticket's checklist changed (an item added, edited, ticked, moved or deleted): its desks
    # show it as it is now (checklists/events.py).
    changed = "ticket.checklist_changed"


class LinkEvent(enum.StrEnum):
    # A ticket's linked tickets changed (linked, unlinked, moved by a merge, a split or their
    # undo): its desks read them again (links/events.py).
    changed = "ticket.links_changed"


class SideConversationEvent(enum.StrEnum):
    # A ticket's side conversations changed (started, a message sent or received, closed or
    # reopened, moved by a merge or its undo): its desks read them again
    # (side_conversations/events.py).
    changed = "ticket.side_conversations_changed"


class FieldEvent(enum.StrEnum):
    # A custom field's definition created, edited (label, options, archived), reordered or
    # deleted: every desk reads the definitions again.
    changed = "field.changed"
    # A customer's record changed where desks show it (its custom fields' values): the desks
    # showing that customer read it again.
    customer_updated = "customer.updated"


class ArticleEvent(enum.StrEnum):
    # A knowledge base article created, saved, published, unpublished or deleted
    # (knowledge/events.py).
    changed = "article.changed"
    # One of an article's translations added, saved, published, unpublished, marked up to date
    # or deleted: the editors open on the article read its translations again
    # (knowledge/events.py).
    translation_changed = "article.translation_changed"
    # Ephemeral: who has the article open in the editor and who holds unsaved changes in it
    # (knowledge/viewers.py).
    viewers = "article.viewers"


class ViewEvent(enum.StrEnum):
    # A saved view created, edited (name, filters, sort, place), moved or deleted.
    changed = "view.changed"


class TicketStatusEvent(enum.StrEnum):
    # A custom ticket status created, edited (name, description, place, archived or restored)
    # or deleted: every desk reads the statuses again (statuses/events.py).
    changed = "ticket_status.changed"


# --- payloads ----------------------------------------------------------------------------------

AuthorKindName = Literal["visitor", "agent", "system"]
ChatStateName = Literal["waiting", "active", "ended"]
InvitationKindName = Literal["invite", "transfer"]
EndReasonName = Literal["agent", "unanswered", "visitor"]
AvailabilityReason = Literal["self", "idle", "deactivated", "returned", "out_of_office"]
AccessEndedReasonName = Literal[
    "logged_out", "token_revoked", "password_changed", "deactivated", "two_factor_reset"
]


class UserRef(TypedDict):
    id: int
    name: str


class ChatSummary(TypedDict):
    id: int
    inbox_id: int
    state: ChatStateName
    visitor_name: str
    started_at: str
    last_message_text: str
    last_seq: int


class Author(TypedDict):
    kind: AuthorKindName
    id: int | None
    name: str


class ChatAttachment(TypedDict):
    """A file a message sends (docs/chat.md, "Files and images"): the same for agents and the
    visitor. `id` is random; each side reads the bytes through its own authenticated route."""

    id: str
    filename: str
    content_type: str
    size: int
    # A raster image: it has a thumbnail and `width` x `height`.
    image: bool
    width: int | None
    height: int | None


class Message(TypedDict):
    id: int
    author: Author
    text: str
    client_msg_id: str | None
    created_at: str
    # Only on a message that sends files.
    attachments: NotRequired[list[ChatAttachment]]
    # Only on a chat's first line written from a proactive message: true (docs/messenger.md).
    proactive: NotRequired[bool]


class ChatStartedForVisitor(TypedDict):
    page_url: str | None


class ChatStarted(ChatStartedForVisitor):
    chat: ChatSummary


class MessageAdded(TypedDict):
    message: Message


class ChatJoinedForVisitor(TypedDict):
    user: UserRef


class ChatJoined(ChatJoinedForVisitor):
    chat: ChatSummary


class ChatInvited(TypedDict):
    user: UserRef
    by: UserRef
    kind: InvitationKindName


class InvitationCancelled(TypedDict):
    user: UserRef


class ChatLeftForVisitor(TypedDict):
    user: UserRef


class ChatLeft(ChatLeftForVisitor):
    # Whom a transfer handed the chat to: the desk's to know; the visitor reads "… left the chat"
    # (a hand-off between agents is internal, docs/chat.md "What the customer sees").
    transferred_to: UserRef | None


class ChatLabelled(TypedDict):
    labels: list[str]


class ChatEndedForVisitor(TypedDict):
    reason: EndReasonName
    by: UserRef | None
    transcript_emailed: bool
    # The chat has the visitor's address, so its ticket can be answered by email (absent from
    # chats ended before it was said).
    reply_by_email: NotRequired[bool]


class ChatEnded(ChatEndedForVisitor):
    ticket_id: int


class ChatOffered(TypedDict):
    chat: ChatSummary
    # An invitation or transfer offers the chat to one agent, naming who asked.
    invitation: NotRequired[InvitationKindName]
    by: NotRequired[UserRef]
    # An offer to this agent alone (the inbox offers chats one at a time): Accept or Decline
    # within `expires_in` seconds (from when it was sent), or it moves on.
    expires_at: NotRequired[str]
    expires_in: NotRequired[float]


class ChatWithdrawn(TypedDict):
    chat_id: int
    # moved_on: an offer to this agent alone was declined, timed out or passed on.
    reason: Literal["joined", "ended", "moved_on"]


class ChatTyping(TypedDict):
    chat_id: int
    author: Author
    typing: bool


class ChatTypingPreview(TypedDict):
    chat_id: int
    # Cut to the configured message length; empty: the preview is cleared.
    text: str


class ChatRead(TypedDict):
    chat_id: int
    user_id: int
    read_seq: int


class PageViewed(TypedDict):
    chat_id: int
    url: str | None
    title: str | None


class Minimized(TypedDict):
    chat_id: int
    minimized: bool


class Presence(TypedDict):
    chat_id: int
    connected: bool


class VisitorsChanged(TypedDict):
    inbox_id: int


class AvailabilityChanged(TypedDict):
    user: UserRef
    available: bool
    reason: AvailabilityReason


class ChatBarChanged(TypedDict):
    pass


# "from" is a keyword in Python: the functional form.
OutOfOffice = TypedDict(
    "OutOfOffice",
    {"from": str, "until": str | None, "note": str | None, "keep_assigned": bool},
)


class OutOfOfficeChanged(TypedDict):
    user: UserRef
    # Null: none set any more (ended, by hand or by its end time).
    out_of_office: OutOfOffice | None
    # Whether it holds now. Set for later: the desks learn when it starts by a second event, from
    # the server's loop, once, whether or not the agent was online.
    away: bool


class TicketSummary(TypedDict):
    id: int
    number: int
    inbox_id: int
    customer_id: int
    subject: str
    type: Literal["chat", "email", "web"]
    state: Literal["open", "hold", "snoozed", "closed", "spam"]
    assignee_id: int | None
    snoozed_until: str | None
    updated_at: str


class EntryRef(TypedDict):
    id: int
    kind: Literal["transcript", "reply", "note", "event"]
    direction: Literal["in", "out"]


class TicketCreated(TypedDict):
    ticket: TicketSummary


class TicketUpdated(TypedDict):
    ticket: TicketSummary
    changes: list[str]
    # Set when the ticket moved to another inbox (`changes` has "inbox"): the inbox it left,
    # whose agents hear this event too, so that their lists let it go.
    from_inbox_id: NotRequired[int]


class TicketEntryAdded(TypedDict):
    ticket: TicketSummary
    entry: EntryRef


class RatingSummary(TypedDict):
    id: int
    ticket_id: int
    chat_id: int | None
    customer_id: int
    inbox_id: int
    agent_ids: list[int]
    score: Literal["good", "okay", "bad"]
    comment: str
    channel: Literal["chat", "email"]
    created_at: str
    updated_at: str
    changeable_until: str


class RatingRecorded(TypedDict):
    rating: RatingSummary


class TicketViewer(TypedDict):
    user: UserRef
    composing: Literal["reply", "note"] | None


class TicketViewers(TypedDict):
    ticket_id: int
    # Everyone with the ticket open, one item per agent however many tabs they have.
    viewers: list[TicketViewer]
    # Grows with every change of the list: of two lists heard, the higher version is the newer.
    version: int


class MembershipChanged(TypedDict):
    # Absent when what changed is not one inbox: a role (an admin sees every inbox) or the rule
    # of who must use two-factor authentication.
    inbox_id: NotRequired[int]


class InboxSummary(TypedDict):
    """An inbox as its agents read it (inboxes/schemas.py `InboxRead`, the same keys: a test holds
    them together), so that a desk replaces what it holds without asking again."""

    id: int
    name: str
    email_address: str | None
    public_key: str
    unanswered_timeout_seconds: int
    allowed_origins: list[str]
    require_identity: bool
    messenger_settings: dict[str, str]
    retention_days: int | None
    email_signature: str | None
    created_at: str


class InboxUpdated(TypedDict):
    inbox: InboxSummary
    # The keys of `inbox` that changed.
    changes: list[str]


class AccessEnded(TypedDict):
    reason: AccessEndedReasonName
    session_id: NotRequired[int]
    token_id: NotRequired[int]
    # Every session of the user but this one (0: all of them).
    all_sessions_but: NotRequired[int]


NotificationKindName = Literal[
    "assigned",
    "customer_replied",
    "mentioned",
    "chat_invited",
    "chat_waiting",
    "sla_breaching",
    "reply_not_sent",
]


class NotificationParams(TypedDict):
    # What the words of a notification need, kept as they were when it was made.
    actor_name: NotRequired[str]
    number: NotRequired[int]
    subject: NotRequired[str]
    visitor_name: NotRequired[str]
    excerpt: NotRequired[str]
    invitation: NotRequired[InvitationKindName]
    # The note that mentioned the agent, which the notification opens at.
    entry_id: NotRequired[int]
    # `sla_breaching`: the target breached already (no warning went out before it).
    breached: NotRequired[bool]
    # `assigned`: the reverse, the agent was unassigned because the ticket moved to an inbox
    # they do not see (notifications/service.py `unassigned_by_move`): no ticket, no subject.
    unassigned: NotRequired[bool]
    # `reply_not_sent`: why the held reply was refused, the error's words and code as the API
    # answers them (pending_replies/service.py).
    reason: NotRequired[str]
    reason_code: NotRequired[str]
    # `reply_not_sent`: the failed reply; taking it back marks the notification read.
    pending_reply_id: NotRequired[int]
    # `customer_replied`: the reply came in a side conversation of the ticket, from someone
    # other than the customer (side_conversations/receiving.py).
    side_conversation_id: NotRequired[int]


class NotificationPayload(TypedDict):
    id: int
    kind: NotificationKindName
    ticket_id: int | None
    chat_id: int | None
    actor: UserRef | None
    params: NotificationParams
    read: bool
    created_at: str


class NotificationCreated(TypedDict):
    notification: NotificationPayload
    unread: int


class NotificationsRead(TypedDict):
    # The ids marked read (empty: every one up to `up_to`), and what is left unread.
    ids: list[int]
    unread: int


class PendingReplyFailed(TypedDict):
    pending_reply_id: int
    ticket_id: int


# What became of a scheduled reply: "sending" after its author's Send now; "cancelled" also when
# they took it back to the reply box to edit it; "moved": to the original ticket of an undone
# split (told to both tickets).
ScheduledChange = Literal["scheduled", "sending", "cancelled", "sent", "failed", "moved"]


class TicketScheduledRepliesChanged(TypedDict):
    ticket_id: int
    inbox_id: int
    pending_reply_id: int
    # Who scheduled it: their own desk also reads their pending replies again.
    author_id: int
    change: ScheduledChange


# "moved": its place among its owner's views (POST /views/{id}/move), which renumbered them.
ViewChangeName = Literal["created", "updated", "deleted", "moved"]


ArticleChangeName = Literal["created", "updated", "published", "unpublished", "deleted"]
ArticleStatusName = Literal["draft", "published"]


class ArticleChanged(TypedDict):
    article_id: int
    change: ArticleChangeName
    # After the change; for a deletion, the version and status it was deleted at.
    version: int
    status: ArticleStatusName
    title: str
    # Who made the change.
    by: UserRef


# "updated": its title or text saved, or marked up to date (a save of the same words).
TranslationChangeName = Literal["created", "updated", "published", "unpublished", "deleted"]


class ArticleTranslationChanged(TypedDict):
    article_id: int
    # The translation's language ("fr").
    language: str
    change: TranslationChangeName
    # The translation's own version and status after the change; for a deletion, as it was
    # deleted. Its words are not here: an editor open on the article reads them over the API.
    version: int
    status: ArticleStatusName
    # Who made the change.
    by: UserRef


class ArticleViewer(TypedDict):
    user: UserRef
    # "edit" while their editor holds unsaved changes.
    composing: Literal["edit"] | None


class ArticleViewers(TypedDict):
    article_id: int
    # Everyone with the article open in the editor, one item per agent.
    viewers: list[ArticleViewer]
    # Grows with every change of the list: of two lists heard, the higher version is the newer.
    version: int


class ViewChanged(TypedDict):
    view_id: int
    change: ViewChangeName
    # Its name after the change (before it, for a deletion): the desk's notice names it.
    name: str
    shared: bool
    # Who made the change.
    by: UserRef


class TimeEntryPayload(TypedDict):
    """A time entry as GET /tickets/{id}/time-entries reads it (timetracking/schemas.py)."""

    id: int
    ticket_id: int
    # Null only if the agent's account were ever deleted (accounts are deactivated).
    user: UserRef | None
    minutes: int
    # The day worked, YYYY-MM-DD.
    day: str
    note: str
    billable: bool
    created_at: str
    updated_at: str


class TicketTimeChanged(TypedDict):
    ticket_id: int
    inbox_id: int
    # The ticket's total after the change.
    time_spent_minutes: int
    change: Literal["created", "updated", "deleted"]
    entry: TimeEntryPayload
    # Who made the change.
    by: UserRef


class TimerPayload(TypedDict):
    ticket_id: int
    ticket_number: int
    started_at: str


class TimerChanged(TypedDict):
    # The agent's running timer now; null: none runs.
    timer: TimerPayload | None


class ChecklistItemPayload(TypedDict):
    """A checklist item as GET /tickets/{id}/checklist reads it (checklists/schemas.py)."""

    id: int
    ticket_id: int
    text: str
    done: bool
    # Who ticked it and when; null while it is not done.
    done_by: UserRef | None
    done_at: str | None
    position: int
    version: int
    created_by: UserRef | None
    created_at: str
    updated_at: str


class TicketChecklistChanged(TypedDict):
    ticket_id: int
    inbox_id: int
    change: Literal["created", "updated", "deleted", "moved"]
    # The item as it is now (as it was, for a deletion).
    item: ChecklistItemPayload
    # The ticket's checklist after the change: items done, and items in all.
    done: int
    total: int
    # Who made the change.
    by: UserRef


class TicketLinksChanged(TypedDict):
    ticket_id: int
    inbox_id: int
    # "moved": a merge, a split or an undo changed which tickets are linked.
    change: Literal["linked", "unlinked", "moved"]
    # The ticket linked or unlinked (its id alone: the agent may not see its inbox); null for
    # "moved".
    other_ticket_id: int | None
    # Who made the change.
    by: UserRef


class TicketSideConversationsChanged(TypedDict):
    ticket_id: int
    inbox_id: int
    # Null for "moved", which may move several.
    side_conversation_id: int | None
    # "received": a message from outside arrived; "moved": a merge or its undo moved some of
    # them to or from this ticket.
    change: Literal["created", "replied", "received", "closed", "reopened", "moved"]
    # The agent who made the change; null for a message received.
    by: UserRef | None


FieldChangeName = Literal["created", "updated", "deleted", "reordered"]


class FieldChanged(TypedDict):
    object: Literal["ticket", "customer"]
    change: FieldChangeName
    # Null for "reordered", which moves every field of the object.
    field_id: int | None
    # Who made the change.
    by: UserRef


TicketStatusChangeName = Literal["created", "updated", "deleted"]


class TicketStatusChanged(TypedDict):
    # "updated": its name, description, place among its state's statuses, archived or restored.
    change: TicketStatusChangeName
    status_id: int
    # Who made the change.
    by: UserRef


class CustomerUpdated(TypedDict):
    customer_id: int
    # What changed: "fields" (its custom fields' values). The desk reads the customer again:
    # the values are not in the event, which reaches whole inboxes.
    changes: list[str]


# --- the catalogue -----------------------------------------------------------------------------

# Broker topics by kind (realtime/envelope.py): one agent's tabs, an inbox's agents, a chat's
# followers, one visitor's messengers, every agent.
Topic = Literal["agent", "inbox", "chat", "visitor", "agents"]


@dataclass(frozen=True)
class EventSpec:
    name: str
    data: type
    stored: bool
    audience: frozenset[Topic]
    note: str
    # What a visitor receives on their own topic; None: the event never reaches a visitor.
    visitor_data: type | None = None
    # False: the server hears it itself and no client ever receives it.
    delivered: bool = True


def _spec(
    name: str,
    data: type,
    *,
    stored: bool,
    to: tuple[Topic, ...],
    note: str,
    visitor: type | None = None,
    delivered: bool = True,
) -> EventSpec:
    return EventSpec(name, data, stored, frozenset(to), note, visitor, delivered)


def _stored(
    name: ChatEventType, data: type, *, to: tuple[Topic, ...], note: str, visitor: type | None
) -> EventSpec:
    return _spec(name, data, stored=True, to=to, note=note, visitor=visitor)


EVENTS: tuple[EventSpec, ...] = (
    _stored(
        ChatEventType.started,
        ChatStarted,
        to=("inbox", "chat", "visitor"),
        note="agents of the inbox; the visitor",
        visitor=ChatStartedForVisitor,
    ),
    _stored(
        ChatEventType.message_added,
        MessageAdded,
        to=("chat", "visitor"),
        note="desks following the chat; the visitor",
        visitor=MessageAdded,
    ),
    _stored(
        ChatEventType.joined,
        ChatJoined,
        to=("inbox", "chat", "visitor"),
        note="agents of the inbox; the visitor",
        visitor=ChatJoinedForVisitor,
    ),
    _stored(
        ChatEventType.invited,
        ChatInvited,
        to=("inbox", "chat"),
        note="agents of the inbox",
        visitor=None,
    ),
    _stored(
        ChatEventType.invitation_cancelled,
        InvitationCancelled,
        to=("inbox", "chat"),
        note="agents of the inbox",
        visitor=None,
    ),
    _stored(
        ChatEventType.left,
        ChatLeft,
        to=("inbox", "chat", "visitor"),
        note="agents of the inbox; the visitor (without `transferred_to`)",
        visitor=ChatLeftForVisitor,
    ),
    _stored(
        ChatEventType.labelled,
        ChatLabelled,
        to=("inbox", "chat"),
        note="agents of the inbox",
        visitor=None,
    ),
    _stored(
        ChatEventType.ended,
        ChatEnded,
        to=("inbox", "chat", "visitor"),
        note="agents of the inbox; the visitor (without ticket_id)",
        visitor=ChatEndedForVisitor,
    ),
    _spec(
        LiveEvent.offered,
        ChatOffered,
        stored=False,
        to=("agent",),
        note="agents for whom the chat becomes red",
    ),
    _spec(
        LiveEvent.withdrawn,
        ChatWithdrawn,
        stored=False,
        to=("agent",),
        note="agents for whom the chat stops being red",
    ),
    _spec(
        LiveEvent.typing,
        ChatTyping,
        stored=False,
        to=("chat", "visitor"),
        note="desks following the chat; the visitor (agents' typing)",
        visitor=ChatTyping,
    ),
    _spec(
        LiveEvent.typing_preview,
        ChatTypingPreview,
        stored=False,
        to=("agent",),
        note="the agents in the chat, when its inbox shows agents what visitors type",
    ),
    _spec(LiveEvent.read, ChatRead, stored=False, to=("agent",), note="the agent's own tabs"),
    _spec(
        LiveEvent.page_viewed, PageViewed, stored=False, to=("inbox",), note="agents of the inbox"
    ),
    _spec(LiveEvent.minimized, Minimized, stored=False, to=("inbox",), note="agents of the inbox"),
    _spec(LiveEvent.presence, Presence, stored=False, to=("inbox",), note="agents of the inbox"),
    _spec(
        LiveEvent.visitors_changed,
        VisitorsChanged,
        stored=False,
        to=("inbox",),
        note="agents of the inbox, when a visitor comes to its site, changes page or goes "
        "(at most one every 5 s per inbox and process)",
    ),
    _spec(
        LiveEvent.availability_changed,
        AvailabilityChanged,
        stored=False,
        to=("agents",),
        note="every agent",
    ),
    _spec(
        LiveEvent.out_of_office_changed,
        OutOfOfficeChanged,
        stored=False,
        to=("agents",),
        note="every agent: an agent's out of office set, started, changed or ended",
    ),
    _spec(
        LiveEvent.chat_bar_changed,
        ChatBarChanged,
        stored=False,
        to=("agent",),
        note="an agent whose chat bar should be fetched again",
    ),
    _spec(
        TicketEvent.created,
        TicketCreated,
        stored=False,
        to=("inbox",),
        note="agents of the ticket's inbox",
    ),
    _spec(
        TicketEvent.updated,
        TicketUpdated,
        stored=False,
        to=("inbox",),
        note="agents of the ticket's inbox; a move to another inbox goes to both inboxes",
    ),
    _spec(
        TicketEvent.entry_added,
        TicketEntryAdded,
        stored=False,
        to=("inbox",),
        note="agents of the ticket's inbox",
    ),
    _spec(
        RatingEvent.recorded,
        RatingRecorded,
        stored=False,
        to=("inbox",),
        note="agents of the rated ticket's inbox (given or changed)",
    ),
    _spec(
        TicketEvent.viewers,
        TicketViewers,
        stored=False,
        to=("inbox",),
        note="agents of the ticket's inbox: who views it and who writes a reply or note on it",
    ),
    _spec(
        AccountEvent.membership_changed,
        MembershipChanged,
        stored=False,
        to=("agent", "agents"),
        note="an agent added to or removed from an inbox; every agent when an inbox is created",
    ),
    _spec(
        InboxEvent.updated,
        InboxUpdated,
        stored=False,
        to=("inbox",),
        note="agents of the inbox (its members and every admin), when its settings change",
    ),
    _spec(
        NotificationEvent.created,
        NotificationCreated,
        stored=False,
        to=("agent",),
        note="the one agent told (their own tabs): the bell's new row and unread count",
    ),
    _spec(
        NotificationEvent.read,
        NotificationsRead,
        stored=False,
        to=("agent",),
        note="the agent's own tabs, after they marked notifications read in one of them",
    ),
    _spec(
        PendingReplyEvent.failed,
        PendingReplyFailed,
        stored=False,
        to=("agent",),
        note="the author's own tabs, when a reply they held with Undo send was not sent",
    ),
    _spec(
        ScheduledReplyEvent.changed,
        TicketScheduledRepliesChanged,
        stored=False,
        to=("inbox",),
        note="agents of the ticket's inbox, when a reply is scheduled on it with Send later, "
        "sent now, cancelled, sent or not sent",
    ),
    _spec(
        TimeEvent.ticket_time_changed,
        TicketTimeChanged,
        stored=False,
        to=("inbox",),
        note="agents of the ticket's inbox, when a time entry is logged, edited or deleted",
    ),
    _spec(
        TimeEvent.timer_changed,
        TimerChanged,
        stored=False,
        to=("agent",),
        note="the agent's own tabs, when their running timer starts, stops or is discarded",
    ),
    _spec(
        ChecklistEvent.changed,
        TicketChecklistChanged,
        stored=False,
        to=("inbox",),
        note="agents of the ticket's inbox, when a checklist item is added, edited, ticked, "
        "moved or deleted",
    ),
    _spec(
        LinkEvent.changed,
        TicketLinksChanged,
        stored=False,
        to=("inbox",),
        note="agents of the ticket's inbox, when a ticket is linked to it or unlinked, or a "
        "merge, a split or their undo moves its links",
    ),
    _spec(
        SideConversationEvent.changed,
        TicketSideConversationsChanged,
        stored=False,
        to=("inbox",),
        note="agents of the ticket's inbox, when one of its side conversations is started, "
        "answered either way, closed or reopened, or a merge or its undo moves them",
    ),
    _spec(
        ViewEvent.changed,
        ViewChanged,
        stored=False,
        to=("agent", "agents"),
        note="every agent for a shared view; the owner's own tabs for a personal one",
    ),
    _spec(
        ArticleEvent.changed,
        ArticleChanged,
        stored=False,
        to=("agents",),
        note="every agent (every agent reads every article, drafts included), when an article "
        "is created, saved, published, unpublished or deleted",
    ),
    _spec(
        ArticleEvent.translation_changed,
        ArticleTranslationChanged,
        stored=False,
        to=("agents",),
        note="every agent, when one of an article's translations is added, saved, published, "
        "unpublished, marked up to date or deleted",
    ),
    _spec(
        ArticleEvent.viewers,
        ArticleViewers,
        stored=False,
        to=("agents",),
        note="every agent: who has the article open in the editor and who holds unsaved "
        "changes in it",
    ),
    _spec(
        FieldEvent.changed,
        FieldChanged,
        stored=False,
        to=("agents",),
        note="every agent, when an admin creates, edits, reorders or deletes a custom field",
    ),
    _spec(
        TicketStatusEvent.changed,
        TicketStatusChanged,
        stored=False,
        to=("agents",),
        note="every agent, when an admin creates, edits (renames, moves, archives, restores) or "
        "deletes a custom ticket status",
    ),
    _spec(
        FieldEvent.customer_updated,
        CustomerUpdated,
        stored=False,
        to=("inbox", "agent"),
        note="agents of the inboxes of the customer's tickets and who created the customer, "
        "when its custom fields' values change",
    ),
    _spec(
        AccountEvent.access_ended,
        AccessEnded,
        stored=False,
        to=("agent",),
        note="the agent's desk sockets, which close when their credentials are among those ended",
        delivered=False,
    ),
)

CATALOGUE: dict[str, EventSpec] = {spec.name: spec for spec in EVENTS}


def keys_of(payload: type) -> frozenset[str]:
    """Every key a payload type declares, its bases' included."""
    return frozenset(get_type_hints(payload))


def visitor_keys(name: str) -> frozenset[str]:
    """The keys of `data` a visitor may receive for this event (none if it is not theirs)."""
    return _VISITOR_KEYS.get(name, frozenset())


_VISITOR_KEYS: dict[str, frozenset[str]] = {
    spec.name: keys_of(spec.visitor_data) for spec in EVENTS if spec.visitor_data is not None
}
