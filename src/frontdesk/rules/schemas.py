from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from frontdesk.actions.kinds import Action
from frontdesk.kit.schemas import Id, ReadModel, WriteModel
from frontdesk.rules.kinds import Condition, Conditions, Definition, RuleActions, When
from frontdesk.rules.service import MAX_NAME, MAX_RULES
from frontdesk.tickets.models import TicketState

RuleName = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
Match = Literal["all", "any"]


class RuleCatchUpRead(ReadModel):
    state: Literal["waiting", "catching_up", "caught_up"] = Field(
        description="waiting: its first batch comes within a minute; catching_up: it judges "
        "the existing tickets in order, 50 a minute at most; caught_up: it judges each ticket "
        "as it comes due"
    )
    share: float = Field(
        ge=0, le=1, description="About how much of the existing tickets it has judged"
    )


class RuleRead(ReadModel):
    id: int
    name: str
    enabled: bool
    position: int = Field(description="Rules answering the same moment run in this order")
    when: When
    match: Match
    conditions: list[Condition]
    actions: list[Action]
    created_by_id: int | None
    updated_by_id: int | None
    created_at: datetime
    updated_at: datetime
    catch_up: RuleCatchUpRead | None = Field(
        description="A time-based rule's way through the existing tickets, after it was "
        "created, changed or switched on; none for an event rule or a rule switched off"
    )


class RuleDefinition(WriteModel):
    when: When = Field(description="The moment it runs on: an event, or a time passed")
    match: Match = Field(default="all", description="All conditions must hold, or any one")
    conditions: Conditions = Field(default_factory=list)
    actions: RuleActions

    def definition(self) -> Definition:
        return Definition(
            when=self.when, match=self.match, conditions=self.conditions, actions=self.actions
        )


class RuleCreate(RuleDefinition):
    name: RuleName
    enabled: bool = True


class RuleUpdate(WriteModel):
    """Name, enabled, or the whole definition (when, match, conditions and actions together)."""

    name: RuleName | None = None
    enabled: bool | None = None
    definition: RuleDefinition | None = None


class RuleOrder(WriteModel):
    rule_ids: list[Id] = Field(min_length=1, max_length=MAX_RULES)


class RuleTicket(ReadModel):
    id: int
    number: int
    subject: str
    state: TicketState
    status_id: int | None = Field(
        default=None, description="Its custom status (a ticket status's id); null: the plain one"
    )
    inbox_id: int


class DryRunRead(ReadModel):
    tickets: list[RuleTicket] = Field(description="At most 50, oldest ticket first")
    more: bool = Field(description="More tickets match than are listed")
    checked: int = Field(description="How many tickets were looked at")
    timed: bool = Field(
        description="true: the tickets due now, that the rule would run on within a minute of "
        "being saved. false: tickets that match the conditions now, among the most recently "
        "updated; the rule runs on a ticket only when its event happens."
    )


class RuleRunRead(ReadModel):
    id: int
    ticket: RuleTicket
    outcome: Literal["done", "unchanged", "failed", "stopped", "claimed"]
    applied: list[str]
    error: str | None
    ran_at: datetime
