"""Time entries and timers as the API reads and writes them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from frontdesk.kit.schemas import FROM_STRING, ReadModel, WriteModel, shown_not_nullable
from frontdesk.timetracking.models import MAX_MINUTES, MAX_NOTE

Minutes = Annotated[
    int,
    Field(
        ge=1,
        le=MAX_MINUTES,
        description=f'Whole minutes, 1 to {MAX_MINUTES} (24 hours). The desk reads "90", '
        '"1h 30m" and "1:30" and sends minutes.',
    ),
]
Note = Annotated[
    str, Field(max_length=MAX_NOTE, description="Plain text; shown escaped, never as HTML.")
]
Day = Annotated[
    date,
    FROM_STRING,
    Field(description="The day worked (YYYY-MM-DD), between 2000-01-01 and tomorrow."),
]


class AgentRef(ReadModel):
    id: int
    name: str


class TimeEntryRead(ReadModel):
    id: int
    ticket_id: int
    user: AgentRef | None = Field(
        description="Who logged it (a deactivated agent's entries keep their name)."
    )
    minutes: int
    day: date
    note: str
    billable: bool
    created_at: datetime
    updated_at: datetime


class TimeEntryCreate(WriteModel):
    minutes: Minutes
    day: Day | None = Field(
        default=None,
        description="Default: today on the agent's clock (their time zone preference, else UTC).",
    )
    note: Note = ""
    billable: bool = True


# What to send instead of null, for the fields of an entry's PATCH (none can be null).
NOT_NULL = {
    "minutes": "minutes cannot be null: leave the field out to keep them.",
    "day": "day cannot be null: leave the field out to keep it.",
    "note": 'note cannot be null: send "" to clear it, or leave the field out to keep it.',
    "billable": "billable is true or false, not null: leave the field out to keep it.",
}


class TimeEntryUpdate(WriteModel):
    """Only the fields given change; null is refused (422), for every field."""

    model_config = ConfigDict(json_schema_extra=shown_not_nullable(*NOT_NULL))

    minutes: Minutes | None = None
    day: Day | None = None
    note: Note | None = None
    billable: bool | None = None

    @field_validator(*NOT_NULL, mode="before")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        # Only a null that was sent reaches a validator: a field left out keeps its default.
        if value is None:
            raise PydanticCustomError("null_refused", NOT_NULL[str(info.field_name)])
        return value


class TimeEntryList(ReadModel):
    entries: list[TimeEntryRead] = Field(description="A page of them, newest day first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
    time_spent_minutes: int = Field(
        description="The ticket's total, every entry's minutes (not only this page's)."
    )
    billable_minutes: int


class TimerRead(ReadModel):
    ticket_id: int
    ticket_number: int | None = Field(description="Null when `gone`.")
    subject: str | None = Field(description="Null when `gone`.")
    gone: bool = Field(
        description="Its ticket is no longer one you see (moved to another inbox, or you left "
        "its inbox): its time cannot be logged; discard it (`DELETE /me/timer`), or start a "
        "timer elsewhere, which discards it."
    )
    started_at: datetime
    elapsed_seconds: int = Field(description="On the server's clock when it answered.")


class TimerState(ReadModel):
    timer: TimerRead | None = Field(description="The agent's running timer; null: none runs.")


class TimerStop(WriteModel):
    minutes: Minutes | None = Field(
        default=None,
        description="The time really worked, logged instead of the timer's; needed for a timer "
        "that ran more than 8 hours (409 `timer_too_long` without).",
    )
    note: Note = ""
    billable: bool = True
    day: Day | None = Field(
        default=None, description="Default: the day the timer started, on the agent's clock."
    )


class TimerStopped(ReadModel):
    entry: TimeEntryRead = Field(description="The entry the timer logged.")
    time_spent_minutes: int = Field(description="The ticket's total now.")


class TimerDiscarded(ReadModel):
    ticket_id: int
    minutes: int = Field(description="How long it had run: not logged anywhere.")


class TimerStarted(ReadModel):
    timer: TimerRead
    stopped: TimerStopped | None = Field(
        description="The timer that was running on another ticket, stopped and logged; null "
        "when none ran."
    )
    discarded: TimerDiscarded | None = Field(
        default=None,
        description="The timer that was running on a ticket whose time cannot be logged (no "
        "longer one you see, or spam), discarded; null otherwise.",
    )
