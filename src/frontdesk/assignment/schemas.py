from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from frontdesk.assignment.models import DEFAULT_OFFER_TIMEOUT
from frontdesk.assignment.service import (
    MAX_OFFER_TIMEOUT,
    MAX_REASSIGN_MINUTES,
    MAX_TICKET_LIMIT,
    MIN_OFFER_TIMEOUT,
)
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
    offer_chats: bool = Field(
        default=False,
        description="Offer each new chat to one online member at a time (Accept or Decline, "
        "chosen by `mode`, balanced when `off`) instead of to every online member; when all "
        "were asked, it is offered to everybody.",
    )
    offer_timeout_seconds: Annotated[int, Field(ge=MIN_OFFER_TIMEOUT, le=MAX_OFFER_TIMEOUT)] = (
        Field(
            default=DEFAULT_OFFER_TIMEOUT,
            description="How long one agent has to accept a chat before it is offered to the next.",
        )
    )


class AssignmentRead(ReadModel):
    inbox_id: int
    mode: Mode
    ticket_limit: int
    reassign_after_minutes: int | None
    offer_chats: bool
    offer_timeout_seconds: int
    updated_at: datetime | None
