"""Report moments in business hours (docs/reports.md, "Business hours").

- `metric_moments.business_seconds`: what a `first_response`, `response` or `solved` moment
  measures, counted in the business hours of its inbox (every second for an inbox with business
  hours off), written with the moment from now on (metrics/record.py). Null on the other kinds
  and on a moment without seconds.
- Filled here for the moments already stored, from each inbox's calendar **as it is today**:
  no record of earlier hours is kept, so a moment of last year is counted in this year's hours
  (decided 2026-12-07; a lead who changed their hours reads the old weeks in the new ones). An
  inbox without hours, or with them off: the moment's own seconds.

- `ix_metric_moments_business` (kind, quarter, last_close, inbox_id, channel, user_id,
  business_seconds) where set: the times report reads a range's business seconds from it alone
  and ranks them; no histogram holds them (docs/performance.md, "Business hours"). Made after
  the fill, so that the fill's UPDATEs do not move it row by row.

The column is added, never the table rebuilt (SQLite's ALTER TABLE ADD COLUMN): the moments'
triggers (roll-ups, histograms, last close, answered, replied) stay as they are, and none of them
watches this column, so the fill's UPDATEs move no roll-up.

Revision ID: 0099
Revises: 0098
Create Date: 2026-12-18 16:00:00.000000
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base
from frontdesk.hours.service import stored_calendar

revision = "0099"
down_revision = "0098"
branch_labels = None
depends_on = None

# metrics/models.py BUSINESS_KINDS, as of this revision.
KINDS = ("first_response", "response", "solved")
_BATCH = 2000
INDEX = "ix_metric_moments_business"
SET = sa.text("business_seconds IS NOT NULL")

_dt = frontdesk.db.base.UTCDateTime(timezone=True)
moments = sa.table(
    "metric_moments",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("at", _dt),
    sa.column("inbox_id", sa.Integer),
    sa.column("seconds", sa.Float),
    sa.column("business_seconds", sa.Float),
)
hours = sa.table(
    "business_hours",
    sa.column("inbox_id", sa.Integer),
    sa.column("enabled", sa.Boolean),
    sa.column("time_zone", sa.String),
    sa.column("weekly", frontdesk.db.base.JSONType),
    sa.column("holidays", frontdesk.db.base.JSONType),
)


def upgrade() -> None:
    op.add_column("metric_moments", sa.Column("business_seconds", sa.Float(), nullable=True))
    bind = op.get_bind()
    timed = sa.and_(moments.c.kind.in_(KINDS), moments.c.seconds.is_not(None))
    with_hours = sa.select(hours.c.inbox_id).where(hours.c.enabled == sa.true())
    # Always open: every second counts.
    bind.execute(
        moments.update()
        .where(timed, moments.c.inbox_id.not_in(with_hours))
        .values(business_seconds=moments.c.seconds)
    )
    rows = bind.execute(
        sa.select(
            hours.c.inbox_id, hours.c.enabled, hours.c.time_zone, hours.c.weekly, hours.c.holidays
        ).where(hours.c.enabled == sa.true())
    ).all()
    fill = (
        moments.update()
        .where(moments.c.id == sa.bindparam("moment_id"))
        .values(business_seconds=sa.bindparam("value"))
    )
    for inbox_id, enabled, time_zone, weekly, holidays in rows:
        calendar = stored_calendar(bool(enabled), time_zone, weekly or [], holidays or [])
        after = 0
        while True:
            # By id, a batch at a time: a year of an inbox's moments is never in memory at once.
            batch = bind.execute(
                sa.select(moments.c.id, moments.c.at, moments.c.seconds)
                .where(timed, moments.c.inbox_id == inbox_id, moments.c.id > after)
                .order_by(moments.c.id)
                .limit(_BATCH)
            ).all()
            if not batch:
                break
            # The span the moment measured ended at its instant and began `seconds` before
            # (metrics/record.py: the seconds are never negative).
            values = [
                {
                    "moment_id": moment_id,
                    "value": max(
                        calendar.business_seconds_between(at - timedelta(seconds=seconds), at),
                        0.0,
                    ),
                }
                for moment_id, at, seconds in batch
            ]
            bind.execute(fill, values)
            after = batch[-1][0]
    op.create_index(
        INDEX,
        "metric_moments",
        ["kind", "quarter", "last_close", "inbox_id", "channel", "user_id", "business_seconds"],
        sqlite_where=SET,
        postgresql_where=SET,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="metric_moments")
    op.drop_column("metric_moments", "business_seconds")
