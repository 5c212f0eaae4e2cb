"""A user's subscription to the Reports page by email (docs/reports.md, "Reports by email").

The filter is the page's own (inbox, channel, agent, label); the period is not kept, it is the
day or week before each sending. `next_due_at` is when the next email is due (UTC), worked out
in the user's time zone at the chosen hour (report_emails/schedule.py); the round that sends it
claims it by moving it on (report_emails/sending.py). The user's rows go with their account
(accounts are deactivated, never deleted); a label's with the label (a filter that names it
would otherwise widen to every conversation). Ids never reused: the unsubscribe links name
them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, Timestamped, enum_column, index_where_set
from frontdesk.metrics.models import Channel

# Subscriptions one user may have: a lead's few reports, not a mailing list.
MAX_PER_USER = 20
DEFAULT_HOUR = 8


class Frequency(enum.StrEnum):
    daily = "daily"  # each morning, the day before
    weekly = "weekly"  # Monday morning, the week before (Monday to Sunday)


class ReportSubscription(Timestamped, Base):
    __tablename__ = "report_subscriptions"
    __table_args__ = (
        # The round reads only the due rows: an index range, however many subscriptions.
        Index("ix_report_subscriptions_next_due_at", "next_due_at"),
        # A label deleted takes its subscriptions with it (the cascade finds them here).
        index_where_set("ix_report_subscriptions_label_id", "label_id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency))
    # The local hour (0-23) the email is due at, in the user's zone.
    hour: Mapped[int] = mapped_column(default=DEFAULT_HOUR)
    # The zone the desk showed when subscribing (the browser's): used while the user has no time
    # zone preference of their own.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The desk's language when subscribing: used while the user has no language preference.
    language: Mapped[str] = mapped_column(String(8), default="en")
    # The Reports page's filters, as its parameters (reports/service.py `ReportFilter`).
    inbox_id: Mapped[int | None] = mapped_column(ForeignKey("inboxes.id"))
    channel: Mapped[Channel | None] = mapped_column(enum_column(Channel))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    label_id: Mapped[int | None] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"))
    next_due_at: Mapped[datetime]
    last_sent_at: Mapped[datetime | None]
    # Signs the unsubscribe links (report_emails/links.py).
    nonce: Mapped[str] = mapped_column(String(32))
