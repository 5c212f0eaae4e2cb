from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from frontdesk.kit.schemas import FROM_STRING, Id, ReadModel, WriteModel
from frontdesk.sla.models import Target
from frontdesk.sla.service import MAX_MINUTES
from frontdesk.tickets.models import TicketPriority

Minutes = Annotated[int, Field(ge=1, le=MAX_MINUTES)]


class SlaPolicyWrite(WriteModel):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    inbox_id: Id | None = Field(default=None, description="Only this inbox's tickets; null: any.")
    priority: Annotated[TicketPriority, FROM_STRING] | None = Field(
        default=None, description="Only tickets of this priority; null: any."
    )
    label_id: Id | None = Field(
        default=None, description="Only tickets with this label; null: any."
    )
    business_hours: bool = Field(
        default=True,
        description="Count only the inbox's business hours (targets pause while it is closed); "
        "false: calendar time.",
    )
    first_response_minutes: Minutes | None = None
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    warning_minutes: Annotated[int, Field(ge=1, le=MAX_MINUTES)] = Field(
        default=15,
        description="Warn this long before a target is due (at most half the target), "
        "counted like the target.",
    )
    position: Annotated[int, Field(ge=0, le=1_000_000)] | None = Field(
        default=None,
        description="Order in the list: the first policy that matches a ticket applies. "
        "Omitted on creation: last.",
    )


class SlaPolicyRead(ReadModel):
    id: int
    name: str
    position: int
    inbox_id: int | None
    priority: TicketPriority | None
    label_id: int | None
    business_hours: bool
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    warning_minutes: int


class SlaTargetRead(ReadModel):
    target: Target
    due_at: datetime
    breached: bool


class TicketSlaRead(ReadModel):
    policy_id: int | None
    policy_name: str | None
    targets: list[SlaTargetRead] = Field(description="The running targets, the soonest first.")
