"""Ids that leave the database are never given twice on SQLite (AUTOINCREMENT), for every table
whose rows can be deleted, not only labels and saved replies (0051).

SQLite gave a new row the highest id plus one, so deleting the newest rows handed their ids to
the next ones. An erased customer's reply address, `reply+<ticket id>.<signature>`, still carried
a valid signature for the ticket id the next customer then got: the old customer's reply landed
on the new customer's ticket and in their export, and the audit log's "customer #9" named someone
else. Retention deleting the newest tickets did the same. PostgreSQL's sequences never reuse an
id; there this migration changes nothing.

Rebuilt, and why (docs/privacy.md, "Ids are never given twice"):

- tickets: reply addresses, URLs, webhooks, notifications, audit entries, exports.
- ticket_entries: `seen_entry_id` of replies being written, mail threading (outbox, inbound).
- ticket_moves: the undo of a merge or split names the move.
- customers, customer_contacts, visitors: erasure records, audit entries, the desk's URLs and
  realtime topics (`visitor:<id>`).
- chats, chat_events, chat_files: the messenger keeps its chat, messages and file links.
- inbound_messages, mail_attachments, outbox, stored_files: download URLs, mail threading, a
  rating request's mail.
- ratings, rating_requests: rating links, reports.
- notifications, push_subscriptions: push payloads and the desk's lists.
- webhook_subscriptions, webhook_deliveries: the receivers' logs, replays.
- api_tokens, sessions: audit entries; a logout ends the sockets of its session by id.
- macros, rules, sidebar_apps, sla_policies, mailbox_accounts: audit entries, rule runs, the
  desk's settings URLs.

Not rebuilt: tables whose rows are never deleted (users, inboxes, erasures, audit_events, which a
trigger keeps), rows named only by other rows deleted with them (metric_moments and the other
counters, availability_changes, conversation_clocks, login_failures, rule_runs, sla_alerts,
saved_reply_uses, chat_invitations, push_deliveries, file_deletions, ticket_count_deltas,
recovery codes, two-factor challenges, SSO identities, mailbox_oauth), singletons, and tables
keyed by other ids.

The rebuild keeps each table's own text (columns, CHECKs, foreign keys; only the primary key moves
onto the id column, named as before) and re-creates its indexes and triggers from their stored
text: `batch_alter_table(recreate="always")` would drop the triggers (folder counts of 0037,
search indexes of 0034/0053) and rebuild indexes from reflection. Rows keep their ids, so the
search indexes (keyed by rowid) stay right. Foreign keys must be off (they are in migrations):
dropping `tickets` with them on would delete every row that cascades from it.

Rebuilt tables remember their highest id from now on. An id freed before this migration above
every id left cannot be known in general; where another record kept it (an erasure's customer,
an audit entry's target), the sequence starts above it.

Revision ID: 0056
Revises: 0055
Create Date: 2026-12-05 12:00:00.000000
"""

from __future__ import annotations

# ruff: noqa: S608  (SQL built from this module's table names and the schema's own text)
from alembic import op
from sqlalchemy import text

revision = "0056"
down_revision = "0055"
branch_labels = None
depends_on = None

TABLES = (
    "tickets",
    "ticket_entries",
    "ticket_moves",
    "customers",
    "customer_contacts",
    "visitors",
    "chats",
    "chat_events",
    "chat_files",
    "inbound_messages",
    "mail_attachments",
    "outbox",
    "stored_files",
    "ratings",
    "rating_requests",
    "notifications",
    "push_subscriptions",
    "webhook_subscriptions",
    "webhook_deliveries",
    "api_tokens",
    "sessions",
    "macros",
    "rules",
    "sidebar_apps",
    "sla_policies",
    "mailbox_accounts",
)

# Ids handed out before, kept where the row is gone: the sequence starts above the highest.
_AUDITED = "SELECT max(target_id) FROM audit_events WHERE target_type = '{}'"
KEPT_ELSEWHERE = {
    "customers": (_AUDITED.format("customer"), "SELECT max(customer_id) FROM erasures"),
    "tickets": (_AUDITED.format("ticket"),),
    "webhook_subscriptions": (_AUDITED.format("webhook"),),
    "api_tokens": (_AUDITED.format("token"),),
    "macros": (_AUDITED.format("macro"),),
    "rules": (_AUDITED.format("rule"),),
    "sidebar_apps": (_AUDITED.format("app"),),
    "sla_policies": (_AUDITED.format("sla_policy"),),
    "mailbox_accounts": (_AUDITED.format("mailbox"),),
}

_ITEM_END = ", \n"


def _plain_key(table: str) -> str:
    return f"\tCONSTRAINT pk_{table} PRIMARY KEY (id)"


_PLAIN_ID = "\tid INTEGER NOT NULL"


def _autoincrement_id(table: str) -> str:
    return f"\tid INTEGER NOT NULL CONSTRAINT pk_{table} PRIMARY KEY AUTOINCREMENT"


def _items(create: str) -> tuple[str, list[str]]:
    """The statement's head (`CREATE TABLE x (`) and its columns and constraints, one each."""
    head, _, body = create.partition("\n")
    if not body.endswith("\n)"):
        raise RuntimeError(f"unexpected table definition: {create!r}")
    return head, body[: -len("\n)")].split(_ITEM_END)


def with_autoincrement(table: str, create: str) -> str:
    head, items = _items(create)
    if items.count(_PLAIN_ID) != 1 or items.count(_plain_key(table)) != 1:
        raise RuntimeError(f"{table}: not the id column and primary key the models give")
    items[items.index(_PLAIN_ID)] = _autoincrement_id(table)
    items.remove(_plain_key(table))
    return head + "\n" + _ITEM_END.join(items) + "\n)"


def without_autoincrement(table: str, create: str) -> str:
    """The exact inverse: the key goes back first among the table's constraints."""
    head, items = _items(create)
    if items.count(_autoincrement_id(table)) != 1:
        raise RuntimeError(f"{table}: no AUTOINCREMENT id column to take back")
    items[items.index(_autoincrement_id(table))] = _PLAIN_ID
    first = next(
        (i for i, item in enumerate(items) if item.startswith("\tCONSTRAINT ")), len(items)
    )
    items.insert(first, _plain_key(table))
    return head + "\n" + _ITEM_END.join(items) + "\n)"


def _rebuild(table: str, autoincrement: bool) -> None:
    bind = op.get_bind()
    create = bind.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": table},
    ).scalar_one()
    # Indexes a UNIQUE constraint makes have no text: the new table makes them again. The rest
    # are made again in the order they were made: the order in which the planner weighs equal
    # indexes and the triggers fire.
    dependents = (
        bind.execute(
            text(
                "SELECT sql FROM sqlite_master WHERE tbl_name = :name"
                " AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid"
            ),
            {"name": table},
        )
        .scalars()
        .all()
    )
    shaped = (with_autoincrement if autoincrement else without_autoincrement)(table, create)
    scratch = f"_rebuilt_{table}"
    bind.execute(text(f'CREATE TABLE "{scratch}" (\n{shaped.partition(chr(10))[2]}'))
    bind.execute(text(f'INSERT INTO "{scratch}" SELECT * FROM "{table}"'))
    bind.execute(text(f'DROP TABLE "{table}"'))
    bind.execute(text(f'ALTER TABLE "{scratch}" RENAME TO "{table}"'))
    for statement in dependents:
        bind.execute(text(statement))
    if autoincrement:
        _start_above_kept_ids(table)


def _start_above_kept_ids(table: str) -> None:
    bind = op.get_bind()
    kept = [bind.execute(text(query)).scalar() for query in KEPT_ELSEWHERE.get(table, ())]
    highest = max((value for value in kept if value is not None), default=None)
    if highest is None:
        return
    # A table filled by the copy has its row already (its highest id); an empty one has none.
    current = bind.execute(
        text("SELECT seq FROM sqlite_sequence WHERE name = :name"), {"name": table}
    ).scalar()
    if current is None:
        bind.execute(
            text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"),
            {"name": table, "seq": highest},
        )
    elif highest > current:
        bind.execute(
            text("UPDATE sqlite_sequence SET seq = :seq WHERE name = :name"),
            {"name": table, "seq": highest},
        )


def _rebuild_all(autoincrement: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.execute(text("PRAGMA foreign_keys")).scalar():
        raise RuntimeError(
            "foreign keys are on: dropping a table to rebuild it would delete the rows that"
            " cascade from it"
        )
    for table in TABLES:
        _rebuild(table, autoincrement)


def upgrade() -> None:
    _rebuild_all(True)


def downgrade() -> None:
    _rebuild_all(False)
