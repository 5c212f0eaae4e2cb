"""Checklist items as the API reads and writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from frontdesk.checklists.models import MAX_ITEMS, MAX_TEXT
from frontdesk.kit.schemas import ReadModel, WriteModel, shown_not_nullable

Text = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_TEXT,
        description=f"One line, at most {MAX_TEXT} characters: line breaks and runs of spaces "
        "become one space. Plain text; shown escaped, never as HTML.",
    ),
]


class AgentRef(ReadModel):
    id: int
    name: str


class ChecklistItemRead(ReadModel):
    id: int
    ticket_id: int = Field(
        description="The ticket that has it (a merged ticket's went to the kept one)."
    )
    text: str
    done: bool
    done_by: AgentRef | None = Field(description="Who ticked it; null while not done.")
    done_at: datetime | None = Field(description="When it was ticked; null while not done.")
    position: int = Field(description="Its place: items are listed by position, then id.")
    version: int = Field(
        description="Taken up by every change; send it back with a change to have it refused "
        "(409 `checklist_item_changed`) if someone changed the item meanwhile."
    )
    created_by: AgentRef | None
    created_at: datetime
    updated_at: datetime


class ChecklistRead(ReadModel):
    ticket_id: int = Field(
        description="The ticket whose checklist this is: for a merged ticket, the ticket it "
        "was merged into."
    )
    items: list[ChecklistItemRead] = Field(description=f"In order; at most {MAX_ITEMS}.")
    done: int = Field(description="How many items are done.")
    total: int = Field(description="How many items there are.")


class ChecklistProgress(ReadModel):
    done: int
    total: int


class ChecklistItemCreate(WriteModel):
    text: Text


NOT_NULL = {
    "text": "text cannot be null: leave the field out to keep it.",
    "done": "done is true or false, not null: leave the field out to keep it.",
    "position": "position cannot be null: leave the field out to keep the item where it is.",
    "version": "version cannot be null: leave the field out to change the item whatever its "
    "version.",
}


class ChecklistItemUpdate(WriteModel):
    """Only the fields given change; null is refused (422), for every field."""

    model_config = ConfigDict(json_schema_extra=shown_not_nullable(*NOT_NULL))

    text: Text | None = None
    done: bool | None = Field(
        default=None,
        description="Sets done or not done (never a toggle): sending it again changes nothing.",
    )
    position: int | None = Field(
        default=None,
        ge=0,
        le=MAX_ITEMS * 10,
        description="Moves the item to this place, 0 being the top; past the end is the end.",
    )
    version: int | None = Field(
        default=None,
        ge=1,
        description="The version the change was made against: refused with 409 "
        "`checklist_item_changed` when the item is at another one.",
    )

    @field_validator(*NOT_NULL, mode="before")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            raise PydanticCustomError("null_refused", NOT_NULL[str(info.field_name)])
        return value
