"""A saved view over HTTP: its filters are the ticket list's own parameters (GET /api/v1/tickets),
with the same names."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from frontdesk.kit.schemas import FROM_STRING, Id, ReadModel, WriteModel
from frontdesk.tickets.models import TicketPriority, TicketState, TicketType

MAX_NAME = 100
ViewName = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
# The list's sorts (tickets/queries.py SORTS) but relevance: a view has no text search.
ViewSort = Literal[
    "-updated_at", "updated_at", "-created_at", "created_at", "-number", "number", "sla_due_at"
]


class ViewFilters(WriteModel):
    """The filters of GET /api/v1/tickets a view keeps; all are optional, and together they
    narrow the list (an AND). Stored as given, and read back through this model."""

    inbox_id: Id | None = Field(default=None, description="Only this inbox's tickets.")
    state: list[Annotated[TicketState, FROM_STRING]] = Field(
        default_factory=list, max_length=len(TicketState), description="Any of these states."
    )
    assignee_id: Id | None = Field(default=None, description="Assigned to this agent.")
    unassigned: bool = Field(default=False, description="Assigned to nobody.")
    mine: bool = Field(
        default=False,
        description="Assigned to whoever looks at the view: each agent sees their own tickets "
        "in a shared view.",
    )
    label_id: Id | None = Field(default=None, description="With this label.")
    organisation_id: Id | None = Field(
        default=None, description="Whose customer belongs to this organisation."
    )
    status_id: Id | None = Field(
        default=None, description="With this custom status (GET /api/v1/ticket-statuses)."
    )
    priority: list[Annotated[TicketPriority, FROM_STRING]] = Field(
        default_factory=list, max_length=len(TicketPriority), description="Any of these."
    )
    type: Annotated[TicketType, FROM_STRING] | None = Field(
        default=None, description="Chat or email."
    )
    breaching: bool = Field(
        default=False,
        description="Only tickets whose next SLA target is due within the hour or late.",
    )
    field: Annotated[str, Field(max_length=150)] | None = Field(
        default=None,
        description="A custom field's value, `key:value`, as the list's `field`: a list's "
        "option, a checkbox's true or false, a text, a number's or a date's comparison or "
        "range (`seats:>5`, `seats:1..10`), or `key:` for not set.",
    )

    @model_validator(mode="after")
    def _one_assignee(self) -> ViewFilters:
        if sum((self.assignee_id is not None, self.unassigned, self.mine)) > 1:
            raise ValueError(
                "Choose one of assignee_id, unassigned and mine: a ticket has one assignee."
            )
        return self


class SavedViewRead(ReadModel):
    id: int
    name: str
    filters: ViewFilters
    sort: str
    shared: bool = Field(description="Shared: every agent sees it; otherwise only its owner.")
    owner_id: int | None = Field(description="The owner of a personal view; null when shared.")
    position: int = Field(description="Its place in the list, lowest first.")
    missing: list[str] = Field(
        description="The filters that name something no longer there (a deleted label or "
        "organisation, say) (`field`: a custom field deleted or archived, or its option "
        "removed) or that you do not see (`inbox_id`: an inbox you are not in): such a filter "
        "matches no ticket for you, so the view shows you none until it is edited."
    )
    created_by_id: int | None
    updated_by_id: int | None
    created_at: datetime
    updated_at: datetime


class SavedViewCreate(WriteModel):
    name: ViewName
    filters: ViewFilters = Field(default_factory=ViewFilters)
    sort: ViewSort = "-updated_at"
    shared: bool = Field(
        default=False,
        description="Every agent sees a shared view (each only the tickets of their inboxes); "
        "only owners and admins create, edit and delete them.",
    )
    position: int | None = Field(
        default=None, ge=0, le=10_000, description="Without it, after the last view."
    )


class SavedViewUpdate(WriteModel):
    name: ViewName | None = None
    filters: ViewFilters | None = None
    sort: ViewSort | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)


class SavedViewMove(WriteModel):
    by: Literal[-1, 1] = Field(
        description="-1: one place up (earlier in the list); 1: one place down."
    )

    @field_validator("by", mode="before")
    @classmethod
    def _an_integer(cls, value: object) -> object:
        # Strictly, as the other integers of a write: `true` and `1.0` equal 1 to Python, and
        # would otherwise pass as a move down.
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("Give -1 or 1.")
        return value


class SavedViewCount(ReadModel):
    id: int
    count: int = Field(
        description="Its tickets, counted up to `most` (at `most`: that many or more)."
    )


class SavedViewCounts(ReadModel):
    most: int
    cached: bool = Field(
        description="Counted for you less than `fresh_for` seconds ago: changes since may be "
        "missing; ask again after `fresh_for` seconds for them."
    )
    fresh_for: float = Field(description="Seconds your counts are kept for, and reused.")
    views: list[SavedViewCount]
