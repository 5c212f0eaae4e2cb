"""Customer organisations (docs/desk.md, "Organisations").

- `organisations`: a company's name (unique once folded: `name_key`, as labels'), its notes.
  Ids never reused: the desk's URLs and audit entries name them.
- `organisation_domains`: the email domains whose new customers join an organisation, each
  domain one organisation's at most (the key); gone with their organisation. While the
  customers who already had an address at a domain just added are joined, a batch a
  transaction, `backfill_after` and `backfill_until` say how far along the email contacts it
  is (both null when done; a partial index finds the few pending).
- `customers.organisation_id`: the organisation a customer belongs to, `ON DELETE SET NULL`
  (deleting an organisation keeps its customers), indexed where set; and
  `customers.organisation_by_hand`, true when an agent chose it (or chose none), which domains
  then leave alone.

On SQLite `customers` is rebuilt from its own stored text as 0065 rebuilds a table (its
AUTOINCREMENT key, indexes, search triggers and sequence kept): a foreign key added in place
could only be the column's own constraint, which SQLite's reflection reads without its name.

Revision ID: 0084
Revises: 0083
Create Date: 2026-12-13 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base
from frontdesk.db.migrations.rebuild import rebuild_sqlite_table

revision = "0084"
down_revision = "0083"
branch_labels = None
depends_on = None

TABLE = "customers"
FOREIGN_KEY = "fk_customers_organisation_id_organisations"
INDEX = "ix_customers_organisation"
WHERE_SET = sa.text("organisation_id IS NOT NULL")
NEW_COLUMNS = ("organisation_id", "organisation_by_hand")

COLUMNS = ("\torganisation_id INTEGER", "\torganisation_by_hand BOOLEAN DEFAULT 0 NOT NULL")
CONSTRAINT = (
    f"\tCONSTRAINT {FOREIGN_KEY} FOREIGN KEY(organisation_id) REFERENCES organisations (id)"
    " ON DELETE SET NULL"
)


def _with_organisation(items: list[str]) -> list[str]:
    first = next(i for i, item in enumerate(items) if item.startswith("\tCONSTRAINT "))
    return [*items[:first], *COLUMNS, *items[first:], CONSTRAINT]


def _without_organisation(items: list[str]) -> list[str]:
    return [item for item in items if item not in (*COLUMNS, CONSTRAINT)]


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=64), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name_key", name=op.f("uq_organisations_name_key")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_organisations_name", "organisations", ["name"])
    op.create_table(
        "organisation_domains",
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("backfill_after", sa.Integer(), nullable=True),
        sa.Column("backfill_until", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_domains_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_organisation_domains")),
    )
    op.create_index(
        "ix_organisation_domains_organisation_id", "organisation_domains", ["organisation_id"]
    )
    op.create_index(
        "ix_organisation_domains_pending",
        "organisation_domains",
        ["backfill_until"],
        sqlite_where=sa.text("backfill_until IS NOT NULL"),
        postgresql_where=sa.text("backfill_until IS NOT NULL"),
    )
    if op.get_bind().dialect.name == "sqlite":
        rebuild_sqlite_table(TABLE, _with_organisation, new_columns=NEW_COLUMNS)
    else:
        op.add_column(TABLE, sa.Column("organisation_id", sa.Integer()))
        op.add_column(
            TABLE,
            sa.Column(
                "organisation_by_hand", sa.Boolean(), server_default=sa.false(), nullable=False
            ),
        )
        op.create_foreign_key(
            FOREIGN_KEY, TABLE, "organisations", ["organisation_id"], ["id"], ondelete="SET NULL"
        )
    op.create_index(
        INDEX, TABLE, ["organisation_id"], sqlite_where=WHERE_SET, postgresql_where=WHERE_SET
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    if op.get_bind().dialect.name == "sqlite":
        rebuild_sqlite_table(TABLE, _without_organisation, new_columns=NEW_COLUMNS)
    else:
        op.drop_constraint(FOREIGN_KEY, TABLE, type_="foreignkey")
        op.drop_column(TABLE, "organisation_by_hand")
        op.drop_column(TABLE, "organisation_id")
    op.drop_index("ix_organisation_domains_pending", table_name="organisation_domains")
    op.drop_index("ix_organisation_domains_organisation_id", table_name="organisation_domains")
    op.drop_table("organisation_domains")
    op.drop_index("ix_organisations_name", table_name="organisations")
    op.drop_table("organisations")
