"""What the reports return: one row shape per table (the same rows as their CSV files)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from frontdesk.kit.schemas import ReadModel
from frontdesk.tickets.models import TicketState, TicketType


class VolumeRow(ReadModel):
    day: str = Field(description="The day in the report's time zone (YYYY-MM-DD)")
    channel: str
    inbox_id: int
    conversations: int


class HourCell(ReadModel):
    weekday: int = Field(description="0 Monday … 6 Sunday, in the report's time zone")
    hour: int
    conversations: int


class TimeFigure(ReadModel):
    figure: str = Field(
        description="first_response, response, resolution, chat_wait or missed_chat_wait"
    )
    count: int
    median_seconds: float | None
    p90_seconds: float | None


class AgentRow(ReadModel):
    agent_id: int
    agent: str
    chats: int
    tickets_replied: int
    tickets_closed: int
    first_response_median_seconds: float | None
    first_response_p90_seconds: float | None
    ratings: int
    csat: float | None = Field(description="Share of good ratings, 0 to 1")
    online_seconds: float
    sla_breaches: int = Field(
        description="SLA breaches due in the range while the agent was the ticket's assignee"
    )


class SlaRow(ReadModel):
    target: str = Field(description="first_response, next_response or resolution")
    breaches: int = Field(description="Breaches whose due time fell in the range")


class CsatDay(ReadModel):
    day: str
    good: int
    okay: int
    bad: int
    csat: float


class CommentRow(ReadModel):
    at: str
    score: str
    comment: str
    ticket_id: int
    ticket_number: int


class ReportTicket(ReadModel):
    id: int
    number: int
    inbox_id: int
    subject: str
    type: TicketType
    state: TicketState
    assignee_id: int | None
    created_at: datetime
    closed_at: datetime | None


class TimeTrackedRow(ReadModel):
    agent_id: int | None = Field(description="Null only for an agent account deleted since")
    agent: str
    inbox_id: int
    inbox: str
    minutes: int
    billable_minutes: int
    non_billable_minutes: int


class OpenWorkRow(ReadModel):
    state: str = Field(description="open, hold or snoozed")
    status_id: int | None = Field(
        description="The custom status; null for the row of the state's plain status"
    )
    status: str = Field(description="The status's name, or the state's plain one (Open, Hold…)")
    archived: bool = Field(
        default=False, description="An archived status, listed while tickets still have it"
    )
    tickets: int = Field(description="Tickets in this state and status now")
