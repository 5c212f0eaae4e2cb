"""Metric moments (append-only) and each conversation's clock (what its next moment measures)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, PrimaryKeyConstraint, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base, enum_column


class MomentKind(enum.StrEnum):
    created = "created"  # a conversation began: a chat was offered, or a ticket was opened
    customer_message = "customer_message"  # the first customer message an agent has to answer
    first_response = "first_response"  # the conversation's first agent response
    response = "response"  # an agent answered the waiting customer (first response included)
    solved = "solved"  # the ticket was closed
    reopened = "reopened"  # a closed ticket was opened again
    chat_joined = "chat_joined"  # an agent joined a waiting chat: the visitor's wait ended
    chat_transferred = "chat_transferred"  # an agent took over a chat handed to them
    chat_ended = "chat_ended"  # an answered chat ended
    chat_unanswered = "chat_unanswered"  # a chat ended with nobody having joined it


# The moments whose time the reports can count in business hours (docs/reports.md): chats happen
# in business hours only, so a chat's wait (`chat_joined`, `chat_unanswered`) stays wall-clock.
BUSINESS_KINDS = frozenset({MomentKind.first_response, MomentKind.response, MomentKind.solved})


class Channel(enum.StrEnum):
    chat = "chat"
    email = "email"
    web = "web"


# Moments are bucketed by quarter hour (minutes since the epoch // 15): reports group in SQL by
# this integer and place each bucket in the viewer's time zone, which every zone's offset fits.
QUARTER_SECONDS = 900


def quarter_of(at: datetime) -> int:
    return int(at.timestamp()) // QUARTER_SECONDS


class MetricMoment(Base):
    """One moment of one conversation. Written once and never changed, except that a chat's
    moments learn their ticket's id when the chat ends and its ticket is written."""

    __tablename__ = "metric_moments"
    __table_args__ = (
        # Covering: a report over a year reads only these indexes, never the table's rows.
        Index(
            "ix_metric_moments_kind_quarter",
            "kind",
            "quarter",
            "channel",
            "inbox_id",
            "user_id",
            "seconds",
            # With the ticket, a figure's drill-down reads no table row either. (The instant
            # and the chat served reads that `last_close` and `metric_answered` have since
            # taken over; dropping them would rebuild the index for a few bytes a row.)
            "ticket_id",
            "at",
            "chat_id",
        ),
        Index(
            "ix_metric_moments_inbox_kind_quarter",
            "inbox_id",
            "kind",
            "quarter",
            "channel",
            "user_id",
            "seconds",
        ),
        # In order of seconds: a median or a 90th percentile is a walk to a rank (ORDER BY
        # seconds OFFSET n), over every agent or over one, never a sort (reports/service.py).
        # `last_close` is constant for every kind but `solved`, where it keeps the closes that
        # stuck (the resolutions) apart, in order of seconds too.
        Index(
            "ix_metric_moments_kind_seconds",
            "kind",
            "last_close",
            "seconds",
            "quarter",
            "channel",
            "inbox_id",
            "user_id",
            "ticket_id",
            "at",
        ),
        # There is no index led by the agent (migration 0044: every moment paid for one, and
        # the triggers' lookups took it for a narrow one). The agent filter's reads that the
        # roll-ups cannot answer go by kind and quarter (a range's edges: a day), by inbox
        # (with an inbox filter), and walk this one for one agent's values in order.
        Index(
            "ix_metric_moments_kind_user_seconds",
            "kind",
            "user_id",
            "seconds",
            "quarter",
            "channel",
            "inbox_id",
        ),
        # Business hours (migration 0099): the times report reads a range's business seconds
        # from this index alone and ranks them (no histogram holds them, reports/service.py);
        # only the three kinds that have them, under the filters the report takes.
        Index(
            "ix_metric_moments_business",
            "kind",
            "quarter",
            "last_close",
            "inbox_id",
            "channel",
            "user_id",
            "business_seconds",
            sqlite_where=text("business_seconds IS NOT NULL"),
            postgresql_where=text("business_seconds IS NOT NULL"),
        ),
        # The resolution's "no later close of the same ticket" probe reads only this index.
        Index("ix_metric_moments_ticket", "ticket_id", "kind", "at"),
        Index("ix_metric_moments_chat", "chat_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MomentKind] = mapped_column(enum_column(MomentKind, length=20))
    at: Mapped[datetime]
    quarter: Mapped[int]
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, length=8))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id", ondelete="SET NULL"))
    # The agent who acted (responded, joined, closed); None for the customer's moments.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # What the moment measures: first response and response time, resolution time, chat wait
    # time, how long an unanswered visitor waited; None where nothing is measured.
    seconds: Mapped[float | None] = mapped_column(Float)
    # The same span counted in the business hours of the moment's inbox, as they were when the
    # moment was written (migration 0099), for the three kinds the reports can read in business
    # hours (`BUSINESS_KINDS`); an inbox with business hours off counts every second. None on
    # the other kinds. In no trigger: no histogram holds them; read and ranked from their own
    # index (`ix_metric_moments_business`, reports/service.py).
    business_seconds: Mapped[float | None] = mapped_column(Float)
    # A close (`solved`) that no later close of the same ticket followed: a resolution. Kept by
    # triggers (migration 0035) on every insert, delete and change of kind, ticket or time, so
    # that resolutions are an index range instead of a "no later close" probe per close; always
    # false for the other kinds. A close without a ticket (its ticket deleted for privacy)
    # stuck, as no later close of "its" ticket can be found.
    last_close: Mapped[bool] = mapped_column(default=False, server_default=false())


# The roll-ups' spans, in quarter hours: a row of span s counts the moments of bucket
# `quarter // s` (UTC quarter hours, hours and days since the epoch).
QUARTER, HOUR, DAY = 1, 4, 96


class MetricCount(Base):
    """How many moments of one kind, inbox, channel and acting agent (0: none) fell in one UTC
    quarter hour, hour or day. Kept by triggers on `metric_moments` (migration 0033): every
    insert, delete (cascades included) and change of these columns moves the counts in the
    same transaction. Rows may hold 0 once their moments are gone. Reports read days and hours
    and the few quarter hours at the viewer's day and hour edges (reports/rollups.py) instead
    of a year of moments."""

    __tablename__ = "metric_counts"
    # SQLite keeps the rows in the primary key's order: a range of days is one contiguous read.
    # PostgreSQL keeps them in a heap in order of writing (a year of day rows lay on ~10,000
    # pages): the key holding `n` too lets it read them from the index alone (migration 0039).
    __table_args__ = (
        PrimaryKeyConstraint(
            "kind",
            "span",
            "bucket",
            "inbox_id",
            "channel",
            "user_id",
            name="pk_metric_counts",
            postgresql_include=["n"],
        ),
        {"sqlite_with_rowid": False},
    )

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    span: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int]


# The spans of `metric_seconds` rows, in quarter hours: a UTC day and 16 UTC days.
SPREAD_SPANS = (DAY, 16 * DAY)
# Buckets of seconds (`metric_seconds.bucket`): -1 for none (a close without seconds, counted
# for "tickets closed"), 0 for under a second, 1000 for 10^15 seconds and more, else 10 * the
# number of digits of the whole seconds + their first digit (123.4 s: 31, [100, 200)): nine
# buckets a decade, each at most twice as wide as where it starts. Computed the same way in SQL
# by the triggers (migration 0035) and in Python by `second_bucket`.
TOP_BUCKET = 1000
TOP_SECONDS = 1e15


NO_SECONDS = -1


def second_bucket(seconds: float | None) -> int:
    if seconds is None:
        return NO_SECONDS
    if seconds < 1:
        return 0
    if not seconds < TOP_SECONDS:  # NaN too, as PostgreSQL sorts it above every number
        return TOP_BUCKET
    digits = str(int(seconds))
    return 10 * len(digits) + int(digits[0])


def bucket_bounds(bucket: int) -> tuple[float | None, float | None]:
    """The seconds [low, high) of a bucket of seconds; None where it is open."""
    if bucket == 0:
        return None, 1.0
    if bucket == TOP_BUCKET:
        return TOP_SECONDS, None
    unit = 10 ** (bucket // 10 - 1)
    return float(bucket % 10 * unit), float((bucket % 10 + 1) * unit)


class MetricSeconds(Base):
    """Histograms of the seconds that the times report ranks: how many moments of one kind with
    `seconds` in one bucket fell in one UTC day or 16 days, per inbox and channel for every
    agent (`user_id` 0), and per acting agent for every inbox and channel (`inbox_id` 0,
    `channel` ''). Closes count only while they are the ticket's last (`last_close`). Kept by
    triggers on `metric_moments` (migration 0035), like `metric_counts`. A median or a 90th
    percentile is found in these small rows (which bucket holds the rank), then read exactly
    from the moments of that one bucket (reports/spreads.py)."""

    __tablename__ = "metric_seconds"
    __table_args__ = {"sqlite_with_rowid": False}

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    span: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(8), primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int]


class ConversationClock(Base):
    """Where a conversation stands: when it began, whether a customer is waiting for an answer
    since when, and whether it had its first response. A chat's clock passes to its ticket."""

    __tablename__ = "conversation_clocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int | None] = mapped_column(
        ForeignKey("chats.id", ondelete="CASCADE"), unique=True
    )
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), unique=True
    )
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, length=8))
    started_at: Mapped[datetime]
    awaiting_since: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
