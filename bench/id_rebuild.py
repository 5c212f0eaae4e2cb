"""How long migration 0056 (AUTOINCREMENT on SQLite, docs/privacy.md) takes on a large desk.

Run from the repository root:

    .venv/bin/python bench/id_rebuild.py [--tickets 200000] [--entries 1000000]

Builds a SQLite file under a temp dir with the real migrations up to the one before, fills it
with plain SQL (customers, tickets, entries, their search indexes through the real triggers),
then times the upgrade to 0056 and its downgrade. Prints the file's size and both times.
"""

# Every SQL string below is assembled from this file's own constants and integers.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from frontdesk.db.migrate import downgrade, upgrade
from frontdesk.search import schema as search_schema

REVISION = "0056"
BEFORE = "0055"
WORDS = "parcel order refund invoice delivery broken screen password account shipping late"


def fill(path: Path, tickets: int, entries: int) -> None:
    db = sqlite3.connect(path)
    search_schema.register_sqlite_fold(db)
    customers = max(1, tickets // 4)
    now = "'2026-12-01 10:00:00'"
    db.executescript(
        f"""
        INSERT INTO inboxes (name, public_key, unanswered_timeout_seconds, allowed_origins,
            require_identity, messenger_settings, created_at, updated_at)
        VALUES ('Support', 'bench-key', 300, '[]', 0, '{{}}', {now}, {now});
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {customers})
        INSERT INTO customers (name, attributes, notes, created_at, updated_at, verified)
        SELECT 'Customer ' || i, '{{}}', '', {now}, {now}, 1 FROM n;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {tickets})
        INSERT INTO tickets (number, inbox_id, customer_id, subject, type, state, created_at,
            updated_at, shows_customer, cc, priority)
        SELECT i, 1, 1 + i % {customers}, 'Ticket ' || i || ' about my ' ||
            substr('{WORDS}', 1 + (i * 7) % 60, 12), 'email',
            CASE i % 4 WHEN 0 THEN 'closed' ELSE 'open' END,
            datetime({now}, '-' || (i % 50000) || ' minutes'),
            datetime({now}, '-' || (i % 40000) || ' minutes'), 1, '[]', 'normal' FROM n;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {entries})
        INSERT INTO ticket_entries (ticket_id, kind, direction, author_customer_id, text,
            message_id, data, created_at)
        SELECT 1 + i % {tickets}, 'reply', 'in', 1 + i % {customers},
            'Hello, ' || substr('{WORDS} {WORDS} {WORDS}', 1 + i % 90, 120) || ' ' || i,
            '<m' || i || '@example.org>', '{{}}',
            datetime({now}, '-' || (i % 50000) || ' minutes') FROM n;
        """
    )
    db.commit()
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "frontdesk.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url, BEFORE)
        started = time.perf_counter()
        fill(path, args.tickets, args.entries)
        print(f"filled in {time.perf_counter() - started:.1f} s")
        print(f"file: {path.stat().st_size / 2**20:.0f} MiB")
        started = time.perf_counter()
        upgrade(url, REVISION)
        print(f"upgrade to {REVISION}: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        downgrade(url, BEFORE)
        print(f"downgrade to {BEFORE}: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
