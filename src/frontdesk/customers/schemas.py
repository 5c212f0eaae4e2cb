from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import EmailStr, Field

from frontdesk.kit.schemas import Id, ReadModel, WriteModel

Phone = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[0-9+()\-. ]+$")]
Notes = Annotated[str, Field(max_length=20_000)]


class CustomerRead(ReadModel):
    id: int
    name: str
    emails: list[str]
    phones: list[str]
    attributes: dict[str, Any]
    notes: str
    fields: dict[str, Any] = Field(
        default_factory=dict,
        description="The customer's custom fields (GET /api/v1/fields?object=customer), by "
        "key: every field not archived, null when unset (a checkbox: false).",
    )
    verified: bool = Field(
        description="False for a customer made from an email address a website visitor typed, "
        "until it is proven: mail from it, an agent's reply, or the website signing it."
    )
    created_at: datetime
    updated_at: datetime


class CustomerPageRead(ReadModel):
    items: list[CustomerRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class CustomerCreate(WriteModel):
    name: Annotated[str, Field(max_length=200)] = ""
    emails: list[EmailStr] = Field(default_factory=list, max_length=20)
    phones: list[Phone] = Field(default_factory=list, max_length=20)
    attributes: dict[str, Any] = Field(default_factory=dict)
    notes: Notes = ""


class CustomerUpdate(WriteModel):
    name: Annotated[str, Field(max_length=200)] | None = None
    emails: list[EmailStr] | None = Field(default=None, max_length=20)
    phones: list[Phone] | None = Field(default=None, max_length=20)
    attributes: dict[str, Any] | None = None
    notes: Notes | None = None
    fields: dict[str, Any] | None = Field(
        default=None,
        max_length=50,
        description='Custom field values by key; only those named change, null (or "") '
        "unsets one. A wrong value is a 422 naming `fields.<key>`, and nothing is changed.",
    )


class CustomerMerge(WriteModel):
    source_id: Id = Field(description="The customer folded into this one; it disappears.")
