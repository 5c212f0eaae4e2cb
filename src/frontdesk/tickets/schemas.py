from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from frontdesk.checklists.schemas import ChecklistProgress
from frontdesk.customers.schemas import CustomerRead
from frontdesk.files.service import MAX_FILES_PER_REPLY
from frontdesk.kit.schemas import (
    FROM_STRING,
    Email,
    Id,
    InUtc,
    ReadModel,
    Seq,
    WriteModel,
    configured_length,
    shown_not_nullable,
)
from frontdesk.labels.schemas import LabelRead
from frontdesk.mail.outbound import MAX_EXTRA_RECIPIENTS
from frontdesk.sla.schemas import TicketSlaRead
from frontdesk.statuses.schemas import StatusRef
from frontdesk.tickets.merging import MAX_MERGED
from frontdesk.tickets.models import (
    Direction,
    EntryKind,
    MoveKind,
    TicketPriority,
    TicketState,
    TicketType,
)
from frontdesk.tickets.service import AfterReply

Subject = Annotated[str, Field(min_length=1, max_length=300)]
# The configured limit (FRONTDESK_MAX_TEXT_LENGTH) is enforced by the service with a clear message;
# this bound only keeps absurd bodies out of the parser.
Body = Annotated[str, configured_length("max_text_length", least=1, bound=1_000_000)]


class TextPart(ReadModel):
    text: str
    match: bool = Field(description="Whether this part matches the search: show it marked.")


class SearchHighlights(ReadModel):
    subject: list[TextPart] | None = Field(
        description="The subject cut into parts, the matching ones flagged; null when the "
        "subject does not match."
    )
    snippet: list[TextPart] | None = Field(
        description="About 160 characters of the newest message that matches, cut the same "
        "way (with … where text was left out); null when no recent message matches (the ticket "
        "was found by its subject, number or customer)."
    )


class TicketRead(ReadModel):
    id: int
    number: int
    inbox_id: int
    customer_id: int
    customer_name: str = ""
    customer_email: str | None = Field(
        default=None,
        description="The customer's primary email address (the first of their `emails`); null "
        "when they have none, or when you may not see the customer (as `customer` on a ticket).",
    )
    reply_address: str | None = Field(
        default=None,
        description="Where an email reply to the customer goes: the address the conversation is "
        "with (the one they last wrote from, the one a New ticket was sent to, the one given in "
        "the chat or contact form) while it is still one of the customer's, else their primary "
        "address. Read-only; null when they have no address, or when you may not see the "
        "customer.",
    )
    subject: str
    type: TicketType
    state: TicketState
    status: StatusRef | None = Field(
        default=None,
        description="The ticket's custom status (GET /api/v1/ticket-statuses), always one of "
        "its `state`; null for the state's plain one (Open, Hold, Closed).",
    )
    status_changed_at: datetime | None = Field(
        default=None,
        description="When the ticket entered its status as shown: its `state` changed, or its "
        "custom `status` (to another, or back to the state's plain one), or it was created. "
        "Nothing else moves it (a label, the assignee, a reply or note that leaves the state "
        "as it was). Null for an older ticket whose state has not changed since this field "
        "appeared (December 2026).",
    )
    priority: TicketPriority = TicketPriority.normal
    sla_due_at: datetime | None = Field(
        default=None,
        description="When the ticket's next SLA target is due (in the past: breached); null "
        "when no target runs.",
    )
    snoozed_until: datetime | None
    assignee_id: int | None
    labels: list[LabelRead] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    spam_at: datetime | None = Field(
        default=None,
        description="When it was marked spam (or arrived as spam); null when it is not spam. "
        "It is deleted FRONTDESK_SPAM_RETENTION_DAYS after (GET /api/v1/me "
        "`spam_retention_days`).",
    )
    cc: list[str] = Field(
        default_factory=list,
        description="Addresses copied on the conversation: the Cc of the customer's mail and of "
        "the last reply. The desk offers them as the next reply's Cc.",
    )
    search: SearchHighlights | None = Field(
        default=None,
        description="In a list searched with `q`: where the ticket matched. Plain text parts, "
        "not HTML: escape them when showing them.",
    )
    merged_into_id: int | None = Field(
        default=None,
        description="Set when this ticket was merged into another: it is closed, and its thread "
        "and later mail are on that ticket.",
    )
    fields: dict[str, Any] = Field(
        default_factory=dict,
        description="The ticket's custom fields (GET /api/v1/fields?object=ticket), by key: "
        "every field not archived, null when unset (a checkbox: false). Text, a list's option "
        "and a date (YYYY-MM-DD) are strings, a number a number.",
    )
    time_spent_minutes: int = Field(
        default=0,
        description="Minutes logged on the ticket by every agent (GET /api/v1/tickets/{id}/"
        "time-entries).",
    )
    checklist: ChecklistProgress | None = Field(
        default=None,
        description="How many of the ticket's checklist items are done, of how many (GET "
        "/api/v1/tickets/{id}/checklist); null when it has none.",
    )
    last_public_entry_id: int | None = Field(
        default=None,
        description="The id of the ticket's newest public entry (a customer's message, a reply, "
        "a chat transcript; not notes, nor timeline lines but those of a merge, a split, its "
        "undo or an erasure's give-back, which move messages in with their older ids); null "
        "when it has none. A bulk action "
        "chosen from a list sends it back as `seen_entry_ids` (0 for null): a ticket whose "
        "thread gained a message since is then skipped (`stale_thread`).",
    )


class TicketRowRead(TicketRead):
    """A ticket as the list shows it (`GET /tickets`): what the ticket's other reads, and
    webhooks, carry, with what only the list's rows show."""

    scheduled_reply_at: datetime | None = Field(
        default=None,
        description="When the ticket's soonest reply scheduled with Send later and still "
        "waiting goes (GET /api/v1/tickets/{id}/scheduled-replies), whoever scheduled it; null "
        "when none waits (none, or sent, cancelled, not sent).",
    )


class TicketPageRead(ReadModel):
    items: list[TicketRowRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page, with the same filters; null at the end. "
        "In a sync (`updated_since`) never null: where the next sync starts."
    )


class EntryRead(ReadModel):
    id: int
    kind: EntryKind
    direction: Direction
    author_user_id: int | None
    author_customer_id: int | None
    text: str
    html: str | None
    message_id: str | None
    data: dict[str, Any] = Field(
        description="What else is known of the entry, by kind. A received email's: `subject`, "
        "`from` (as written), `from_address`, `to`, `cc`, `date`, `quoted` (the quoted "
        "history cut from `text`), `attachments`, `auto` and `auto_reason` (an automatic "
        "message), `unexpected_sender`, `matched_by`; `via`, the From it arrived with when a "
        "list or group rewrote it (the author is then `from`); `mailing_list`, the list or "
        "group it came through (its List-Id, else its addresses); `bounce` and "
        "`delivery_status` for a delivery report. Plain text: escape it when showing it."
    )
    created_at: datetime


class TicketDetail(TicketRead):
    customer: CustomerRead | None = Field(
        description="null when you may not see the customer: an agent filed the ticket on the "
        "address of someone who has not written to your inboxes."
    )
    entries: list[EntryRead] = Field(
        description="The newest entries (100 unless `entries` asks for more), oldest first."
    )
    earlier_entries: int = Field(
        default=0, description="How many entries came before those in `entries`."
    )
    claimed_email: str | None = Field(
        default=None,
        description="The address a website visitor typed when the ticket began, when nothing "
        "proved it theirs.",
    )
    sla: TicketSlaRead | None = Field(
        default=None, description="The SLA policy that applies and its running targets."
    )


class CustomerRef(WriteModel):
    id: Id | None = None
    email: EmailStr | None = None
    name: Annotated[str, Field(max_length=200)] = ""

    @model_validator(mode="after")
    def _one_way_to_find(self) -> CustomerRef:
        if self.id is None and self.email is None:
            raise ValueError("give the customer's id or email")
        return self


class FirstMessageCreate(WriteModel):
    text: Body
    then: Annotated[AfterReply, FROM_STRING] = Field(
        default=AfterReply.send,
        description="As after a reply: send: the ticket stays open; hold: wait for the "
        "customer; close: done.",
    )
    signature: bool = Field(
        default=True,
        description="End the email with the signature (the inbox's, or the author's own), as "
        "a reply does.",
    )


class TicketCreate(WriteModel):
    inbox_id: Id
    customer: CustomerRef
    subject: Subject
    type: Annotated[TicketType, FROM_STRING] = TicketType.email
    state: Annotated[TicketState, FROM_STRING] = Field(
        default=TicketState.open,
        description="Without `message` only: with one, its `then` sets the state (422 for both).",
    )
    status_id: Id | None = Field(
        default=None,
        description="A custom status (not archived: 422 otherwise), which sets the state too; "
        "with `state`, the two must agree. With `message`, it must be one of the state its "
        "`then` leaves the ticket in (a hold status with `then: hold`).",
    )
    priority: Annotated[TicketPriority, FROM_STRING] = TicketPriority.normal
    assignee_id: Id | None = None
    label_ids: list[Id] = Field(default_factory=list, max_length=50)
    note: Body | None = Field(default=None, description="An optional first private note.")
    fields: dict[str, Any] = Field(
        default_factory=dict,
        max_length=50,
        description="Custom field values by key, checked as PATCH checks them: a wrong one is a "
        "422 naming `fields.<key>`, and no ticket is created.",
    )
    message: FirstMessageCreate | None = Field(
        default=None,
        description="The first email to the customer, sent as the agent's reply on the new "
        "ticket in the same transaction (its first entry; a `note` comes after it), at once, "
        "never held for Undo send. Refused like a reply (422 on `message.text`; 422 on "
        "`customer` when the customer has no address): then no ticket is created.",
    )


# What to send instead of null, for the fields of a ticket's PATCH that cannot be null.
_NOT_NULL = {
    "subject": "The subject cannot be null: leave the field out to keep it.",
    "state": "The state cannot be null: leave the field out to keep it.",
    "snoozed_until": "snoozed_until cannot be null: to end a snooze, set the state to open.",
    "label_ids": "label_ids cannot be null: send [] to remove every label, or leave it out.",
    "priority": "The priority cannot be null: leave the field out to keep it.",
    "inbox_id": "inbox_id cannot be null: leave the field out to keep the ticket's inbox.",
    "unassign": "unassign is true or false, not null.",
    "fields": "fields cannot be null: send the keys to change, each null to unset it.",
}


class TicketUpdate(WriteModel):
    """Only the fields given change. `null` is refused (422) for every field but `assignee_id`,
    where it unassigns the ticket, like `unassign: true`."""

    model_config = ConfigDict(json_schema_extra=shown_not_nullable(*_NOT_NULL))

    subject: Subject | None = None
    state: Annotated[TicketState, FROM_STRING] | None = None
    snoozed_until: Annotated[AwareDatetime, FROM_STRING, InUtc] | None = None
    assignee_id: Id | None = Field(
        default=None,
        description="A user who sees the ticket's inbox; null unassigns the ticket (as "
        "`unassign: true` does). Left out: unchanged.",
    )
    unassign: bool = Field(
        default=False, description="true unassigns the ticket, like `assignee_id: null`."
    )
    label_ids: list[Id] | None = Field(
        default=None,
        max_length=50,
        description="Every label the ticket is to have; [] removes them all.",
    )
    priority: Annotated[TicketPriority, FROM_STRING] | None = None
    status_id: Id | None = Field(
        default=None,
        description="A custom status (GET /api/v1/ticket-statuses), not archived: the ticket "
        "takes it and its state in one change (with `state`, the two must agree). null: back to "
        "the state's plain status. Left out: unchanged, unless `state` changes to another "
        "state, which leaves the custom status.",
    )
    inbox_id: Id | None = Field(
        default=None,
        description="Move the ticket to this inbox (one you see; 404 otherwise). Applied "
        "before the other fields, so `assignee_id` may name a member of the new inbox. An "
        "assignee who cannot see the new inbox is unassigned; the SLA policy, business hours "
        "and sending address become the new inbox's.",
    )
    fields: dict[str, Any] | None = Field(
        default=None,
        max_length=50,
        description='Custom field values by key; only those named change, null (or "") '
        "unsets one. Each is checked by the field's kind: a wrong one is a 422 naming "
        "`fields.<key>`, and nothing is changed.",
    )

    @field_validator(*_NOT_NULL, mode="before")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        # Only a null that was sent reaches a validator: a field left out keeps its default.
        if value is None:
            raise PydanticCustomError("null_refused", _NOT_NULL[str(info.field_name)])
        return value

    @field_validator("unassign")
    @classmethod
    def _one_assignee(cls, value: bool, info: ValidationInfo) -> bool:
        # assignee_id is validated before: it comes first.
        if value and info.data.get("assignee_id") is not None:
            raise PydanticCustomError(
                "assignee_conflict", "Give an assignee_id or unassign: true, not both."
            )
        return value

    @property
    def unassigns(self) -> bool:
        """`unassign: true`, or `assignee_id: null` sent as such."""
        return bool(self.unassign) or (
            "assignee_id" in self.model_fields_set and self.assignee_id is None
        )


class NoteCreate(WriteModel):
    text: Body
    attachment_ids: list[Id] = Field(
        default_factory=list,
        max_length=MAX_FILES_PER_REPLY,
        description="Files uploaded for this note (`POST /api/v1/uploads`), as a reply takes "
        "them: the author's own uploads on this ticket, not sent yet, within the size limit "
        "together. Seen by the ticket's agents only, never by the customer.",
    )


# Each list alone is capped here; together (Cc and Bcc, To and Cc) by the service.
Recipients = Annotated[list[Email], Field(max_length=MAX_EXTRA_RECIPIENTS)]


class ReplyCreate(WriteModel):
    text: Body
    then: Annotated[AfterReply, FROM_STRING] = Field(
        default=AfterReply.send,
        description="send: the ticket stays open; hold: wait for the customer; close: done.",
    )
    snooze_until: Annotated[AwareDatetime, FROM_STRING, InUtc] | None = Field(
        default=None,
        description="With `then: send` only: snooze the ticket until then once the reply is "
        "sent (a macro's snooze, from its `draft`). Must be in the future; 422 otherwise.",
    )
    cc: Recipients = Field(
        default_factory=list,
        description="Copied openly; becomes the ticket's `cc`, offered on the next reply.",
    )
    bcc: Recipients = Field(
        default_factory=list, description="Copied without the other recipients seeing it."
    )
    attachment_ids: list[Id] = Field(
        default_factory=list,
        max_length=MAX_FILES_PER_REPLY,
        description="Files uploaded for this reply (`POST /api/v1/uploads`), sent as attachments.",
    )
    seen_entry_id: Seq | None = Field(
        default=None,
        description="The id of the newest entry the author saw. If the ticket has newer public "
        "entries (a customer message, another reply, a transcript), the reply is refused with "
        "409 `stale_thread` and `new_entries` listing them; send again with the newest of those "
        "ids to confirm. Omitted: no check.",
    )
    undo_seconds: int | None = Field(
        default=None,
        ge=0,
        le=30,
        description="Undo send: hold the reply this many seconds before it is sent; meanwhile "
        "`DELETE .../pending-replies/{id}` takes it back. Answered 202 with the pending reply "
        "instead of 201 with the entry. 0: send now. Omitted: the author's `undo_send_seconds` "
        "preference from a desk session, 0 with an API token.",
    )
    send_at: Annotated[AwareDatetime, FROM_STRING, InUtc] | None = Field(
        default=None,
        description="Send later: hold the reply until then (in the future, at most 30 days "
        "ahead; 422 otherwise), answered 202 with the pending reply (`scheduled: true`). Every "
        "agent who sees the ticket sees it meanwhile; it is not sent if the customer writes or "
        "another agent replies first. Not with `undo_seconds`.",
    )
    signature: bool = Field(
        default=True,
        description="Add the inbox's `email_signature`, filled for the author, below a '-- ' line "
        "of the email (the entry records it as `data.signature`). false: this reply goes "
        "without it. An inbox without a signature signs with the author's own "
        "(`email_signature` of the user); nothing is added when neither has one.",
    )


class ForwardCreate(WriteModel):
    to: Recipients = Field(min_length=1)
    cc: Recipients = Field(default_factory=list)
    text: Annotated[str, configured_length("max_text_length", bound=1_000_000)] = Field(
        default="", description="A note above the forwarded message."
    )


class TicketCounts(ReadModel):
    open: int
    hold: int
    snoozed: int
    closed: int
    mine: int
    unassigned: int
    breaching: int = Field(
        default=0, description="Open tickets whose next SLA target is due within the hour or late."
    )
    spam: int = Field(default=0, description="Tickets in the Spam folder.")


class MergeCreate(WriteModel):
    into_ticket_id: Id = Field(description="The ticket that keeps the merged thread.")
    other_customer: bool = Field(
        default=False,
        description="Needed when the two tickets are of different customers; without it such a "
        "merge is refused with 409 `different_customers`.",
    )


class MergeManyCreate(WriteModel):
    ticket_ids: list[Id] = Field(
        min_length=2,
        max_length=MAX_MERGED,
        description="The tickets merged together, the one that stays among them.",
    )
    into_ticket_id: Id = Field(description="The ticket that keeps the merged thread.")
    other_customer: bool = Field(
        default=False,
        description="Needed when the tickets are of different customers; without it such a "
        "merge is refused with 409 `different_customers`.",
    )


class UndoMany(WriteModel):
    move_ids: list[Id] = Field(min_length=1, max_length=MAX_MERGED)


class SplitCreate(WriteModel):
    with_later: bool = Field(
        default=False, description="Also move every message after this one to the new ticket."
    )


class TicketMoveRead(ReadModel):
    id: int
    kind: MoveKind
    source_ticket_id: int = Field(description="Merge: the ticket merged away. Split: the original.")
    target_ticket_id: int = Field(description="Merge: the ticket kept. Split: the new ticket.")
    actor_id: int | None
    entry_ids: list[int] = Field(description="The entries it moved.")
    created_at: datetime
    undo_until: datetime
    undone_at: datetime | None
