"""What crosses HTTP for ratings: the agents' reads, the visitor's rating, an inbox's settings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from frontdesk.kit.schemas import FROM_STRING, ReadModel, WriteModel
from frontdesk.ratings.models import RatingChannel, RatingScore

Comment = Annotated[str, Field(max_length=2000)]


class RatingRead(ReadModel):
    id: int
    ticket_id: int
    chat_id: int | None
    customer_id: int
    inbox_id: int
    agent_ids: list[int] = []
    score: RatingScore
    comment: str
    channel: RatingChannel
    created_at: datetime
    updated_at: datetime
    changeable_until: datetime


class RatingPage(ReadModel):
    items: list[RatingRead]
    # Pass as `before_id` for the next (older) page; null on the last page.
    next_before_id: int | None


class RatingSettingsRead(ReadModel):
    inbox_id: int
    chat_enabled: bool
    email_enabled: bool
    question: str
    email_delay_minutes: int


class RatingSettingsUpdate(WriteModel):
    chat_enabled: bool | None = None
    email_enabled: bool | None = None
    question: Annotated[str, Field(max_length=200)] | None = None
    email_delay_minutes: Annotated[int, Field(ge=0, le=43200)] | None = None


class VisitorRating(ReadModel):
    score: RatingScore
    comment: str
    changeable_until: datetime


class VisitorRatingOffer(ReadModel):
    """Whether the messenger asks under this ended chat, with what words, and the answer given."""

    offered: bool
    question: str
    rating: VisitorRating | None


class VisitorRatingWrite(WriteModel):
    score: Annotated[RatingScore, FROM_STRING]
    # Absent: the comment stays as it was (a click on another score keeps what was written).
    comment: Comment | None = None
