"""Files in side conversations (docs/desk.md, "Side conversations").

- `side_conversation_files`: which side message a file belongs to: an agent's upload it sent
  (`file_id`, a row of `stored_files`) or an attachment of the mail it was received as
  (`mail_attachment_id`, a row of `mail_attachments`), exactly one of the two (CHECK). Each is
  unique (an upload is sent once). Gone with its side message, and with the file (cascade); an
  index for each foreign key (the two unique constraints lead with theirs).

The files themselves stay rows of the tables every file of a ticket is in, with the ticket's id:
nothing of those tables changes. Going down, the links go and the files stay on their tickets: an
agent's upload a side message sent then counts as an upload no reply took, and is deleted after
FRONTDESK_UNSENT_UPLOAD_HOURS like one (files/cleanup.py).

Revision ID: 0094
Revises: 0093
Create Date: 2026-12-16 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0094"
down_revision = "0093"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "side_conversation_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("side_message_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.Column("mail_attachment_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(file_id IS NULL) <> (mail_attachment_id IS NULL)",
            name=op.f("ck_side_conversation_files_one_file"),
        ),
        sa.ForeignKeyConstraint(
            ["side_message_id"],
            ["side_conversation_messages.id"],
            name=op.f("fk_side_conversation_files_side_message_id_side_conversation_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["stored_files.id"],
            name=op.f("fk_side_conversation_files_file_id_stored_files"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mail_attachment_id"],
            ["mail_attachments.id"],
            name=op.f("fk_side_conversation_files_mail_attachment_id_mail_attachments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_side_conversation_files")),
        sa.UniqueConstraint("file_id", name=op.f("uq_side_conversation_files_file_id")),
        sa.UniqueConstraint(
            "mail_attachment_id", name=op.f("uq_side_conversation_files_mail_attachment_id")
        ),
    )
    op.create_index(
        "ix_side_conversation_files_side_message_id",
        "side_conversation_files",
        ["side_message_id", "id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_side_conversation_files_side_message_id", table_name="side_conversation_files"
    )
    op.drop_table("side_conversation_files")
