from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, Strict, model_validator

from frontdesk.actions.kinds import Action, Actions
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


# A ticket's id as the key of a JSON object: a string there.
TicketKey = Annotated[Id, Strict(False)]


class MacroApplyMany(WriteModel):
    ticket_ids: list[Id] = Field(min_length=1, max_length=MAX_TICKETS)
    seen_entry_ids: dict[TicketKey, Seq] = Field(
        default_factory=dict,
        description='For some of the tickets (`{"806": 5120}`), the id of the newest entry '
        f"you saw of it. {SEEN.replace('the macro is refused', 'that ticket is refused')} "
        "Tickets not named are not checked.",
    )

    @model_validator(mode="after")
    def _named_tickets(self) -> MacroApplyMany:
        others = sorted(set(self.seen_entry_ids) - set(self.ticket_ids))
        if others:
            raise ValueError(
                "seen_entry_ids names tickets that are not in ticket_ids: "
                + ", ".join(str(ticket_id) for ticket_id in others)
            )
        return self
