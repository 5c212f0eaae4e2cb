"""Light agents (docs/desk.md, "Light agents"): `users.role` takes `collaborator`, a user who
reads the tickets of their inboxes and adds private notes, nothing more.

The role is stored as text with a CHECK naming the roles: on PostgreSQL the CHECK is replaced;
SQLite cannot change a CHECK in place, so `users` is rebuilt as 0071 rebuilds `tickets` (its own
text with the one CHECK changed, its indexes and triggers made again from their stored text).
Rows keep their ids, so every foreign key naming a user stays right.

Going down, a light agent would become a full agent, who may reply to customers and be given
chats: each becomes an agent who is **deactivated** (signed out, their sessions deleted), so
that nobody gains rights by a downgrade; an owner turns them back on if that is wanted.

Revision ID: 0093
Revises: 0092
Create Date: 2026-12-16 09:00:00.000000
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0093"
down_revision = "0092"
branch_labels = None
depends_on = None

_OLD = "CHECK (role IN ('owner', 'admin', 'agent'))"
_NEW = "CHECK (role IN ('owner', 'admin', 'agent', 'collaborator'))"
_CONSTRAINT = "ck_users_role"


def _rebuild_users(before: str, after: str) -> None:
    """`users` made again with its CHECK text `before` replaced by `after` (0071's way)."""
    bind = op.get_bind()
    if bind.execute(text("PRAGMA foreign_keys")).scalar():
        raise RuntimeError(
            "foreign keys are on: dropping users to rebuild it would delete every row that"
            " cascades from it"
        )
    create = bind.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'users'")
    ).scalar_one()
    if create.count(before) != 1:
        raise RuntimeError(f"users: expected one {before!r} in {create!r}")
    dependents = (
        bind.execute(
            text(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'users'"
                " AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid"
            )
        )
        .scalars()
        .all()
    )
    body = create.replace(before, after).partition("\n")[2]
    bind.execute(text(f'CREATE TABLE "_rebuilt_users" (\n{body}'))
    bind.execute(text('INSERT INTO "_rebuilt_users" SELECT * FROM "users"'))
    bind.execute(text('DROP TABLE "users"'))
    bind.execute(text('ALTER TABLE "_rebuilt_users" RENAME TO "users"'))
    for statement in dependents:
        bind.execute(text(statement))


def _check(before: str, after: str, roles: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_users(before, after)
    else:
        op.drop_constraint(op.f(_CONSTRAINT), "users", type_="check")
        op.create_check_constraint(op.f(_CONSTRAINT), "users", f"role IN ({roles})")


def upgrade() -> None:
    _check(_OLD, _NEW, "'owner', 'admin', 'agent', 'collaborator'")


def downgrade() -> None:
    op.execute(
        "DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE role = 'collaborator')"
    )
    op.execute(
        "UPDATE users SET role = 'agent', is_active = false, available_for_chat = false "
        "WHERE role = 'collaborator'"
    )
    _check(_NEW, _OLD, "'owner', 'admin', 'agent'")
