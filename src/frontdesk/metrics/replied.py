"""Which tickets each agent replied to, and when first and last: one row per (agent, ticket,
inbox, channel) with the quarter hours of the agent's first and last response there, and the
same per inbox for every channel (`channel` ''), per channel for every inbox (`inbox_id` 0) and
for every inbox and channel (both). The agents report's "tickets replied" (distinct tickets
with a response of the agent in the range) is then a count of rows, not a distinct count over a
year of responses: a row counts when its first or last response is in the range, or when the
range lies between the two and a response of the agent falls in it (looked up for those few
rows only). Kept by triggers on `metric_moments` (migration 0039)."""

from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base

# `inbox_id` and `channel` of the rows that hold every inbox, every channel.
EVERY_INBOX = 0
EVERY_CHANNEL = ""


class RepliedTicket(Base):
    """An agent's responses to one ticket (in one inbox and channel, or every): the first and
    the last quarter hour. A response inserted widens the row (an upsert, safe under concurrent
    writers); a response deleted or changed (cascades, `SET NULL` on a deleted agent, a merge)
    makes the trigger rebuild the agent's rows of that ticket from the moments."""

    __tablename__ = "metric_replied"
    __table_args__ = (
        # The report reads one (inbox, channel) slice, each agent's rows from a last response
        # on, without the table (covering; index-only on PostgreSQL once vacuumed).
        Index(
            "ix_metric_replied_slice",
            "inbox_id",
            "channel",
            "user_id",
            "last_quarter",
            "first_quarter",
            "ticket_id",
        ),
    )

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    ticket_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    inbox_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    first_quarter: Mapped[int]
    last_quarter: Mapped[int]
