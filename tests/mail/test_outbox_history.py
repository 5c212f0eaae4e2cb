"""The outbox's round, with no SMTP server of the desk's own and mail waiting for the viewer,
reads the waiting mail and not every ticket of the desk.

Mail waits in the outbox for ever when FRONTDESK_SMTP_URL is unset (the mail viewer), so each
round of the outbox, a few times a minute, asks which waiting mail goes through an inbox's own
provider. Asked as `ticket_id IN (the tickets of such inboxes)`, SQLite listed every ticket of
the desk first, on the event loop's thread. The work is counted in SQLite's virtual machine
steps, which do not depend on the machine's speed."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text

from frontdesk.config import Settings
from frontdesk.mail.timers import deliver_outbox
from tests.conftest import SQLITE_ITSELF, Desk
from tests.mail.support import outbox, ticket_with_reply
from tests.unit.support import sqlite_steps

pytestmark = SQLITE_ITSELF


async def add_tickets(app: FastAPI, *, like: int, count: int) -> None:
    """`count` tickets copied from ticket `like`, each with the next number."""
    async with app.state.engine.begin() as connection:
        await connection.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"
                " INSERT INTO tickets (number, inbox_id, customer_id, shows_customer, subject,"
                " type, state, priority, cc, created_at, updated_at)"
                " SELECT (SELECT max(number) FROM tickets) + n.i, t.inbox_id, t.customer_id,"
                " t.shows_customer, t.subject, t.type, t.state, t.priority, t.cc, t.created_at,"
                " t.updated_at FROM n, tickets AS t WHERE t.id = :like"
            ),
            {"count": count, "like": like},
        )


async def test_a_round_reads_the_waiting_mail_not_every_ticket(
    app: FastAPI, settings: Settings, desk: Desk
) -> None:
    inbox = await desk.inbox(email_address="support@shop.test")
    ada = await desk.agent(inboxes=[inbox])
    admin = await desk.agent(role="admin")
    ticket, _reply = await ticket_with_reply(ada, inbox)
    assert settings.smtp_url is None

    done = []
    for count in (20, 2_000):
        await add_tickets(app, like=ticket["id"], count=count)
        async with sqlite_steps(app) as steps:
            # Nothing to send: the inbox has no provider of its own, and the desk no server.
            assert await deliver_outbox(app.state.sessionmaker, settings) == 0
        done.append(steps[0])
    # The reply still waits in the viewer.
    (row,) = await outbox(admin, state="queued")
    assert row["ticket_id"] == ticket["id"]
    few, many = done
    # A hundred times the tickets, the same work (give or take the b-trees' depth).
    assert many <= few * 1.2 + 5, (few, many)
