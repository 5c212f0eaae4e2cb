"""Which conversations' moments belong to an agent: a created moment or a missed chat is an
agent's when they answered in that conversation (a response or a chat join, at any time;
docs/reports.md). `metric_answered` holds one row per such (agent, moment), with what volume,
busiest hours and missed chats count by, so that the agent filter reads an index range of the
agent's own rows instead of probing a year of every conversation's moments."""

from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base
from frontdesk.metrics.models import MomentKind

# The moments that belong to the conversation rather than to an acting agent, which the reports
# filter by agent (the customer's messages are not reported, so not kept).
BELONGING = (MomentKind.created, MomentKind.chat_unanswered)
# The moments by which an agent takes part in a conversation.
ANSWERING = (MomentKind.response, MomentKind.chat_joined)


class AnsweredMoment(Base):
    """One moment of kind BELONGING and one agent who answered in its conversation: its chat
    (when it has one), else its ticket. Kept by triggers on `metric_moments` (migration 0036):
    a response or a join adds the conversation's moments for its agent, a moment adds itself
    for every agent who answered; deleting or changing either (cascades and `SET NULL` on a
    deleted agent included) takes away what nothing else justifies, in the same transaction."""

    __tablename__ = "metric_answered"
    # SQLite keeps the rows in the key's order: an agent's year of one kind is one contiguous
    # read, and the key holds every column the counts need.
    __table_args__ = (
        Index("ix_metric_answered_moment", "moment_id"),
        {"sqlite_with_rowid": False},
    )

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    quarter: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    inbox_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    moment_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
