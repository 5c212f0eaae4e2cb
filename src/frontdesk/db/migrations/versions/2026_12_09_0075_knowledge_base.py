"""The knowledge base (docs/knowledge-base.md).

- `article_categories`: a name, a description and a position; ids never reused.
- `articles`: title, slug, Markdown body, optional category (SET NULL when it goes), draft or
  published, a `version` for optimistic concurrency, author and last editor (SET NULL when the
  user goes), published time, and the "Was this helpful?" counts; ids never reused.
- `help_center_settings`: the help center's one row (name, "Contact us" address).
- Its full-text index, as the tickets' (0034, 0038, 0053): an FTS5 table with triggers on
  SQLite, a stored weighted tsvector under a GIN index on PostgreSQL
  (knowledge/search_schema.py).

Revision ID: 0075
Revises: 0074
Create Date: 2026-12-09 03:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import frontdesk.db.base
from frontdesk.knowledge import search_schema

revision = "0075"
down_revision = "0074"
branch_labels = None
depends_on = None


def _times() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "article_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *_times(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_categories")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
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
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("editor_id", sa.Integer(), nullable=True),
        sa.Column("published_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("helpful_yes", sa.Integer(), nullable=False),
        sa.Column("helpful_no", sa.Integer(), nullable=False),
        *_times(),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["article_categories.id"],
            name=op.f("fk_articles_category_id_article_categories"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_articles_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["editor_id"],
            ["users.id"],
            name=op.f("fk_articles_editor_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sqlite_autoincrement=True,
    )
    for column in ("category_id", "status", "author_id", "editor_id"):
        op.create_index(op.f(f"ix_articles_{column}"), "articles", [column])
    op.create_table(
        "help_center_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("contact_url", sa.String(length=500), nullable=False),
        sa.Column("updated_at", frontdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_center_settings")),
    )
    if op.get_bind().dialect.name == "sqlite":
        statements = search_schema.sqlite_create()
    else:
        statements = search_schema.postgresql_create()
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        statements = search_schema.sqlite_drop()
    else:
        statements = search_schema.postgresql_drop()
    for statement in statements:
        op.execute(statement)
    op.drop_table("help_center_settings")
    for column in ("category_id", "status", "author_id", "editor_id"):
        op.drop_index(op.f(f"ix_articles_{column}"), table_name="articles")
    op.drop_table("articles")
    op.drop_table("article_categories")
