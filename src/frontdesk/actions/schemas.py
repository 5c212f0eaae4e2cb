from __future__ import annotations

from typing import Any

from pydantic import Field

from frontdesk.actions.kinds import Actions
from frontdesk.actions.service import MAX_TICKETS, Outcome
from frontdesk.kit.schemas import Id, ReadModel, WriteModel
from frontdesk.tickets.models import TicketState


class ActionsApply(WriteModel):
    actions: Actions = Field(description="Applied in order, each type at most once; all or none.")


class BulkApply(WriteModel):
    ticket_ids: list[Id] = Field(min_length=1, max_length=MAX_TICKETS)
    actions: Actions


class TicketBrief(ReadModel):
    id: int
    number: int
    state: TicketState
    assignee_id: int | None


class OutcomeRead(ReadModel):
    ticket_id: int
    ok: bool = Field(description="false: refused, nothing of it was applied to this ticket")
    applied: list[str] = Field(
        description="The types of the actions that changed the ticket; an action that found "
        "the ticket as asked already is left out."
    )
    skipped: list[str] = Field(
        default_factory=list,
        description="The types of the actions left out because their work was just done: "
        "`reply` when the ticket's newest message is this same macro's reply, sent less than 5 "
        "minutes ago (two agents applying it at once, a double click): the customer does not "
        "get it twice.",
    )
    ticket: TicketBrief | None = Field(description="The ticket afterwards; null when refused")
    error: dict[str, Any] | None = Field(
        description="Why it was refused: the usual error shape (`code`, `message`, `fields`)."
    )

    @classmethod
    def of(cls, outcome: Outcome) -> OutcomeRead:
        return cls(
            ticket_id=outcome.ticket_id,
            ok=outcome.error is None,
            applied=outcome.applied,
            skipped=outcome.skipped,
            ticket=TicketBrief.model_validate(outcome.ticket) if outcome.ticket else None,
            error=outcome.error.to_dict() if outcome.error else None,
        )


class BulkResult(ReadModel):
    done: int = Field(description="How many tickets the actions were applied to")
    refused: int
    results: list[OutcomeRead] = Field(description="One per ticket, in the order asked")

    @classmethod
    def of(cls, outcomes: list[Outcome]) -> BulkResult:
        refused = sum(1 for outcome in outcomes if outcome.error is not None)
        return cls(
            done=len(outcomes) - refused,
            refused=refused,
            results=[OutcomeRead.of(outcome) for outcome in outcomes],
        )
