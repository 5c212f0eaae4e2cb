"""A customer's export and erasure find the mail they sent by its sender from an index
(`ticket_entries.sender`), not by reading every entry of the desk (docs/performance.md, "Finding
a customer's mail by its sender"); migration 0060 fills it for the entries written before."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from frontdesk.customers.models import Customer
from frontdesk.db.migrate import downgrade, upgrade
from frontdesk.db.session import create_engine
from frontdesk.privacy.scope import customer_scope
from tests.conftest import SQLITE_ITSELF, Desk
from tests.unit.privacy.test_other_people import ZELDA, Scene, erase_zelda, scene
from tests.unit.support import sqlite_steps

OTHERS_MAIL = (
    "INSERT INTO ticket_entries (ticket_id, kind, direction, text, data, created_at)"
    " SELECT :ticket, 'reply', 'in', 'Hello again ' || i, json_object('from_address',"
    " 'someone' || i || '@example.com', 'from', 'Someone <someone' || i || '@example.com>',"
    " 'to', json_array('support@shop.test'),"
    " 'quoted', 'On Monday you wrote: ' || hex(zeroblob(200))),"
    " '2026-01-01 00:00:00'"
    " FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"
    " SELECT i FROM n)"
)


async def zeldas_answer(app: FastAPI, s: Scene) -> int:
    async with app.state.engine.connect() as connection:
        found = await connection.scalar(
            text("SELECT id FROM ticket_entries WHERE ticket_id = :t AND text LIKE :mark"),
            {"t": s.marie_ticket, "mark": "%ZELDAONMARIE%"},
        )
    assert found is not None
    return int(found)


@SQLITE_ITSELF
async def test_finding_a_customers_mail_reads_no_one_elses(
    app: FastAPI, http: httpx.AsyncClient, desk: Desk
) -> None:
    """Zelda answered on Marie's ticket from an address only copied there (stored without an
    author): her scope finds it, and the work does not grow with everyone else's mail."""
    s = await scene(http, desk)
    answer = await zeldas_answer(app, s)
    done = []
    for count in (20, 2_000):
        async with app.state.engine.begin() as connection:
            await connection.execute(text(OTHERS_MAIL), {"ticket": s.marie_ticket, "count": count})
        # Counted on the app's one connection: taken before the session takes it.
        async with sqlite_steps(app) as steps, app.state.sessionmaker() as session:
            zelda = await session.get(Customer, s.zelda_customer)
            assert zelda is not None
            found = await customer_scope(session, customer=zelda)
            await session.rollback()
        assert answer in found.own_entry_ids
        assert answer in found.foreign_entry_ids
        done.append(steps[0])
    few, many = done
    # A hundred times the others' mail, the same work (give or take the b-trees' depth).
    assert many <= few * 1.2 + 5, (few, many)


async def test_0060_gives_the_entries_written_before_it_their_sender(
    app: FastAPI, http: httpx.AsyncClient, desk: Desk, database_url: str
) -> None:
    """Written before 0060, Zelda's answer on Marie's ticket is found by the sender the upgrade
    read from its data, also once the received mail it was made of is gone: the erasure takes
    it."""
    s = await scene(http, desk)
    answer = await zeldas_answer(app, s)
    # Written with the entry as the mail came in.
    async with app.state.engine.connect() as connection:
        written = await connection.scalar(
            text("SELECT sender FROM ticket_entries WHERE id = :e"), {"e": answer}
        )
    assert written == ZELDA.email
    await app.state.engine.dispose()
    await asyncio.to_thread(downgrade, database_url, "0059")
    await asyncio.to_thread(upgrade, database_url)
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            # Only the entry itself names her now.
            await connection.execute(
                text("DELETE FROM inbound_messages WHERE entry_id = :e"), {"e": answer}
            )
    finally:
        await engine.dispose()
    async with app.state.engine.connect() as connection:
        rows = (
            await connection.execute(
                text("SELECT id, sender FROM ticket_entries WHERE direction = 'in' ORDER BY id")
            )
        ).all()
    assert (answer, ZELDA.email) in [tuple(row) for row in rows]
    assert all(sender for _id, sender in rows)
    async with app.state.engine.connect() as connection:
        outgoing = await connection.scalar(
            text(
                "SELECT count(*) FROM ticket_entries WHERE sender IS NOT NULL AND direction <> 'in'"
            )
        )
    assert outgoing == 0

    await erase_zelda(s)
    async with app.state.engine.connect() as connection:
        left = await connection.scalar(
            text("SELECT count(*) FROM ticket_entries WHERE id = :e"), {"e": answer}
        )
    assert left == 0
