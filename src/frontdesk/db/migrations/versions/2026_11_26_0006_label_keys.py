"""Label names are unique whatever their case, in every alphabet: a folded key, unique.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:00:00.000000
"""

from __future__ import annotations

import hashlib
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _key(name: str) -> str:
    # As labels/service.py name_key computes it today; a migration keeps its own copy.
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return hashlib.sha256(folded.encode()).hexdigest()


def upgrade() -> None:
    op.add_column("labels", sa.Column("name_key", sa.String(length=64), nullable=True))
    labels = sa.table("labels", sa.column("id", sa.Integer), sa.column("name", sa.String))
    keyed = sa.table("labels", sa.column("id", sa.Integer), sa.column("name_key", sa.String))
    connection = op.get_bind()
    seen: set[str] = set()
    for label_id, name in connection.execute(
        sa.select(labels.c.id, labels.c.name).order_by(labels.c.id)
    ):
        key = _key(name)
        # Names the old check let through ("Été" beside "été") stay, told apart by their id,
        # until an admin renames or deletes one; the oldest keeps the plain key.
        if key in seen:
            key = _key(f"{name}#{label_id}")
        seen.add(key)
        connection.execute(sa.update(keyed).where(keyed.c.id == label_id).values(name_key=key))
    with op.batch_alter_table("labels") as batch:
        batch.alter_column("name_key", existing_type=sa.String(length=64), nullable=False)
        batch.drop_constraint("uq_labels_name", type_="unique")
        batch.create_unique_constraint("uq_labels_name_key", ["name_key"])


def downgrade() -> None:
    with op.batch_alter_table("labels") as batch:
        batch.drop_constraint("uq_labels_name_key", type_="unique")
        batch.create_unique_constraint("uq_labels_name", ["name"])
        batch.drop_column("name_key")
