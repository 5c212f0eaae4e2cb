"""Undo send: replies held until their due time (docs/desk.md, "Undo send").

- `pending_replies`: a held reply of one agent on one ticket, its due time and what became of it
  (`pending`, `sent` with its entry, `failed` with why, `undone` by its author: kept a while,
  so that a repeated undo gets the text again); the newest entry its author had seen
  (`seen_entry_id`, checked again at its sending); ids never reused (its id is in the desk's
  undo call).
- `pending_reply_files`: the uploads a held reply will send, so that the sweep of unsent uploads
  (files/cleanup.py) leaves them alone.

Revision ID: 0068
Revises: 0067
Create Date: 2026-12-07 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import frontdesk.db.base

revision = "0068"
down_revision = "0067"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "pending_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "sent",
                "failed",
                "undone",
                name="pendingstate",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("then", sa.String(length=16), nullable=False),
        sa.Column("snooze_until", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cc", _json(), nullable=False),
        sa.Column("bcc", _json(), nullable=False),
        sa.Column("attachment_ids", _json(), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("seen_entry_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_pending_replies_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ticket_entries.id"],
            name=op.f("fk_pending_replies_entry_id_ticket_entries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_pending_replies_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_replies")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_pending_replies_author_id"), "pending_replies", ["author_id"])
    op.create_index(op.f("ix_pending_replies_entry_id"), "pending_replies", ["entry_id"])
    op.create_index(op.f("ix_pending_replies_ticket_id"), "pending_replies", ["ticket_id"])
    op.create_index("ix_pending_replies_state_due_at", "pending_replies", ["state", "due_at"])
    op.create_table(
        "pending_reply_files",
        sa.Column("pending_reply_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["stored_files.id"],
            name=op.f("fk_pending_reply_files_file_id_stored_files"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pending_reply_id"],
            ["pending_replies.id"],
            name=op.f("fk_pending_reply_files_pending_reply_id_pending_replies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pending_reply_id", "file_id", name=op.f("pk_pending_reply_files")),
    )
    op.create_index(op.f("ix_pending_reply_files_file_id"), "pending_reply_files", ["file_id"])


def downgrade() -> None:
    # A running erasure scrubs this table too (privacy/deletion.py SCRUBBED): gone under it, the
    # erasure could not finish. And a reply still waiting would be dropped unsent, unsaid.
    bind = op.get_bind()
    running = bind.execute(
        sa.text("SELECT count(*) FROM erasures WHERE finished_at IS NULL")
    ).scalar_one()
    if running:
        raise RuntimeError(
            f"{running} customer erasure(s) have not finished: start this version of frontdesk "
            "and let them finish (Settings, Privacy: none 'running'), then downgrade."
        )
    waiting = bind.execute(
        sa.text("SELECT count(*) FROM pending_replies WHERE state = 'pending'")
    ).scalar_one()
    if waiting:
        raise RuntimeError(
            f"{waiting} reply(ies) held by Undo send are still waiting: let them be sent (at "
            "most 30 seconds with this version running), then downgrade."
        )
    op.drop_index(op.f("ix_pending_reply_files_file_id"), table_name="pending_reply_files")
    op.drop_table("pending_reply_files")
    op.drop_index("ix_pending_replies_state_due_at", table_name="pending_replies")
    op.drop_index(op.f("ix_pending_replies_ticket_id"), table_name="pending_replies")
    op.drop_index(op.f("ix_pending_replies_entry_id"), table_name="pending_replies")
    op.drop_index(op.f("ix_pending_replies_author_id"), table_name="pending_replies")
    op.drop_table("pending_replies")
