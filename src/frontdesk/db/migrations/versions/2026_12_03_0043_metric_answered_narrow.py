"""A moment runs only the `metric_answered` statement that can concern it.

0036's insert trigger ran its four statements for every answering or belonging moment: an
answer in a chat also ran the ticket's statement (the moment has no ticket yet) and the two
statements for belonging moments, each finding nothing. On the realtime writer's path every
answer writes a `response` moment, so each chat answer paid for four statements where one
works. On SQLite each statement of a trigger also adds to what the statement journal keeps, and
when that passes its spill size it goes to a temporary file (docs/performance.md, "One process
on SQLite"). The four statements are the same as 0036's; each now runs only under the condition
without which it cannot find a row: SQLite gets one trigger per statement with that condition as
its WHEN, PostgreSQL's trigger function tests it before each. The delete and update triggers
are rare and stay as they were.

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-03 09:00:00.000000
"""

# ruff: noqa: S608  (SQL built from this module's constants only)
from __future__ import annotations

from alembic import op

revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None

_COLUMNS = "user_id, kind, quarter, inbox_id, channel, moment_id"
_BELONGING = "('created', 'chat_unanswered')"
_ANSWERING = "('response', 'chat_joined')"
_INSERT = f"INSERT INTO metric_answered ({_COLUMNS}) "


def _statements(r: str) -> list[tuple[str, str]]:
    """0036's four statements for the new row `r`, each with the condition it needs."""
    answers = f"{r}.kind IN {_ANSWERING} AND {r}.user_id IS NOT NULL"
    belongs = f"{r}.kind IN {_BELONGING}"
    return [
        # r answers in its chat: the chat's moments become its agent's.
        (
            f"{answers} AND {r}.chat_id IS NOT NULL",
            f"{_INSERT}SELECT {r}.user_id, m.kind, m.quarter, m.inbox_id, m.channel, m.id "
            f"FROM metric_moments m WHERE m.chat_id = {r}.chat_id AND m.kind IN {_BELONGING} "
            "ON CONFLICT DO NOTHING",
        ),
        # r answers on its ticket: the ticket's chat-less moments become its agent's.
        (
            f"{answers} AND {r}.ticket_id IS NOT NULL",
            f"{_INSERT}SELECT {r}.user_id, m.kind, m.quarter, m.inbox_id, m.channel, m.id "
            f"FROM metric_moments m WHERE m.ticket_id = {r}.ticket_id AND m.chat_id IS NULL "
            f"AND m.kind IN {_BELONGING} ON CONFLICT DO NOTHING",
        ),
        # r belongs to its chat: it is every agent's who answered there.
        (
            f"{belongs} AND {r}.chat_id IS NOT NULL",
            f"{_INSERT}SELECT DISTINCT o.user_id, {r}.kind, {r}.quarter, {r}.inbox_id, "
            f"{r}.channel, {r}.id FROM metric_moments o WHERE o.chat_id = {r}.chat_id "
            f"AND o.kind IN {_ANSWERING} AND o.user_id IS NOT NULL ON CONFLICT DO NOTHING",
        ),
        # r belongs to its ticket (no chat): it is every agent's who answered on the ticket.
        (
            f"{belongs} AND {r}.chat_id IS NULL AND {r}.ticket_id IS NOT NULL",
            f"{_INSERT}SELECT DISTINCT o.user_id, {r}.kind, {r}.quarter, {r}.inbox_id, "
            f"{r}.channel, {r}.id FROM metric_moments o WHERE o.ticket_id = {r}.ticket_id "
            f"AND o.kind IN {_ANSWERING} AND o.user_id IS NOT NULL ON CONFLICT DO NOTHING",
        ),
    ]


# The triggers' names on SQLite, one per statement above.
_SQLITE_NAMES = ("answer_chat", "answer_ticket", "belong_chat", "belong_ticket")


def _sqlite_upgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS metric_answered_insert")
    for name, (when, statement) in zip(_SQLITE_NAMES, _statements("new"), strict=True):
        op.execute(
            f"CREATE TRIGGER metric_answered_insert_{name} AFTER INSERT ON metric_moments "
            f"WHEN {when} BEGIN {statement}; END"
        )


def _sqlite_downgrade() -> None:
    for name in _SQLITE_NAMES:
        op.execute(f"DROP TRIGGER IF EXISTS metric_answered_insert_{name}")
    statements = [
        # 0036's form: each condition inside its statement, all four run for every moment.
        statement.replace(" WHERE ", f" WHERE {when} AND ", 1)
        for when, statement in _statements("new")
    ]
    op.execute(
        "CREATE TRIGGER metric_answered_insert AFTER INSERT ON metric_moments "
        f"WHEN new.kind IN {_ANSWERING} OR new.kind IN {_BELONGING} "
        f"BEGIN {'; '.join(statements)}; END"
    )


def _postgresql_function(*, narrow: bool) -> None:
    # 0036's removal for a deleted or changed row, unchanged.
    still = (
        "EXISTS (SELECT 1 FROM metric_moments m JOIN metric_moments o ON o.chat_id = m.chat_id "
        f"WHERE m.id = metric_answered.moment_id AND o.kind IN {_ANSWERING} "
        "AND o.user_id = metric_answered.user_id) "
        "OR EXISTS (SELECT 1 FROM metric_moments m JOIN metric_moments o "
        "ON o.ticket_id = m.ticket_id WHERE m.id = metric_answered.moment_id "
        f"AND m.chat_id IS NULL AND o.kind IN {_ANSWERING} "
        "AND o.user_id = metric_answered.user_id)"
    )
    remove = ";\n".join(
        [
            "DELETE FROM metric_answered WHERE moment_id = OLD.id",
            f"DELETE FROM metric_answered WHERE OLD.kind IN {_ANSWERING} "
            "AND metric_answered.user_id = OLD.user_id AND metric_answered.moment_id IN "
            "(SELECT m.id FROM metric_moments m WHERE m.chat_id = OLD.chat_id "
            f"AND m.kind IN {_BELONGING}) AND NOT ({still})",
            f"DELETE FROM metric_answered WHERE OLD.kind IN {_ANSWERING} "
            "AND metric_answered.user_id = OLD.user_id AND metric_answered.moment_id IN "
            "(SELECT m.id FROM metric_moments m WHERE m.ticket_id = OLD.ticket_id "
            f"AND m.chat_id IS NULL AND m.kind IN {_BELONGING}) AND NOT ({still})",
        ]
    )
    if narrow:
        add = "\n".join(
            f"IF {when} THEN {statement}; END IF;" for when, statement in _statements("NEW")
        )
    else:
        add = "\n".join(
            statement.replace(" WHERE ", f" WHERE {when} AND ", 1) + ";"
            for when, statement in _statements("NEW")
        )
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION metric_answered_keep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP IN ('DELETE', 'UPDATE') THEN
            {remove};
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {add}
          END IF;
          RETURN NULL;
        END $$
        """
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_function(narrow=True)
    else:
        _sqlite_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_function(narrow=False)
    else:
        _sqlite_downgrade()
