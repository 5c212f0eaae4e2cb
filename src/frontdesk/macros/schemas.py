from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from frontdesk.actions.kinds import Action, Actions
from frontdesk.actions.service import MAX_TICKETS
from frontdesk.kit.schemas import Id, ReadModel, WriteModel
from frontdesk.macros.service import MAX_NAME

MacroName = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]


class MacroRead(ReadModel):
    id: int
    name: str
    actions: list[Action]
    scope: Literal["personal", "team"] = Field(
        description="`personal`: only its owner sees it; `team`: everyone who sees its inbox."
    )
    owner_id: int | None
    inbox_id: int | None
    created_by_id: int | None
    updated_by_id: int | None
    created_at: datetime
    updated_at: datetime


class MacroCreate(WriteModel):
    name: MacroName
    actions: Actions
    inbox_id: Id | None = Field(
        default=None, description="A team macro of this inbox; without it, a personal macro."
    )


class MacroUpdate(WriteModel):
    name: MacroName | None = None
    actions: Actions | None = None


class MacroApply(WriteModel):
    ticket_id: Id


class MacroApplyMany(WriteModel):
    ticket_ids: list[Id] = Field(min_length=1, max_length=MAX_TICKETS)
