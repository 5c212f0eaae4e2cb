from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import EmailStr, Field

from frontdesk.kit.schemas import Id, ReadModel, WriteModel
from frontdesk.organisations.schemas import OrganisationRef

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
    organisation: OrganisationRef | None = Field(
        default=None,
        description="The company they belong to (GET /api/v1/organisations/{id}), or null.",
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
    organisation_id: Id | None = Field(
        default=None,
        description="The customer's organisation, chosen by hand (null: none). A choice by "
        "hand is kept: an organisation's domains no longer change it.",
    )


class CustomerMerge(WriteModel):
    source_id: Id = Field(description="The customer folded into this one; it disappears.")


# --- importing a CSV file (customers/importing.py) ---


class ImportColumnsRead(ReadModel):
    """The file's columns as it names them: which one is taken for what (null: none)."""

    email: str
    name: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    ignored: list[str] = Field(description="Columns no customer value is read from.")


class ImportProblemRead(ReadModel):
    row: int = Field(description="As the spreadsheet numbers it: the column names are row 1.")
    outcome: str = Field(description="`error` (fix the row) or `skip` (not imported, by rule).")
    code: str = Field(
        description="`email_missing`, `email_invalid`, `name_too_long`, `phone_invalid`, "
        "`phone_taken`, `duplicate`, `blocked_sender` or `being_erased`"
    )
    message: str


class ImportRowRead(ReadModel):
    row: int
    name: str
    email: str
    phone: str
    outcome: str = Field(description="`create`, `update`, `skip` or `error`")
    filled: list[str] = Field(description="For `update`: what is filled in, `name`, `phone`.")
    code: str | None
    message: str | None


class CustomerImportRead(ReadModel):
    dry_run: bool = Field(description="True: nothing was written, the counts say what would be.")
    delimiter: str
    columns: ImportColumnsRead
    rows: int = Field(description="The file's customers: its rows but the first and blank ones.")
    created: int
    updated: int = Field(description="Existing customers given a name or phone they lacked.")
    skipped: int = Field(
        description="Rows that change nothing: already up to date, a repeated address, a "
        "blocked sender, a customer being erased."
    )
    errors: int
    problems: list[ImportProblemRead] = Field(
        description="The first 100 errors and skips with a reason, in row order."
    )
    problems_left_out: int
    first_rows: list[ImportRowRead] = Field(description="The file's first 10 rows, as read.")
