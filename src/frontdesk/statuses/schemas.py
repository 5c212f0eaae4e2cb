from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from frontdesk.kit.schemas import ReadModel, WriteModel, shown_not_nullable
from frontdesk.statuses.models import MAX_NAME

StatusName = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
Description = Annotated[str, Field(max_length=500)]
StatusStateName = Literal["open", "hold", "closed"]


class StatusRef(ReadModel):
    """A ticket's custom status as its reads show it (`status` of a ticket)."""

    id: int
    name: str
    state: StatusStateName


class StatusRead(ReadModel):
    id: int
    name: str
    description: str
    state: StatusStateName = Field(description="The state it is a status of: open, hold or closed.")
    position: int = Field(description="Its place among its state's statuses, 0 first.")
    archived: bool = Field(
        description="No longer offered; the tickets that have it keep it (and show it)."
    )


class StatusCreate(WriteModel):
    name: StatusName
    description: Description = ""
    state: StatusStateName = Field(
        description="open, hold or closed; snoozed and spam have no custom status. Fixed once "
        "created."
    )


_NOT_NULL = {
    "name": "The name cannot be null: leave the field out to keep it.",
    "description": 'The description cannot be null: send "" to remove it.',
    "position": "The position cannot be null: leave the field out to keep it.",
    "archived": "archived is true or false, not null.",
}


class StatusUpdate(WriteModel):
    """Only the fields given change."""

    model_config = ConfigDict(json_schema_extra=shown_not_nullable(*_NOT_NULL))

    name: StatusName | None = None
    description: Description | None = None
    position: Annotated[int, Field(ge=0, le=1000)] | None = Field(
        default=None,
        description="Move it to this place among its state's statuses (0 first; past the end: "
        "last); the others move up or down one.",
    )
    archived: bool | None = Field(
        default=None,
        description="true archives it: no longer offered, the tickets that have it keep it. "
        "Refused (409 `status_in_use`) while a macro or rule sets it or a rule tests it. false "
        "restores it.",
    )

    @field_validator(*_NOT_NULL, mode="before")
    @classmethod
    def _not_null(cls, value: object, info: ValidationInfo) -> object:
        if value is None:
            raise PydanticCustomError("null_refused", _NOT_NULL[str(info.field_name)])
        return value
