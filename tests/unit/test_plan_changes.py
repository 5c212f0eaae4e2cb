"""bench/plans.py --against: a new index that takes a statement from another shows as a change."""

from __future__ import annotations

import importlib.util
import sqlite3
from contextlib import closing
from pathlib import Path
from types import ModuleType

import pytest

PLANS = Path(__file__).resolve().parents[2] / "bench" / "plans.py"

SCHEMA = """
CREATE TABLE tickets (id INTEGER PRIMARY KEY, inbox_id INT, assignee_id INT, state TEXT,
                      created_at TEXT);
CREATE TABLE counts (inbox_id INTEGER PRIMARY KEY, open INT);
CREATE INDEX ix_assignee ON tickets (assignee_id, state);
CREATE INDEX ix_inbox ON tickets (inbox_id, id);
CREATE TRIGGER count_open AFTER INSERT ON tickets BEGIN
  UPDATE counts SET open = open + 1 WHERE inbox_id = NEW.inbox_id;
END;
"""
WAITING = (
    "SELECT id FROM tickets WHERE inbox_id = ? AND assignee_id IS NULL AND state = 'open' "
    "ORDER BY created_at LIMIT 5"
)
MINE = "SELECT id FROM tickets WHERE assignee_id = ? AND state = 'open'"
NEW_COLUMN = "SELECT id FROM tickets WHERE snoozed_until < ?"


@pytest.fixture(scope="module")
def plans() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_plans", PLANS)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _database(*extra: str) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.executescript(SCHEMA + "".join(extra))
    return db


def test_an_index_that_takes_a_statement_from_another_is_reported(plans: ModuleType) -> None:
    places = {WAITING: {"assignment/rounds.py:10 waiting"}, MINE: {"tickets/lists.py:5 mine"}}
    added = "CREATE INDEX ix_inbox_created ON tickets (inbox_id, created_at, id);"
    with closing(_database()) as before, closing(_database(added)) as after:
        changes = plans.changed_plans(places, before, after)
    assert list(changes) == ["assignment/rounds.py:10 waiting"]
    [(old, new, sql)] = changes["assignment/rounds.py:10 waiting"]
    assert sql == WAITING
    assert any("ix_inbox " in line for line in old)
    assert any("ix_inbox_created" in line for line in new)


def test_statements_on_what_is_new_and_unchanged_triggers_are_not_changes(
    plans: ModuleType,
) -> None:
    places = {NEW_COLUMN: {"tickets/snooze.py:3 due"}, MINE: {"tickets/lists.py:5 mine"}}
    column = "ALTER TABLE tickets ADD COLUMN snoozed_until TEXT;"
    with closing(_database()) as before, closing(_database(column)) as after:
        assert plans.changed_plans(places, before, after) == {}


def test_a_trigger_whose_statement_changes_plan_is_reported(plans: ModuleType) -> None:
    # Without the primary key the trigger's UPDATE scans the counts; with an index it searches.
    bare = SCHEMA.replace("inbox_id INTEGER PRIMARY KEY, open INT", "inbox_id INT, open INT")
    before = sqlite3.connect(":memory:")
    after = sqlite3.connect(":memory:")
    with closing(before), closing(after):
        before.executescript(bare)
        after.executescript(bare + "CREATE INDEX ix_counts ON counts (inbox_id);")
        changes = plans.changed_plans({}, before, after)
    assert list(changes) == ["trigger count_open"]
