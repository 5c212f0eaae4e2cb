"""Webhooks for customers, and a signing secret rotated without downtime.

- `webhook_deliveries.customer_id`: the customer a `customer.*` event is about, `ON DELETE
  CASCADE` as the ticket and chat are (0050): such a payload holds the customer's name,
  addresses and notes, and goes when the customer is erased.
- `webhook_subscriptions.previous_secret` and `previous_secret_until`: the secret a rotation
  replaced still signs every delivery (a second `v1=`) until then (docs/webhooks.md, "Rotating
  the secret").

The subscriptions' columns are added in place (SQLite's ALTER TABLE ADD COLUMN). On SQLite the
deliveries' table is rebuilt from its own stored text as 0056 rebuilds tables (its AUTOINCREMENT
key, indexes and triggers kept, and its sequence): a foreign key added in place could only be the
column's own constraint, which SQLite's reflection reads without its name or `ON DELETE`.

Revision ID: 0065
Revises: 0064
Create Date: 2026-12-06 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base
from frontdesk.db.migrations.rebuild import rebuild_sqlite_table

revision = "0065"
down_revision = "0064"
branch_labels = None
depends_on = None

TABLE = "webhook_deliveries"
FOREIGN_KEY = "fk_webhook_deliveries_customer_id_customers"
INDEX = "ix_webhook_deliveries_customer_id"


CONSTRAINT = (
    f"\tCONSTRAINT {FOREIGN_KEY} FOREIGN KEY(customer_id) REFERENCES customers (id)"
    " ON DELETE CASCADE"
)
COLUMN = "\tcustomer_id INTEGER"


def _with_customer(items: list[str]) -> list[str]:
    first = next(i for i, item in enumerate(items) if item.startswith("\tCONSTRAINT "))
    return [*items[:first], COLUMN, *items[first:], CONSTRAINT]


def _without_customer(items: list[str]) -> list[str]:
    return [item for item in items if item not in (COLUMN, CONSTRAINT)]


def upgrade() -> None:
    op.add_column("webhook_subscriptions", sa.Column("previous_secret", sa.String(100)))
    op.add_column(
        "webhook_subscriptions",
        sa.Column("previous_secret_until", frontdesk.db.base.UTCDateTime(timezone=True)),
    )
    if op.get_bind().dialect.name == "sqlite":
        rebuild_sqlite_table(TABLE, _with_customer, new_columns=("customer_id",))
    else:
        op.add_column(TABLE, sa.Column("customer_id", sa.Integer()))
        op.create_foreign_key(
            FOREIGN_KEY, TABLE, "customers", ["customer_id"], ["id"], ondelete="CASCADE"
        )
    op.create_index(
        INDEX,
        TABLE,
        ["customer_id"],
        sqlite_where=sa.text("customer_id IS NOT NULL"),
        postgresql_where=sa.text("customer_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    if op.get_bind().dialect.name == "sqlite":
        rebuild_sqlite_table(TABLE, _without_customer, new_columns=("customer_id",))
    else:
        op.drop_constraint(FOREIGN_KEY, TABLE, type_="foreignkey")
        op.drop_column(TABLE, "customer_id")
    op.drop_column("webhook_subscriptions", "previous_secret_until")
    op.drop_column("webhook_subscriptions", "previous_secret")
