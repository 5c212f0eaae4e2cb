"""Before the bytes of a deleted file go, whether any row still names their key is read from the
keys' indexes, not from every file of the desk.

A chat's file and its ticket's copy share one key, and a ticket's image shares its thumbnail's,
so the retention and erasure passes ask, for each key they queued, whether a file or a chat file
names it as its key or its thumbnail's. Without indexes on those columns both tables were read
whole for each key. The work is counted in SQLite's virtual machine steps, which do not depend on
the machine's speed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from frontdesk.config import Settings
from frontdesk.files.store import file_store
from frontdesk.privacy.files import delete_queued_files
from tests.conftest import SQLITE_ITSELF, Desk
from tests.unit.support import new_ticket, online, sqlite_steps

pytestmark = SQLITE_ITSELF


async def add_files(app: FastAPI, *, ticket_id: int, chat_id: int, count: int, tag: str) -> None:
    """`count` files of the ticket and `count` of the chat, each with a key of its own."""
    async with app.state.engine.begin() as connection:
        await connection.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"
                " INSERT INTO stored_files (key, filename, content_type, size, ticket_id,"
                " created_at, thumbnail_key)"
                " SELECT :tag || 's' || i, 'a.png', 'image/png', 1, :ticket, '2026-01-01 00:00:00',"
                " :tag || 't' || i FROM n"
            ),
            {"count": count, "tag": tag, "ticket": ticket_id},
        )
        await connection.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"
                " INSERT INTO chat_files (public_id, chat_id, client_id, key, filename,"
                " content_type, size, uploader_kind, created_at)"
                " SELECT :tag || 'p' || i, :chat, :tag || i, :tag || 'c' || i, 'a.txt',"
                " 'text/plain', 1, 'visitor', '2026-01-01 00:00:00' FROM n"
            ),
            {"count": count, "tag": tag, "chat": chat_id},
        )


async def one_chunk() -> AsyncIterator[bytes]:
    yield b"bytes"


async def test_a_deletion_pass_reads_the_keys_it_deletes(
    app: FastAPI, settings: Settings, desk: Desk, visitors: Any
) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox])
    await online(ada)
    ticket = await new_ticket(ada.client, inbox)
    chat = await (await visitors(inbox)).start_chat("Hello")
    store = file_store(settings)

    done = []
    for count, tag in ((20, "a"), (2_000, "b")):
        await add_files(app, ticket_id=ticket["id"], chat_id=chat["id"], count=count, tag=tag)
        # Three keys queued: one no row names any more, one a file's thumbnail, one a chat
        # file's key.
        gone, thumbnail, chat_file = [(await store.save(one_chunk(), limit=100))[0] for _ in "abc"]
        async with app.state.engine.begin() as connection:
            await connection.execute(
                text("UPDATE stored_files SET thumbnail_key = :key WHERE key = :file"),
                {"key": thumbnail, "file": f"{tag}s1"},
            )
            await connection.execute(
                text("UPDATE chat_files SET key = :key WHERE public_id = :file"),
                {"key": chat_file, "file": f"{tag}p2"},
            )
            for key in (gone, thumbnail, chat_file):
                await connection.execute(
                    text(
                        "INSERT INTO file_deletions (key, queued_at)"
                        " VALUES (:key, '2026-01-01 00:00:00')"
                    ),
                    {"key": key},
                )
        async with sqlite_steps(app) as steps:
            assert await delete_queued_files(app.state.sessionmaker, store) == 3
        done.append(steps[0])
        assert not await store.exists(gone)
        assert await store.exists(thumbnail)
        assert await store.exists(chat_file)
    few, many = done
    # A hundred times the files, the same work (give or take the b-trees' depth).
    assert many <= few * 1.2 + 5, (few, many)
