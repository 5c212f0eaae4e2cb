"""The actions an agent, a macro, a bulk action or (later) a rule applies to a ticket: one typed
description each, told apart by `type`, validated once where it enters (a request, a stored
macro) and applied by one function each in `actions/service.py`."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    model_validator,
)

from frontdesk.kit.schemas import FROM_STRING, Id, InUtc, configured_length
from frontdesk.tickets.models import TicketState

MAX_ACTIONS = 10
MAX_SNOOZE_MINUTES = 365 * 24 * 60
# Long enough for any reply; the configured FRONTDESK_MAX_TEXT_LENGTH is checked when applied.
MAX_ACTION_TEXT = 100_000
ActionText = configured_length("max_text_length", least=1, bound=MAX_ACTION_TEXT)


class _Action(BaseModel):
    # Strict like every WriteModel: `false` is not 0. Stored macros are read back through the
    # same models, so an action is checked by the same rules wherever it comes from.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Assign(_Action):
    type: Literal["assign"] = "assign"
    assignee: Id | Literal["me"] | None = Field(
        description="A user's id, `me` (whoever applies it), or null to unassign."
    )


class Label(_Action):
    type: Literal["label"] = "label"
    add: list[Id] = Field(default_factory=list, max_length=50, description="Label ids to add")
    remove: list[Id] = Field(default_factory=list, max_length=50, description="Label ids to remove")

    @model_validator(mode="after")
    def _something(self) -> Label:
        if not self.add and not self.remove:
            raise ValueError("name labels to add or to remove")
        if set(self.add) & set(self.remove):
            raise ValueError("a label cannot be both added and removed")
        return self


class SetState(_Action):
    type: Literal["set_state"] = "set_state"
    state: Literal["open", "hold", "closed"] = Field(
        description="open, hold or closed; to snooze, use the snooze action."
    )

    @property
    def target(self) -> TicketState:
        return TicketState(self.state)


class SetStatus(_Action):
    type: Literal["set_status"] = "set_status"
    status_id: Id = Field(
        description="A custom ticket status (GET /api/v1/ticket-statuses), not archived: the "
        "ticket takes it and its state."
    )


class Snooze(_Action):
    type: Literal["snooze"] = "snooze"
    minutes: Annotated[int, Field(ge=1, le=MAX_SNOOZE_MINUTES)] | None = Field(
        default=None, description="Snooze for this long from the moment it is applied"
    )
    until: Annotated[AwareDatetime, FROM_STRING, InUtc] | None = Field(
        default=None, description="Or until this moment"
    )

    @model_validator(mode="after")
    def _one_end(self) -> Snooze:
        if (self.minutes is None) == (self.until is None):
            raise ValueError("give either minutes or until")
        return self


class Reply(_Action):
    type: Literal["reply"] = "reply"
    text: Annotated[str, ActionText] | None = Field(
        default=None, description="The reply's text; its {{variables}} are filled"
    )
    saved_reply_id: Id | None = Field(default=None, description="Or a saved reply to send")

    @model_validator(mode="after")
    def _one_source(self) -> Reply:
        if (self.text is None) == (self.saved_reply_id is None):
            raise ValueError("give either text or saved_reply_id")
        return self


class Note(_Action):
    type: Literal["note"] = "note"
    text: Annotated[str, ActionText]


class SetInbox(_Action):
    type: Literal["set_inbox"] = "set_inbox"
    inbox_id: Id = Field(
        description="Move the ticket to this inbox (one whoever applies it sees). An assignee "
        "who cannot see it is unassigned, unless an `assign` action follows."
    )


class SetFields(_Action):
    type: Literal["set_fields"] = "set_fields"
    fields: dict[Annotated[str, Field(max_length=40)], Any] = Field(
        min_length=1,
        max_length=50,
        description="Ticket custom field values by key, as PATCH /tickets/{id} takes them: "
        'each checked by its field\'s kind, null (or "") unsets one.',
    )


Action = Annotated[
    Assign | Label | SetState | SetStatus | Snooze | Reply | Note | SetInbox | SetFields,
    Field(discriminator="type"),
]


def _once_each(actions: list[Action]) -> list[Action]:
    if not actions:
        raise ValueError("give at least one action")
    repeated = [kind for kind, n in Counter(a.type for a in actions).items() if n > 1]
    if repeated:
        raise ValueError(f"each action at most once; repeated: {', '.join(repeated)}")
    kinds = {a.type for a in actions}
    if len({"set_state", "set_status", "snooze"} & kinds) > 1:
        raise ValueError("set a state, set a status or snooze: only one of them")
    return actions


# What a macro holds and a request carries: at most one action of each type, in order.
Actions = Annotated[
    list[Action], Field(min_length=1, max_length=MAX_ACTIONS), AfterValidator(_once_each)
]

STORED: TypeAdapter[list[Action]] = TypeAdapter(Actions)


def snooze_end(action: Snooze, *, now: datetime) -> datetime:
    if action.until is not None:
        return action.until
    return now + timedelta(minutes=action.minutes or 0)
