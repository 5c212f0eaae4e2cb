"""On SQLite, what the triggers on `metric_moments` read when a response loses its ticket (an
erasure, retention) or goes: that ticket's moments, not the agent's whole history.

SQLite plans without statistics, and took an index led by the agent and the kind for
`metric_replied`'s rebuild (one agent's responses to one ticket) and for `metric_answered`'s
"did the agent still answer in this conversation": every response the agent ever wrote, read
again for each moment of an erased ticket (migration 0044). The work is counted in SQLite's
virtual machine steps, which do not depend on the machine's speed."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

AGENT = 7
TICKET = 1


def _connect(path: Path) -> sqlite3.Connection:
    # The moments point at no real inbox, ticket or user: foreign keys stay off (sqlite3's
    # default), which only the app's own connections turn on.
    return sqlite3.connect(path, isolation_level=None)


def _respond(db: sqlite3.Connection, ticket_id: int, count: int) -> None:
    db.executemany(
        "INSERT INTO metric_moments (kind, at, quarter, inbox_id, channel, ticket_id, user_id,"
        " seconds, last_close) VALUES ('response', '2026-06-01 10:00:00.000000', ?, 1,"
        " 'email', ?, ?, 60.0, 0)",
        [(1_975_000 + i, ticket_id, AGENT) for i in range(count)],
    )


@pytest.fixture
def desk(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "frontdesk.db"
    shutil.copyfile(sqlite_template, path)
    return path


def _steps(path: Path, history: int, statement: str) -> tuple[int, list[tuple[int, str]], int]:
    """The virtual machine steps (in hundreds) of `statement` on ticket 1's two responses, with
    the agent's `history` responses to other tickets; then ticket 1's rows of `metric_replied`
    and the rows of `metric_answered`."""
    with closing(_connect(path)) as db:
        # One transaction for the set-up: in autocommit every response was a commit of its own
        # (2,000 syncs to disk, most of the test's time).
        db.execute("BEGIN")
        db.execute("DELETE FROM metric_moments")
        db.execute("DELETE FROM metric_replied")
        db.execute("DELETE FROM metric_answered")
        for ticket_id in range(2, 2 + history):
            _respond(db, ticket_id, 1)
        # Its conversation began: `metric_answered` then holds the agent's row for it, which
        # the responses' going makes its triggers probe.
        db.execute(
            "INSERT INTO metric_moments (kind, at, quarter, inbox_id, channel, ticket_id,"
            " last_close) VALUES ('created', '2026-06-01 09:00:00.000000', 1974999, 1, 'email',"
            " ?, 0)",
            (TICKET,),
        )
        _respond(db, TICKET, 2)
        db.execute("COMMIT")
        assert db.execute("SELECT count(*) FROM metric_answered").fetchone()[0] == 1
        steps = 0

        def count() -> int:
            nonlocal steps
            steps += 1
            return 0

        db.set_progress_handler(count, 100)
        db.execute(statement, (TICKET,))
        db.set_progress_handler(None, 0)
        rows = db.execute(
            "SELECT ticket_id, channel FROM metric_replied WHERE ticket_id = ? ORDER BY channel",
            (TICKET,),
        ).fetchall()
        answered = db.execute("SELECT count(*) FROM metric_answered").fetchone()[0]
        return steps, rows, answered


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE metric_moments SET ticket_id = NULL WHERE ticket_id = ?",
        "DELETE FROM metric_moments WHERE ticket_id = ?",
    ],
    ids=["erased", "deleted"],
)
def test_a_tickets_responses_are_rebuilt_from_that_ticket_alone(desk: Path, statement: str) -> None:
    few, after_few, answered_few = _steps(desk, 20, statement)
    many, after_many, answered_many = _steps(desk, 2_000, statement)
    # The ticket's rows are gone either way: its responses left it, and with them the agent's
    # part in its conversation.
    assert after_few == after_many == []
    assert answered_few == answered_many == 0
    # A hundred times the agent's history, the same work (give or take the b-trees' depth).
    assert many <= few * 1.2 + 5, (few, many)
