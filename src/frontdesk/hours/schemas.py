from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from frontdesk.kit.schemas import FROM_STRING, ReadModel, WriteModel

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WallTime = Annotated[
    str,
    Field(
        pattern=r"^\d{2}:\d{2}$",
        description='Local wall time "HH:MM", 00:00 to 24:00.',
        examples=["09:00"],
    ),
]


class OpenInterval(WriteModel):
    day: Day = Field(description="The day the interval starts on.")
    opens: WallTime
    closes: WallTime = Field(
        description="Not after `opens`: the interval runs overnight into the next day."
    )


class Holiday(WriteModel):
    date: Annotated[date, FROM_STRING]
    name: Annotated[str, Field(max_length=100)] = ""
    yearly: bool = Field(default=False, description="Every year on this month and day.")


class BusinessHoursUpdate(WriteModel):
    enabled: bool
    time_zone: Annotated[
        str,
        Field(
            min_length=1,
            max_length=64,
            examples=["Europe/Paris"],
            description="A Region/City name of the tz database, or UTC. Old abbreviations "
            "(EST: no daylight saving) and Etc/GMT±N (sign inverted) are refused.",
        ),
    ]
    weekly: list[OpenInterval] = Field(
        default_factory=list,
        max_length=70,
        description="At least one interval while `enabled`: on with none would never open.",
    )
    holidays: list[Holiday] = Field(default_factory=list, max_length=400)
    away_message: Annotated[str, Field(max_length=1000)] = ""


class BusinessHoursRead(ReadModel):
    inbox_id: int
    enabled: bool
    time_zone: str
    weekly: list[OpenInterval]
    holidays: list[Holiday]
    away_message: str
    open_now: bool
    next_opening_at: datetime | None = Field(
        description="When it opens next; now when open, null when it never opens."
    )
    next_closing_at: datetime | None = Field(
        description="When it closes next; now when closed, null when it never closes."
    )
