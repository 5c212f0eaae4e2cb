"""Labels' and saved replies' ids are never given twice on SQLite (AUTOINCREMENT).

Rules and macros name a label or a saved reply by id. SQLite gave a new row the highest id plus
one, so deleting the newest label and making another gave the new one the old id: a rule "when
label vip is added" then fired on the new label, and a macro's deleted saved reply sent another
team's text to customers. AUTOINCREMENT never hands out an id again. PostgreSQL's sequences never
did; there this migration changes nothing.

Rebuilt with AUTOINCREMENT, the tables remember their highest id from now on; an id freed before
this migration, above every id left, may still be given once.

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-05 02:45:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0051"
down_revision = "0050"
branch_labels = None
depends_on = None

TABLES = ("labels", "saved_replies")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
