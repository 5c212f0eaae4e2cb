"""Indexes for reads that went through every chat, file or notification there ever was.

- `ix_chats_inbox_answered` (inbox, answered_at): the inbox's last answered chats give the wait a
  visitor is told to expect (chats/capacity.expected_wait). It is asked when the messenger opens
  on a busy inbox and for every chat that waits; without it both stores read and sorted every
  chat of the desk.
- `ix_chat_labels_label_id`: a label's chats, for the reports' label filter, and for deleting a
  label (its cascade to `chat_labels`), which read every chat's labels. `ticket_labels` has had
  this index from the start (0001).
- `chat_files` (key), (thumbnail_key) and `stored_files` (thumbnail_key): before the bytes of a
  deleted file go (privacy/files.py), whether any row still names its key. Asked for each key a
  retention or erasure pass deletes, it read both tables whole.
- `ix_notifications_unread` (person, id), partial: the bell's unread notifications, counted with
  every notification written and every bell read. By (person, id) that was every notification
  the person was ever sent, push-only ones included, which the bell never shows and which stay
  unread until all are marked read.

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-04 05:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0045"
down_revision = "0044"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_chats_inbox_answered", "chats", ["inbox_id", "answered_at"])
    op.create_index("ix_chat_labels_label_id", "chat_labels", ["label_id"])
    op.create_index("ix_chat_files_key", "chat_files", ["key"])
    op.create_index("ix_chat_files_thumbnail_key", "chat_files", ["thumbnail_key"])
    op.create_index("ix_stored_files_thumbnail_key", "stored_files", ["thumbnail_key"])
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["user_id", "id"],
        sqlite_where=sa.text("read_at IS NULL AND in_app = 1"),
        postgresql_where=sa.text("read_at IS NULL AND in_app"),
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_unread", table_name="notifications")
    op.drop_index("ix_stored_files_thumbnail_key", table_name="stored_files")
    op.drop_index("ix_chat_files_thumbnail_key", table_name="chat_files")
    op.drop_index("ix_chat_files_key", table_name="chat_files")
    op.drop_index("ix_chat_labels_label_id", table_name="chat_labels")
    op.drop_index("ix_chats_inbox_answered", table_name="chats")
