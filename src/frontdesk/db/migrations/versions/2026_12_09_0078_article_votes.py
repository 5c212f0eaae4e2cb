"""One "Was this helpful?" vote per voter (docs/knowledge-base.md, "Votes").

- `article_votes`: the article (deleted with it), the voter: a help center browser (`browser`,
  the digest of its voter cookie) or a messenger visitor (`visitor_id`, deleted with the
  visitor), exactly one of the two, the answer, and when it was given and last changed. One row
  per (article, browser) and per (article, visitor): voting again changes the answer.

The counts already on `articles` (`helpful_yes`, `helpful_no`) stay as they are: the votes
counted before had no voter, and from now on each vote row changes them once.

Revision ID: 0078
Revises: 0077
Create Date: 2026-12-09 07:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base

revision = "0078"
down_revision = "0077"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "article_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("browser", sa.String(length=64), nullable=True),
        sa.Column("visitor_id", sa.Integer(), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(browser IS NULL) <> (visitor_id IS NULL)", name=op.f("ck_article_votes_one_voter")
        ),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_votes_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["visitor_id"],
            ["visitors.id"],
            name=op.f("fk_article_votes_visitor_id_visitors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_votes")),
        sa.UniqueConstraint(
            "article_id", "browser", name=op.f("uq_article_votes_article_id_browser")
        ),
        sa.UniqueConstraint(
            "article_id", "visitor_id", name=op.f("uq_article_votes_article_id_visitor_id")
        ),
    )
    op.create_index(op.f("ix_article_votes_visitor_id"), "article_votes", ["visitor_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_article_votes_visitor_id"), table_name="article_votes")
    op.drop_table("article_votes")
