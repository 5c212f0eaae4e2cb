"""Custom fields for tickets and customers (docs/desk.md, "Custom fields").

- `custom_fields`: what admins define, per object (`ticket`, `customer`): a key unique per
  object, a label unique per object once folded (`label_key`, as labels' `name_key`), a kind,
  a list's options, a position and whether it is archived; ids never reused (audit entries
  name them).
- `ticket_field_values`, `customer_field_values`: one row per record and field set, the value
  in `text` (text, option, date) or `number` (number, ticked checkbox), indexed by field then
  value so that a filter by value is an index range; gone with their record or field (the
  cascades).

Revision ID: 0072
Revises: 0071
Create Date: 2026-12-08 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import frontdesk.db.base

revision = "0072"
down_revision = "0071"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def _values_table(table: str, owner: str, owners: str) -> None:
    op.create_table(
        table,
        sa.Column(owner, sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=True),
        sa.Column("number", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["custom_fields.id"],
            name=op.f(f"fk_{table}_field_id_custom_fields"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            [owner], [f"{owners}.id"], name=op.f(f"fk_{table}_{owner}_{owners}"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint(owner, "field_id", name=op.f(f"pk_{table}")),
    )
    op.create_index(f"ix_{table}_text", table, ["field_id", "text"])
    op.create_index(f"ix_{table}_number", table, ["field_id", "number"])


def upgrade() -> None:
    op.create_table(
        "custom_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object", _enum("fieldobject", "ticket", "customer"), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("label_key", sa.String(length=64), nullable=False),
        sa.Column(
            "kind", _enum("fieldkind", "text", "number", "checkbox", "date", "list"), nullable=False
        ),
        sa.Column("options", _json(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_fields")),
        sa.UniqueConstraint("object", "key", name=op.f("uq_custom_fields_object_key")),
        sa.UniqueConstraint("object", "label_key", name=op.f("uq_custom_fields_object_label_key")),
        sqlite_autoincrement=True,
    )
    _values_table("ticket_field_values", "ticket_id", "tickets")
    _values_table("customer_field_values", "customer_id", "customers")


def downgrade() -> None:
    for table in ("customer_field_values", "ticket_field_values"):
        op.drop_index(f"ix_{table}_number", table_name=table)
        op.drop_index(f"ix_{table}_text", table_name=table)
        op.drop_table(table)
    op.drop_table("custom_fields")
