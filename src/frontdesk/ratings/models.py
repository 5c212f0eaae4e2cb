"""Satisfaction ratings: what a customer said about a chat or a closed ticket (a metric moment,
kept as it was given), the email requests that ask for them, and each inbox's settings."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, enum_column, index_where_set
from frontdesk.kit.clock import utcnow


class RatingScore(enum.StrEnum):
    good = "good"
    okay = "okay"
    bad = "bad"


class RatingChannel(enum.StrEnum):
    chat = "chat"  # asked in the messenger when the chat ended
    email = "email"  # a link of the email sent after the ticket was closed


class RequestState(enum.StrEnum):
    sent = "sent"  # the email is in the outbox
    # Due, but not mailed: nobody may be mailed (unverified, no address), or the ticket was asked
    # less than ASK_AGAIN_AFTER before this closing.
    skipped = "skipped"


class RatingSettings(Base):
    """An inbox's choices; an inbox without a row asks in the messenger and sends no email."""

    __tablename__ = "rating_settings"

    inbox_id: Mapped[int] = mapped_column(
        ForeignKey("inboxes.id", ondelete="CASCADE"), primary_key=True
    )
    chat_enabled: Mapped[bool] = mapped_column(default=True)
    email_enabled: Mapped[bool] = mapped_column(default=False)
    # Empty: the messenger's and the email's own words in the customer's language.
    question: Mapped[str] = mapped_column(String(200), default="")
    email_delay_minutes: Mapped[int] = mapped_column(default=60)
    # When email was last turned on: tickets closed before it are never asked, so turning it on
    # does not mail the inbox's whole history.
    email_since: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RatingRequest(Base):
    """One email asking to rate one closing of a ticket. (ticket, closed_at) is unique, so two
    processes that find the same closed ticket write one row, and one email."""

    __tablename__ = "rating_requests"
    __table_args__ = (
        UniqueConstraint("ticket_id", "closed_at"),
        # A customer's requests go with the customer (erasure), a mail's link with the mail.
        Index("ix_rating_requests_customer", "customer_id"),
        index_where_set("ix_rating_requests_outbox", "outbox_id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    # The ticket's closed_at this request answers.
    closed_at: Mapped[datetime]
    state: Mapped[RequestState] = mapped_column(enum_column(RequestState))
    # Mixed into the links' signature: a later request for the ticket gets a new one, and
    # the links of this one stop working.
    nonce: Mapped[str] = mapped_column(String(32))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class Rating(Base):
    """One rating: of a chat (one per chat) or through an email request (one per request).
    Its score and comment may change until `changeable_until`; then it is final."""

    __tablename__ = "ratings"
    __table_args__ = (
        Index("ix_ratings_inbox_created", "inbox_id", "created_at"),
        Index("ix_ratings_ticket", "ticket_id", "created_at"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    chat_id: Mapped[int | None] = mapped_column(
        ForeignKey("chats.id", ondelete="SET NULL"), unique=True
    )
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("rating_requests.id", ondelete="SET NULL"), unique=True
    )
    # Who rated, as the ticket's customer was then (a merge later moves the ticket, not this).
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"))
    score: Mapped[RatingScore] = mapped_column(enum_column(RatingScore))
    comment: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[RatingChannel] = mapped_column(enum_column(RatingChannel))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    changeable_until: Mapped[datetime]


class RatingAgent(Base):
    """The agents a rating is about: the chat's participants, or the ticket's assignee and the
    agents who replied to the customer. A row each, so reports filter and group by agent."""

    __tablename__ = "rating_agents"

    rating_id: Mapped[int] = mapped_column(
        ForeignKey("ratings.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
