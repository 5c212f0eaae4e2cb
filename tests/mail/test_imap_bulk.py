"""A full mailbox, fetched completely and exactly once from a real Dovecot. On SQLite only: the
time goes into the inbound pipeline, and the PostgreSQL-specific part (two processes at once) is
in test_imap.py on both databases.

The suite fetches 1,000 messages in four batches, which is what the fetch's batching and resume
need; `FRONTDESK_IMAP_BULK=5000` runs the long form (docs/performance.md, Mail)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from fastapi import FastAPI

from frontdesk.config import Settings
from frontdesk.mail.models import InboundStatus
from frontdesk.tickets.models import TicketEntry
from tests.conftest import Desk
from tests.mail.dovecot import Dovecot, message
from tests.mail.test_imap import connect_mailbox, count, fetch, imap_rows


@pytest.fixture(params=["sqlite"])
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "frontdesk.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


async def test_a_full_mailbox_is_fetched_completely_and_once(
    app: FastAPI, settings: Settings, desk: Desk, dovecot: Dovecot
) -> None:
    _admin, _inbox_id = await connect_mailbox(desk, dovecot)
    total = int(os.environ.get("FRONTDESK_IMAP_BULK", "1000"))
    dovecot.deliver(
        [
            message(subject=f"Bulk {n}", body=f"Message {n}.", message_id=f"<bulk-{n}@example.org>")
            for n in range(total)
        ]
    )
    assert await fetch(app, settings, batch=250) == total
    assert await fetch(app, settings) == 0
    rows = await imap_rows(app)
    assert len({row.message_id for row in rows}) == total == len(rows)
    assert all(row.status is InboundStatus.processed for row in rows)
    assert await count(app, TicketEntry) == total
