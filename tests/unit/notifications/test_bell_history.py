"""The bell's unread count reads the unread notifications, not all a person was ever sent.

The count is read with every notification written (it goes out live with it) and every bell
read. By the (person, id) index it read every notification the person was ever sent, the read
ones and the push-only ones, which the bell never shows (migration 0045). The work is counted
in SQLite's virtual machine steps, which do not depend on the machine's speed."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text

from tests.conftest import SQLITE_ITSELF, Desk
from tests.unit.notifications.support import bell
from tests.unit.support import new_ticket, sqlite_steps

pytestmark = SQLITE_ITSELF


async def add_old_notifications(app: FastAPI, *, user_id: int, ticket_id: int, count: int) -> None:
    """`count` read bell notifications and `count` push-only ones (unread), older than any."""
    async with app.state.engine.begin() as connection:
        for in_app, read_at in ((1, "2026-01-02 00:00:00.000000"), (0, None)):
            await connection.execute(
                text(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                    " WHERE i < :count)"
                    " INSERT INTO notifications (user_id, kind, ticket_id, params, in_app,"
                    " read_at, created_at)"
                    ' SELECT :user, \'assigned\', :ticket, \'{"number": 1, "subject": "Old"}\','
                    " :in_app, :read_at, '2026-01-01 00:00:00.000000' FROM n"
                ),
                {
                    "count": count,
                    "user": user_id,
                    "ticket": ticket_id,
                    "in_app": in_app,
                    "read_at": read_at,
                },
            )


async def test_the_unread_count_reads_the_unread_ones(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox()
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    ticket = await new_ticket(ada.client, inbox, subject="Broken lamp")

    done = []
    for count in (20, 2_000):
        await add_old_notifications(app, user_id=bob.id, ticket_id=ticket["id"], count=count)
        # Ada hands the ticket to Bob: Bob is told, and his count goes out with it.
        async with sqlite_steps(app) as assigned:
            response = await ada.client.patch(
                f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": bob.id}
            )
        assert response.status_code == 200, response.text
        async with sqlite_steps(app) as read:
            page = await bell(bob, unread=True)
        assert page["unread"] == 1
        (item,) = page["items"]
        assert (item["kind"], item["params"]["subject"]) == ("assigned", "Broken lamp")
        # Bob reads it, and Ada takes the ticket back: the next round starts as this one did.
        response = await bob.client.post("/api/v1/notifications/read", json={"ids": [item["id"]]})
        assert response.json() == {"unread": 0}
        response = await ada.client.patch(
            f"/api/v1/tickets/{ticket['id']}", json={"assignee_id": ada.id}
        )
        assert response.status_code == 200, response.text
        done.append((assigned[0], read[0]))
    (assigned_few, read_few), (assigned_many, read_many) = done
    assert assigned_many <= assigned_few * 1.2 + 5, done
    assert read_many <= read_few * 1.2 + 5, done
