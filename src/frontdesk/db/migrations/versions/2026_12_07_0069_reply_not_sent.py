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

from collections.abc import Callable

from alembic import op

from frontdesk.db.migrations.rebuild import rebuild_sqlite_table

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


def _condition(kinds: tuple[str, ...]) -> str:
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def _checking(kinds: tuple[str, ...]) -> Callable[[list[str]], list[str]]:
    """The table's items with the kinds' CHECK listing `kinds`."""

    def shape(items: list[str]) -> list[str]:
        checks = [
            i for i, item in enumerate(items) if item.startswith(f"\tCONSTRAINT {CHECK} CHECK")
        ]
        if len(checks) != 1:
            raise RuntimeError(f"{TABLE}: not the one CHECK of its kinds the models give")
        items[checks[0]] = f"\tCONSTRAINT {CHECK} CHECK ({_condition(kinds)})"
        return items

    return shape


def _kinds(kinds: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        rebuild_sqlite_table(TABLE, _checking(kinds))
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
