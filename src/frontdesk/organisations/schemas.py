from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from frontdesk.kit.schemas import ReadModel, WriteModel, shown_not_nullable
from frontdesk.organisations.models import MAX_DOMAINS, MAX_NAME, MAX_NOTES
from frontdesk.statuses.schemas import StatusRef
from frontdesk.tickets.models import TicketState

Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
Domain = Annotated[str, Field(min_length=1, max_length=253)]
Domains = Annotated[
    list[Domain],
    Field(
        max_length=MAX_DOMAINS,
        description="Email domains (`acme.com`): a new customer with an address at one joins "
        "the organisation. Each belongs to one organisation at most; free-mail domains "
        "(gmail.com…) are refused.",
    ),
]
Notes = Annotated[str, Field(max_length=MAX_NOTES, description="Plain text")]
SHARED = (
    "Members see each other's requests in the help center: each of its customers signed in to "
    "the customer portal reads (not answers) the requests of all its customers."
)


class OrganisationRef(ReadModel):
    """The organisation a customer belongs to."""

    id: int
    name: str


class OrganisationRead(ReadModel):
    id: int
    name: str
    domains: list[str] = Field(description="In alphabetical order")
    notes: str
    shared_requests: bool = Field(description=SHARED)
    customer_count: int = Field(
        description="Its customers the asking agent may see (all of them for owners and "
        "admins), as `GET /organisations/{id}/customers` lists them; in webhooks, all of them"
    )
    created_at: datetime
    updated_at: datetime


class OrganisationNameRead(ReadModel):
    id: int
    name: str


class OrganisationNamesRead(ReadModel):
    items: list[OrganisationNameRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class OrganisationPageRead(ReadModel):
    items: list[OrganisationRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class OrganisationCreate(WriteModel):
    name: Name
    domains: Domains = Field(default_factory=list)
    notes: Notes = ""
    shared_requests: bool = Field(default=False, description=SHARED)


NOT_NULL = {
    "name": "name cannot be null: leave the field out to keep it.",
    "domains": "domains cannot be null: send [] for none, or leave the field out to keep them.",
    "notes": 'notes cannot be null: send "" for none, or leave the field out to keep them.',
    "shared_requests": "shared_requests cannot be null: send true or false, or leave it out.",
}


class OrganisationUpdate(WriteModel):
    """Only the fields given change; null is refused (422)."""

    model_config = ConfigDict(json_schema_extra=shown_not_nullable(*NOT_NULL))

    name: Name | None = None
    domains: Domains | None = Field(
        default=None, description="Replaces the list; customers who joined keep it."
    )
    notes: Notes | None = None
    shared_requests: bool | None = Field(default=None, description=SHARED)

    @field_validator(*NOT_NULL, mode="before")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            raise PydanticCustomError("null_refused", NOT_NULL[str(info.field_name)])
        return value


class OrganisationTicketRead(ReadModel):
    id: int
    number: int
    subject: str
    state: TicketState
    status: StatusRef | None = Field(
        default=None,
        description="The ticket's custom status (GET /api/v1/ticket-statuses), always one of "
        "its `state`; null for the state's plain one (Open, Hold, Closed), as on a ticket.",
    )
    inbox_id: int
    customer_id: int | None = Field(
        description="The ticket's customer, always one the caller may see (a ticket whose "
        "customer they may not see is not listed); nullable for clients written before 2026-12-07"
    )
    customer_name: str
    created_at: datetime
    updated_at: datetime


class OrganisationTicketPageRead(ReadModel):
    items: list[OrganisationTicketRead]
    next_cursor: str | None
