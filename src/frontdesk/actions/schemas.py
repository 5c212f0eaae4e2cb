from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, Field, Strict, model_validator

from frontdesk.actions.kinds import Actions
from frontdesk.actions.service import MAX_TICKETS, Outcome
from frontdesk.kit.schemas import FROM_STRING, Id, InUtc, ReadModel, Seq, WriteModel
from frontdesk.tickets.models import TicketState
from frontdesk.tickets.service import AfterReply

# A ticket's id as the key of a JSON object: a string there.
TicketKey = Annotated[Id, Strict(False)]
Moment = Annotated[AwareDatetime, FROM_STRING, InUtc]

STALE = (
    "If the ticket has newer public entries (a customer message, another reply, a transcript) "
    "and the actions send a reply, the actions are refused with 409 `stale_thread` and "
    "`new_entries` listing them, as a reply is. Omitted: no check."
)
SEEN_ENTRY_IDS = (
    'For some of the tickets (`{"806": 5120}`), the id of the newest entry you saw of it: '
    "from a ticket list, its row's `last_public_entry_id` (0 when null). "
    + STALE.replace("the actions are refused", "that ticket is refused")
)
SEEN_UPDATED_AT = (
    "Deprecated: send `seen_entry_ids` with each list row's `last_public_entry_id`. "
    'For some of the tickets (`{"806": "2026-12-05T13:40:00.123456Z"}`), its `updated_at` '
    "as the ticket list you chose it from showed it. "
    "The ticket is refused (409 `stale_thread`, counted in `stale`) when its thread gained "
    "public entries after that moment and the actions send a reply; labels, an assignee or a "
    "state changed since do not count. Tickets not named are not checked. The weaker check: "
    "it compares clock readings, and on PostgreSQL a message committed just after the list "
    "was read can carry a time not later than the one the list showed (docs/api.md)."
)
# Marked deprecated in the OpenAPI document only: pydantic's own `deprecated` warns on each
# read of the field, which the service still does.
DEPRECATED: dict[str, Any] = {"deprecated": True}


def only_listed(ticket_ids: Iterable[int], **named: Iterable[int]) -> None:
    """Per-ticket maps may name only tickets of `ticket_ids`: another is a mistake."""
    for field, keys in named.items():
        others = sorted(set(keys) - set(ticket_ids))
        if others:
            raise ValueError(
                f"{field} names tickets that are not in ticket_ids: "
                + ", ".join(str(ticket_id) for ticket_id in others)
            )


class ActionsApply(WriteModel):
    actions: Actions = Field(description="Applied in order, each type at most once; all or none.")
    seen_entry_id: Seq | None = Field(
        default=None, description=f"The id of the newest entry of the ticket you saw. {STALE}"
    )


class BulkApply(WriteModel):
    ticket_ids: list[Id] = Field(min_length=1, max_length=MAX_TICKETS)
    actions: Actions
    seen_entry_ids: dict[TicketKey, Seq] = Field(
        default_factory=dict, description=f"{SEEN_ENTRY_IDS} Tickets not named are not checked."
    )
    seen_updated_at: dict[TicketKey, Moment] = Field(
        default_factory=dict, description=SEEN_UPDATED_AT, json_schema_extra=DEPRECATED
    )

    @model_validator(mode="after")
    def _named_tickets(self) -> BulkApply:
        only_listed(
            self.ticket_ids,
            seen_entry_ids=self.seen_entry_ids,
            seen_updated_at=self.seen_updated_at,
        )
        return self


class TicketBrief(ReadModel):
    id: int
    number: int
    state: TicketState
    assignee_id: int | None


class DraftRead(ReadModel):
    text: str = Field(description="The reply, its variables filled for this ticket.")
    then: AfterReply = Field(
        description="The state the macro sets, as the reply's `then` (`close` for a macro that "
        "closes the ticket); `send` when it sets none or snoozes."
    )
    snooze_until: datetime | None = Field(
        default=None,
        description="For a macro that snoozes the ticket: when the snooze ends, to send with "
        "the reply (its `snooze_until`, with `then: send`); the ticket is not snoozed until the "
        "reply goes. null otherwise.",
    )


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
    draft: DraftRead | None = Field(
        default=None,
        description="Applied with `reply: draft`: the macro's reply, not sent, for the agent to "
        "edit and send; null otherwise.",
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
            draft=DraftRead(
                text=outcome.draft.text,
                then=outcome.draft.then,
                snooze_until=outcome.draft.snooze_until,
            )
            if outcome.draft is not None
            else None,
            ticket=TicketBrief.model_validate(outcome.ticket) if outcome.ticket else None,
            error=outcome.error.to_dict() if outcome.error else None,
        )


class BulkResult(ReadModel):
    done: int = Field(description="How many tickets the actions were applied to")
    refused: int
    stale: int = Field(
        default=0,
        description="How many of the refused were refused because their thread gained messages "
        "since you saw them (`stale_thread`): nothing was done to them.",
    )
    results: list[OutcomeRead] = Field(description="One per ticket, in the order asked")

    @classmethod
    def of(cls, outcomes: list[Outcome]) -> BulkResult:
        refused = sum(1 for outcome in outcomes if outcome.error is not None)
        stale = sum(
            1
            for outcome in outcomes
            if outcome.error is not None and outcome.error.code == "stale_thread"
        )
        return cls(
            done=len(outcomes) - refused,
            refused=refused,
            stale=stale,
            results=[OutcomeRead.of(outcome) for outcome in outcomes],
        )
