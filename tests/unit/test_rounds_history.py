"""The background rounds cost the same on a desk with a long history, or a long backlog.

Each round runs every few seconds or every minute, on SQLite on the event loop's thread, so what
it reads holds up every request meanwhile (bench/rounds.py times each at 200,000 tickets).
- "Closed for 30 days" read every closed ticket there ever was, each with two correlated
  subqueries, every minute: 1.3-1.6 s with three such rules. After a whole round a rule reads
  only the tickets changed since (rules/timed.py).
- The snooze timer read every snoozed ticket by the state's index, every 15 seconds, where the
  snooze times' index gives the due ones.
- The retention pass read every ticket for each ticket it deleted (the database's search for
  tickets merged into it): 4.3-4.6 s a batch of 50.
- The auto-assignment pass read every auto-assigned ticket nobody had touched yet, each with its
  ticket and its assignee's notes, every 5 seconds, though none could move: their agents were
  online and the inbox's delay had not passed.
The work is counted in SQLite's virtual machine steps, which do not depend on the machine's
speed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from frontdesk.assignment.timers import assign_tickets
from frontdesk.config import Settings
from frontdesk.privacy.timers import apply_retention
from frontdesk.rules import timed
from frontdesk.rules.timers import run_time_rules
from frontdesk.tickets.timers import wake_snoozed_tickets
from tests.clock import FrozenClock
from tests.conftest import SQLITE_ITSELF, Desk
from tests.unit.rules.support import create_rule
from tests.unit.support import new_ticket, online, sqlite_steps

pytestmark = SQLITE_ITSELF


async def steps_with_more(
    app: FastAPI,
    add: Callable[[int], Awaitable[None]],
    round_: Callable[[], Awaitable[int]],
    *,
    done: int,
) -> None:
    """The round's work after `add(20)` and after `add(2_000)` more rows, each time doing `done`
    things: a hundred times the rows, the same work (give or take the b-trees' depth)."""
    work = []
    for count in (20, 2_000):
        await add(count)
        async with sqlite_steps(app) as steps:
            assert await round_() == done
        work.append(steps[0])
    few, many = work
    assert many <= few * 1.2 + 5, (few, many)


# What a copy of a ticket takes from it, unless told otherwise.
COPIED = (
    "inbox_id",
    "customer_id",
    "shows_customer",
    "subject",
    "type",
    "state",
    "priority",
    "cc",
    "created_at",
    "updated_at",
)


async def copy_ticket(
    connection: AsyncConnection,
    count: int,
    *,
    like: int,
    params: dict[str, object] | None = None,
    **changed: str,
) -> int:
    """`count` copies of ticket `like`, numbered after the last ticket, with the `changed`
    columns set to these SQL expressions (over the original, `t`, and `params`); the highest
    ticket id before them."""
    first = int((await connection.execute(text("SELECT max(id) FROM tickets"))).scalar_one())
    columns = list(dict.fromkeys([*COPIED, *changed]))
    values = ", ".join(changed.get(column, f"t.{column}") for column in columns)
    await connection.execute(
        text(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)"  # noqa: S608 (the tests' own columns)
            f" INSERT INTO tickets (id, number, {', '.join(columns)})"
            f" SELECT :first + n.i, (SELECT max(number) FROM tickets) + n.i, {values}"
            " FROM n, tickets AS t WHERE t.id = :like"
        ),
        {"count": count, "first": first, "like": like, **(params or {})},
    )
    return first


async def add_closed_tickets(
    app: FastAPI, count: int, *, like: int, days: int = 60, judged: bool = True
) -> None:
    """`count` tickets like ticket `like`, closed `days` ago, and judged long since by every
    rule (unless not `judged`): what a year of a desk leaves behind."""
    async with app.state.engine.begin() as connection:
        first = await copy_ticket(
            connection,
            count,
            like=like,
            params={"days": days},
            state="'closed'",
            created_at="datetime(t.created_at, (-:days - 1) || ' days')",
            updated_at="datetime(t.created_at, -:days || ' days')",
            closed_at="datetime(t.created_at, -:days || ' days')",
        )
        if not judged:
            return
        await connection.execute(
            text(
                "INSERT INTO rule_runs (rule_id, ticket_id, episode, outcome, applied, ran_at)"
                " SELECT r.id, t.id, '0', 'skipped', '[]', t.updated_at"
                " FROM rules AS r, tickets AS t WHERE t.id > :first"
            ),
            {"first": first},
        )


async def test_a_round_reads_what_changed_not_every_closed_ticket(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox(name="Shop")
    admin = await desk.agent(role="admin", inboxes=[inbox])
    for name, when in (
        ("Archive closed", {"type": "in_state", "state": "closed", "hours": 720}),
        ("Chase the customer", {"type": "in_state", "state": "hold", "hours": 120}),
        ("Late", {"type": "no_reply", "hours": 24}),
    ):
        await create_rule(admin, name, when=when, actions=[{"type": "note", "text": name}])
    ticket = await new_ticket(admin.client, inbox, subject="An old question", state="closed")
    # The first round reads every ticket, and after it each round reads what changed since.
    assert await run_time_rules(app.state.sessionmaker) == 0

    await steps_with_more(
        app,
        partial(add_closed_tickets, app, like=ticket["id"]),
        partial(run_time_rules, app.state.sessionmaker),
        done=0,
    )


async def test_in_a_status_reads_the_stays_that_came_of_age(app: FastAPI, desk: Desk) -> None:
    """ "Waiting on vendor for 5 days" reads the tickets whose stay in the status came of age
    since its last round, by the status's index: not every ticket that has had it for long."""
    inbox = await desk.inbox(name="Shop")
    admin = await desk.agent(role="admin", inboxes=[inbox])
    made = await admin.client.post(
        "/api/v1/ticket-statuses", json={"name": "Waiting on vendor", "state": "hold"}
    )
    assert made.status_code == 201, made.text
    vendor = made.json()["id"]
    when = {"type": "in_status", "status_id": vendor, "hours": 120}
    await create_rule(admin, "Chase", when=when, actions=[{"type": "note", "text": "Chase"}])
    ticket = await new_ticket(admin.client, inbox, subject="A part", status_id=vendor)
    assert await run_time_rules(app.state.sessionmaker) == 0

    async def add(count: int) -> None:
        """`count` tickets waiting on the vendor for 60 days, judged long since."""
        async with app.state.engine.begin() as connection:
            first = await copy_ticket(
                connection,
                count,
                like=ticket["id"],
                state="'hold'",
                status_id="t.status_id",
                status_changed_at="datetime(t.created_at, '-60 days')",
            )
            await connection.execute(
                text(
                    "INSERT INTO rule_runs (rule_id, ticket_id, episode, outcome, applied, ran_at)"
                    " SELECT r.id, t.id, t.status_changed_at, 'skipped', '[]', t.updated_at"
                    " FROM rules AS r, tickets AS t WHERE t.id > :first"
                ),
                {"first": first},
            )

    await steps_with_more(app, add, partial(run_time_rules, app.state.sessionmaker), done=0)


async def test_a_new_rule_reads_a_window_a_round_not_every_ticket(
    app: FastAPI, desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new "closed for 30 days" rule judges 50 tickets a round from where the last round
    stopped: its fifth round reads as much on a long history as on a short one, where each
    round read every closed ticket."""
    monkeypatch.setattr(timed, "WINDOW", 200)
    clock = FrozenClock(monkeypatch, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    inbox = await desk.inbox(name="Shop")
    admin = await desk.agent(role="admin", inboxes=[inbox])
    ticket = await new_ticket(admin.client, inbox, subject="An old question", state="closed")
    when = {"type": "in_state", "state": "closed", "hours": 720}
    work = []
    for count in (400, 4_000):
        await add_closed_tickets(app, count, like=ticket["id"], judged=False)
        rule = await create_rule(
            admin, f"Archive {count}", when=when, actions=[{"type": "note", "text": "Old"}]
        )
        for _ in range(5):
            clock.advance(minutes=1)
            async with sqlite_steps(app) as steps:
                assert await run_time_rules(app.state.sessionmaker) == 50
        work.append(steps[0])
        deleted = await admin.client.delete(f"/api/v1/rules/{rule['id']}")
        assert deleted.status_code == 204, deleted.text
        # The next rule starts on tickets that no rule has touched, as this one did.
        async with app.state.engine.begin() as connection:
            await connection.execute(
                text("DELETE FROM tickets WHERE id <> :like"), {"like": ticket["id"]}
            )
    short, long = work
    assert long <= short * 1.2 + 5, (short, long)


async def add_snoozed_tickets(app: FastAPI, count: int, *, like: int) -> None:
    """`count` tickets like ticket `like`, snoozed for a week."""
    async with app.state.engine.begin() as connection:
        await copy_ticket(
            connection,
            count,
            like=like,
            state="'snoozed'",
            snoozed_until="datetime(t.created_at, '+7 days')",
        )


async def test_the_snooze_timer_reads_the_due_snoozes(app: FastAPI, desk: Desk) -> None:
    inbox = await desk.inbox(name="Shop")
    agent = await desk.agent(inboxes=[inbox])
    ticket = await new_ticket(agent.client, inbox, subject="Call me back")
    await steps_with_more(
        app,
        partial(add_snoozed_tickets, app, like=ticket["id"]),
        partial(wake_snoozed_tickets, app.state.sessionmaker),
        done=0,
    )
    # The snoozes that ended still wake: one of them, ended a minute ago.
    async with app.state.engine.begin() as connection:
        ended = await connection.execute(
            text(
                "UPDATE tickets SET snoozed_until = datetime('now', '-1 minute')"
                " WHERE id = (SELECT max(id) FROM tickets) RETURNING id"
            )
        )
        woken = ended.scalar_one()
    assert await wake_snoozed_tickets(app.state.sessionmaker) == 1
    state = (await agent.client.get(f"/api/v1/tickets/{woken}")).json()["state"]
    assert state == "open"


async def add_untouched_tickets(app: FastAPI, count: int, *, like: int, user_id: int) -> None:
    """`count` open tickets like ticket `like`, auto-assigned to the user a minute ago and not
    touched since."""
    async with app.state.engine.begin() as connection:
        first = await copy_ticket(
            connection,
            count,
            like=like,
            params={"user": user_id},
            state="'open'",
            assignee_id=":user",
        )
        await connection.execute(
            text(
                "INSERT INTO auto_assignments (ticket_id, inbox_id, user_id, assigned_at)"
                " SELECT id, inbox_id, :user, datetime('now', '-1 minute') FROM tickets"
                " WHERE id > :first"
            ),
            {"first": first, "user": user_id},
        )


async def test_the_auto_assignment_pass_reads_the_tickets_that_may_move(
    app: FastAPI, desk: Desk
) -> None:
    inbox = await desk.inbox(name="Queue")
    admin = await desk.agent(role="admin", inboxes=[inbox])
    ada = await desk.agent(inboxes=[inbox], name="Ada")
    await online(ada)
    body = {"mode": "balanced", "ticket_limit": 1000, "reassign_after_minutes": 60}
    saved = await admin.client.put(f"/api/v1/inboxes/{inbox['id']}/assignment", json=body)
    assert saved.status_code == 200, saved.text
    ticket = await new_ticket(admin.client, inbox, subject="Where is my parcel?")

    async def moved() -> int:
        tally = await assign_tickets(app.state.sessionmaker)
        return tally.assigned + tally.reassigned + tally.released

    assert await moved() == 1  # the one waiting goes to Ada
    await steps_with_more(
        app, partial(add_untouched_tickets, app, like=ticket["id"], user_id=ada.id), moved, done=0
    )


async def test_the_retention_pass_reads_the_expired_tickets(
    app: FastAPI, settings: Settings, desk: Desk
) -> None:
    inbox = await desk.inbox(name="Shop")
    admin = await desk.agent(role="admin", inboxes=[inbox])
    kept = await admin.client.patch(f"/api/v1/inboxes/{inbox['id']}", json={"retention_days": 90})
    assert kept.status_code == 200, kept.text
    ticket = await new_ticket(admin.client, inbox, subject="An old question", state="closed")

    async def add(count: int) -> None:
        # Kept: closed 60 days ago. Expired: closed 100 days ago, three of them.
        await add_closed_tickets(app, like=ticket["id"], count=count)
        await add_closed_tickets(app, like=ticket["id"], count=3, days=100)

    await steps_with_more(
        app, add, partial(apply_retention, app.state.sessionmaker, settings), done=3
    )
    async with app.state.engine.connect() as connection:
        left = await connection.scalar(text("SELECT count(*) FROM tickets"))
    assert left == 1 + 20 + 2_000
