from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, model_validator

from frontdesk.actions.kinds import Action, Actions
from frontdesk.actions.schemas import (
    DEPRECATED,
    SEEN_UPDATED_AT,
    Moment,
    TicketKey,
    only_listed,
)
from frontdesk.actions.service import MAX_TICKETS
from frontdesk.kit.schemas import Id, ReadModel, Seq, WriteModel
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


SEEN = (
    "If the ticket has newer public entries (a customer message, another reply, a transcript) "
    "and the macro sends a reply, the macro is refused with 409 `stale_thread` and "
    "`new_entries` listing them, as a reply is; apply again with the newest of those ids to "
    "confirm. Omitted: no check."
)


class MacroApply(WriteModel):
    ticket_id: Id
    seen_entry_id: Seq | None = Field(
        default=None, description=f"The id of the newest entry of the ticket you saw. {SEEN}"
    )
    reply: Literal["send", "draft"] = Field(
        default="send",
        description="`send`: the macro's reply goes to the customer with its other actions. "
        "`draft`: it is not sent but comes back in `draft`, filled, for the agent to edit and "
        "send from the reply box, with the state the macro sets as its `then` (a snooze as "
        "its `snooze_until`); the macro's other actions apply (the desk's way). A draft is "
        "not checked against `seen_entry_id`: the reply box's own send is.",
    )


class MacroApplyMany(WriteModel):
    ticket_ids: list[Id] = Field(min_length=1, max_length=MAX_TICKETS)
    seen_entry_ids: dict[TicketKey, Seq] = Field(
        default_factory=dict,
        description='For some of the tickets (`{"806": 5120}`), the id of the newest entry '
        "you saw of it: from a ticket list, its row's `last_public_entry_id` (0 when null). "
        f"{SEEN.replace('the macro is refused', 'that ticket is refused')} "
        "Tickets not named are not checked.",
    )
    seen_updated_at: dict[TicketKey, Moment] = Field(
        default_factory=dict, description=SEEN_UPDATED_AT, json_schema_extra=DEPRECATED
    )

    @model_validator(mode="after")
    def _named_tickets(self) -> MacroApplyMany:
        only_listed(
            self.ticket_ids,
            seen_entry_ids=self.seen_entry_ids,
            seen_updated_at=self.seen_updated_at,
        )
        return self
