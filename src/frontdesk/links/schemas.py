"""Linked tickets as the API reads and writes them."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from frontdesk.kit.schemas import Id, ReadModel, WriteModel
from frontdesk.links.models import MAX_LINKS
from frontdesk.tickets.models import TicketState


class AgentRef(ReadModel):
    id: int
    name: str


class InboxRef(ReadModel):
    id: int
    name: str


class LinkedTicketRead(ReadModel):
    ticket_id: int = Field(description="The ticket at the other end of the link.")
    number: int
    visible: bool = Field(
        description="False when the linked ticket is in an inbox you are not in: then only its "
        "id and number are given (`subject`, `state` and `inbox` are null)."
    )
    subject: str | None
    state: TicketState | None
    inbox: InboxRef | None
    linked_by: AgentRef | None = Field(description="Who linked them; null if unknown.")
    linked_at: datetime


class TicketLinksRead(ReadModel):
    ticket_id: int = Field(
        description="The ticket whose links these are: for a merged ticket, the ticket it was "
        "merged into (its links went there)."
    )
    links: list[LinkedTicketRead] = Field(
        description=f"Oldest link first; at most {MAX_LINKS} (a merge may bring more)."
    )


class TicketLinkCreate(WriteModel):
    ticket_id: Id = Field(
        description="The ticket to link (its id, not its number), in an inbox you are in."
    )
