"""Report subscriptions as the API reads and writes them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from frontdesk.kit.schemas import FROM_STRING, Id, ReadModel, WriteModel
from frontdesk.metrics.models import Channel
from frontdesk.report_emails.models import DEFAULT_HOUR, Frequency

Hour = Annotated[int, Field(ge=0, le=23, description="The local hour the email is due at")]


class ReportSubscriptionCreate(WriteModel):
    frequency: Annotated[Frequency, FROM_STRING] = Field(
        description="daily: each morning, the day before; weekly: Monday morning, the week "
        "(Monday to Sunday) before"
    )
    hour: Hour = DEFAULT_HOUR
    time_zone: str | None = Field(
        None,
        max_length=64,
        description="IANA zone used while the user has no time zone preference (the desk sends "
        "its own); default: the preference, or UTC",
    )
    language: str | None = Field(
        None, max_length=8, description="en or fr, used while the user has no language preference"
    )
    inbox_id: Id | None = None
    channel: Annotated[Channel, FROM_STRING] | None = None
    agent_id: Id | None = Field(None, description="Ignored for agents: always themselves")
    label_id: Id | None = None


class ReportSubscriptionUpdate(WriteModel):
    frequency: Annotated[Frequency, FROM_STRING] | None = None
    hour: Hour | None = None


class ReportSubscriptionRead(ReadModel):
    id: int
    frequency: Frequency
    hour: int
    time_zone: str = Field(description="The zone the email's hour and period are read in")
    inbox_id: int | None
    channel: Channel | None
    agent_id: int | None
    label_id: int | None
    next_due_at: datetime = Field(description="When the next email is due")
    last_sent_at: datetime | None
    created_at: datetime
