from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from frontdesk.assignment.service import MAX_REASSIGN_MINUTES, MAX_TICKET_LIMIT
from frontdesk.kit.schemas import ReadModel, WriteModel

Mode = Literal["off", "balanced", "round_robin"]


class AssignmentUpdate(WriteModel):
    mode: Mode = Field(
        description="`off`, `balanced` (the least loaded online member) or `round_robin` "
        "(the next online member after the one assigned last)."
    )
    ticket_limit: Annotated[int, Field(ge=1, le=MAX_TICKET_LIMIT)] = Field(
        description="At most this many open tickets of the inbox assigned to one agent by "
        "auto-assignment."
    )
    reassign_after_minutes: Annotated[int, Field(ge=1, le=MAX_REASSIGN_MINUTES)] | None = Field(
        default=None,
        description="An auto-assigned ticket its assignee has not touched (no reply or note) "
        "for this many minutes of business time goes to another member; null: never.",
    )


class AssignmentRead(ReadModel):
    inbox_id: int
    mode: Mode
    ticket_limit: int
    reassign_after_minutes: int | None
    updated_at: datetime | None
