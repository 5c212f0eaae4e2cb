from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from frontdesk.kit.schemas import FROM_STRING, Id, ReadModel, WriteModel
from frontdesk.spam.service import MAX_TICKETS, Block
from frontdesk.tickets.models import TicketState

BLOCK = (
    "Also block the ticket's customer: `address` (their email address; any agent), `domain` "
    "(every address of its domain; admins only, else 403 `admins_only`), or `none`. 422 on "
    "`block` when the customer has no email address."
)


class SpamMark(WriteModel):
    block: Annotated[Block, FROM_STRING] = Field(default=Block.none, description=BLOCK)


class BulkSpamMark(WriteModel):
    ticket_ids: list[Id] = Field(min_length=1, max_length=MAX_TICKETS)
    block: Annotated[Block, FROM_STRING] = Field(default=Block.none, description=BLOCK)


class BulkNotSpam(WriteModel):
    ticket_ids: list[Id] = Field(min_length=1, max_length=MAX_TICKETS)


class BlockedSenderCreate(WriteModel):
    pattern: str = Field(
        max_length=320,
        description="An email address (`ada@example.net`) or a whole domain with its @ "
        "(`@example.net`, which blocks its subdomains too). 422 for our own mail: an inbox's "
        "address or domain, or an agent's.",
    )


class BlockedSenderRead(ReadModel):
    id: int
    pattern: str
    kind: Literal["address", "domain"]
    created_at: datetime
    created_by_id: int | None
    created_by_name: str | None = Field(description="Who added it; null once they are gone.")


class BlockedSenderPage(ReadModel):
    items: list[BlockedSenderRead] = Field(description="A page of them, newest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page."
    )


class SpamTicket(ReadModel):
    id: int
    number: int
    inbox_id: int
    state: TicketState
    spam_at: datetime | None = Field(description="When it was marked spam; null when not spam")
    updated_at: datetime


class SpamResult(ReadModel):
    changed: bool = Field(
        description="false: the ticket was in that state already (someone else was first); "
        "nothing was written."
    )
    ticket: SpamTicket
    blocked: BlockedSenderRead | None = Field(
        default=None, description="The blocked sender entry `block` made or found"
    )
    unblocked: list[str] = Field(
        default_factory=list,
        description="Not spam: the customer's addresses it took off the blocked list.",
    )
    domains_blocked: list[str] = Field(
        default_factory=list,
        description="Not spam: blocked domains (`@example.net`) that still send the customer's "
        "mail to Spam; only an admin unblocks them.",
    )


class BulkSpamOutcome(ReadModel):
    ticket_id: int
    ok: bool
    changed: bool
    error: dict[str, Any] | None = Field(
        description="Why it was refused: the usual error shape (`code`, `message`, `fields`)."
    )


class BulkSpamResult(ReadModel):
    done: int = Field(description="How many tickets are now as asked")
    refused: int
    results: list[BulkSpamOutcome] = Field(description="One per ticket, by id")


class VisitorBlockResult(ReadModel):
    changed: bool = Field(
        description="false: the visitor was blocked already (someone else was first); their "
        "chats were ended and filed then."
    )
    blocked_visitor_id: int = Field(description="Its id in `GET /blocked-visitors`")
    visitor_id: int
    ticket: SpamTicket | None = Field(
        description="The chat's ticket, in Spam; null when it was deleted meanwhile."
    )
    blocked_sender: BlockedSenderRead | None = Field(
        description="The chat's address, blocked as a sender: only when the website signed it "
        "(a typed address proves nothing and is not blocked)."
    )


class BlockedVisitorRead(ReadModel):
    id: int
    visitor_id: int
    name: str = Field(description="The name the visitor gave; empty when none.")
    email: str | None = Field(description="The address the visitor gave, if any.")
    verified: bool = Field(description="Whether the website signed that address (identify()).")
    ticket_id: int | None = Field(
        description="The ticket of the chat they were blocked from; null once it is deleted."
    )
    ticket_number: int | None
    created_at: datetime
    created_by_id: int | None
    created_by_name: str | None = Field(description="Who blocked them; null once they are gone.")
