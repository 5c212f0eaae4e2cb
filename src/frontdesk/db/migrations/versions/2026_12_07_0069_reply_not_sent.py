"""Notifications of a reply Undo send could not send: `notifications.kind` takes
`reply_not_sent` (docs/notifications.md).

The kind's CHECK lists every kind. PostgreSQL drops it and adds the new one in place. SQLite
cannot change a CHECK in place: the table is rebuilt from its own stored text, as 0056 and 0065
rebuild tables (its AUTOINCREMENT key, its indexes made again from their stored text, and its
sequence kept, so that no notification id is ever given twice), with only that CHECK changed:
`batch_alter_table` would rebuild it from reflection and lose AUTOINCREMENT.

Going down deletes the `reply_not_sent` notifications (and their queued pushes; a queued email
of one is then dropped unsent by the mail loop, its notification gone). Choices agents made for
the kind stay: the older code ignores a kind it does not know, and finds them again on the next
upgrade.

Revision ID: 0069
Revises: 0068
Create Date: 2026-12-07 20:00:00.000000
"""

from __future__ import annotations

# ruff: noqa: S608  (SQL built from this module's names and the schema's own text)
import sqlalchemy as sa
from alembic import op

revision = "0069"
down_revision = "0068"
branch_labels = None
depends_on = None

TABLE = "notifications"
CHECK = "ck_notifications_notificationkind"
BEFORE = (
    "assigned",
    "customer_replied",
    "mentioned",
    "chat_invited",
    "chat_waiting",
    "sla_breaching",
)
AFTER = (*BEFORE, "reply_not_sent")
_ITEM_END = ", \n"


def _condition(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def _rebuild_sqlite(kinds: tuple[str, ...]) -> None:
    """notifications made again from its stored text with the kinds' CHECK listing `kinds`;
    foreign keys are off in migrations (0056), so dropping it deletes nothing else."""
    bind = op.get_bind()
    if bind.execute(sa.text("PRAGMA foreign_keys")).scalar():
        raise RuntimeError(
            "foreign keys are on: dropping a table to rebuild it would delete the rows that"
            " cascade from it"
        )
    create = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": TABLE},
    ).scalar_one()
    dependents = (
        bind.execute(
            sa.text(
                "SELECT sql FROM sqlite_master WHERE tbl_name = :name"
                " AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid"
            ),
            {"name": TABLE},
        )
        .scalars()
        .all()
    )
    sequence = bind.execute(
        sa.text("SELECT seq FROM sqlite_sequence WHERE name = :name"), {"name": TABLE}
    ).scalar()
    _, _, body = create.partition("\n")
    if not body.endswith("\n)"):
        raise RuntimeError(f"unexpected table definition: {create!r}")
    items = body[: -len("\n)")].split(_ITEM_END)
    checks = [i for i, item in enumerate(items) if item.startswith(f"\tCONSTRAINT {CHECK} CHECK")]
    if len(checks) != 1:
        raise RuntimeError(f"{TABLE}: not the one CHECK of its kinds the models give")
    items[checks[0]] = f"\tCONSTRAINT {CHECK} CHECK ({_condition(kinds)})"
    scratch = f"_rebuilt_{TABLE}"
    bind.execute(sa.text(f'CREATE TABLE "{scratch}" (\n' + _ITEM_END.join(items) + "\n)"))
    bind.execute(sa.text(f'INSERT INTO "{scratch}" SELECT * FROM "{TABLE}"'))
    bind.execute(sa.text(f'DROP TABLE "{TABLE}"'))
    bind.execute(sa.text(f'ALTER TABLE "{scratch}" RENAME TO "{TABLE}"'))
    for statement in dependents:
        bind.execute(sa.text(statement))
    if sequence is not None:
        # Ids freed above the highest left are still never given again.
        bind.execute(
            sa.text("UPDATE sqlite_sequence SET seq = max(seq, :seq) WHERE name = :name"),
            {"seq": sequence, "name": TABLE},
        )
        bind.execute(
            sa.text(
                "INSERT INTO sqlite_sequence (name, seq) SELECT :name, :seq"
                " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = :name)"
            ),
            {"seq": sequence, "name": TABLE},
        )


def _kinds(kinds: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite(kinds)
    else:
        op.drop_constraint(op.f(CHECK), TABLE, type_="check")
        op.create_check_constraint(op.f(CHECK), TABLE, _condition(kinds))


def upgrade() -> None:
    _kinds(AFTER)


def downgrade() -> None:
    # Foreign keys are off on SQLite here: the pushes queued for them go first, by hand.
    op.execute(
        "DELETE FROM push_deliveries WHERE notification_id IN"
        " (SELECT id FROM notifications WHERE kind = 'reply_not_sent')"
    )
    op.execute("DELETE FROM notifications WHERE kind = 'reply_not_sent'")
    _kinds(BEFORE)
