"""Help center articles in several languages (docs/knowledge-base.md, "Languages").

- `articles.language`: the language the article's own text is written in; the articles written
  before are taken to be in English (the server default), which the desk can change.
- `article_translations`: an article's title and Markdown body in another language, published
  or a draft on its own, with its version (409 on a stale save) and the digest of the
  original's text it was made from (outdated when the original's differs); one per article and
  language, gone with the article.
- Their full-text index, as the articles' (0075): an FTS5 table with triggers on SQLite, a
  stored weighted tsvector under a GIN index on PostgreSQL (knowledge/search_schema.py).

Revision ID: 0091
Revises: 0090
Create Date: 2026-12-16 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base
from frontdesk.knowledge import search_schema

revision = "0091"
down_revision = "0090"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place on both stores (SQLite's ADD COLUMN keeps the table and its search triggers).
    op.add_column(
        "articles",
        sa.Column("language", sa.String(length=8), server_default="en", nullable=False),
    )
    op.create_table(
        "article_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                name="articlestatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source_digest", sa.String(length=64), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("editor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_translations_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_article_translations_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["editor_id"],
            ["users.id"],
            name=op.f("fk_article_translations_editor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_translations")),
        sa.UniqueConstraint(
            "article_id", "language", name=op.f("uq_article_translations_article_id_language")
        ),
        sqlite_autoincrement=True,
    )
    for column in ("author_id", "editor_id"):
        op.create_index(op.f(f"ix_article_translations_{column}"), "article_translations", [column])
    if op.get_bind().dialect.name == "sqlite":
        statements = search_schema.sqlite_create_translations()
    else:
        statements = search_schema.postgresql_create_translations()
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        statements = search_schema.sqlite_drop_translations()
    else:
        statements = search_schema.postgresql_drop_translations()
    for statement in statements:
        op.execute(statement)
    for column in ("author_id", "editor_id"):
        op.drop_index(op.f(f"ix_article_translations_{column}"), table_name="article_translations")
    op.drop_table("article_translations")
    # In place (SQLite 3.35's DROP COLUMN): a batch rebuild would drop the table's triggers.
    op.drop_column("articles", "language")
