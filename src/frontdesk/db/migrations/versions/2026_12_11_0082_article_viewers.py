"""Who has a knowledge base article open in the desk's editor (docs/knowledge-base.md, "Editing
together"), as ticket_viewers does for tickets.

- `article_viewers`: one row per desk socket and article, with "edit" while that editor holds
  unsaved changes; gone with the socket (connections), the article or the user (cascades).
- `article_viewers_versions`: the version of each article's list, taken up by every change, so
  that a desk which hears two lists out of order keeps the newer one.

Revision ID: 0082
Revises: 0081
Create Date: 2026-12-11 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0082"
down_revision = "0081"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_viewers",
        sa.Column("connection_id", sa.String(length=40), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("composing", sa.String(length=10), nullable=True),
        sa.Column("since", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"],
            ["connections.id"],
            name=op.f("fk_article_viewers_connection_id_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_viewers_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_article_viewers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("connection_id", "article_id", name=op.f("pk_article_viewers")),
    )
    op.create_index(op.f("ix_article_viewers_article_id"), "article_viewers", ["article_id"])
    op.create_index(op.f("ix_article_viewers_user_id"), "article_viewers", ["user_id"])
    op.create_table(
        "article_viewers_versions",
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey("articles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("article_viewers_versions")
    op.drop_index(op.f("ix_article_viewers_user_id"), table_name="article_viewers")
    op.drop_index(op.f("ix_article_viewers_article_id"), table_name="article_viewers")
    op.drop_table("article_viewers")
