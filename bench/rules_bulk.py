"""What event rules that match nothing cost a bulk action, and another agent who writes a note
meanwhile (docs/performance.md, "Rules and bulk actions").

Run from the repository root:

    .venv/bin/python bench/rules_bulk.py [--store sqlite|postgresql|both] [--rounds 3]
                                        [--tickets 100] [--rules 0,5,30]

For each store it builds a fresh database with the real migrations: an inbox, an agent, an
admin and a label. For each number of rules (added by the admin over the API, like the rules of
the audit: half on "state changed", half on "label added", each with the conditions "in business
hours" and "text contains nomatchN", which no ticket meets), `--rounds` times: `--tickets` new
tickets, each with a customer's first message, then `POST /api/v1/tickets/bulk` with "set the
state to hold" and "add the label" on all of them, and, the moment it writes its first ticket,
another agent's `POST /api/v1/tickets/{id}/notes` on a ticket of their own, timed from then.
Prints the median and the slowest round of each, and how many SQL statements the two requests
sent.

The app runs in this process over ASGI, as `frontdesk run` would serve it: on SQLite the bulk's
transaction holds the database's one writer until it commits, so the note waits for it. No
assertions on time: the figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event, insert

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tickets as ticket_bench

from frontdesk.app import create_app
from frontdesk.db.migrate import upgrade
from frontdesk.db.session import unit_of_work
from frontdesk.inboxes import service as inboxes_service
from frontdesk.tickets.models import Direction, EntryKind, TicketEntry
from frontdesk.users import service as users_service
from frontdesk.users.models import Role

AGENT, OTHER, ADMIN = "ada@bench.test", "grace@bench.test", "admin@bench.test"


async def _login(app: FastAPI, email: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=ticket_bench.BASE_URL, timeout=600
    )
    response = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": ticket_bench.PASSWORD}
    )
    response.raise_for_status()
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def _ok(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 400:
        raise SystemExit(f"{response.request.url}: {response.status_code} {response.text}")
    body: dict[str, Any] = response.json()
    return body


async def _seed(app: FastAPI) -> int:
    async with unit_of_work(app.state.sessionmaker) as session:
        inbox = await inboxes_service.create_inbox(session, name="Support")
        for email, role in ((AGENT, Role.agent), (OTHER, Role.agent), (ADMIN, Role.admin)):
            user = await users_service.create_user(
                session,
                email=email,
                name=email.split("@")[0],
                password=ticket_bench.PASSWORD,
                role=role,
            )
            await inboxes_service.add_member(session, inbox=inbox, user=user)
        return inbox.id


async def _new_tickets(agent: httpx.AsyncClient, inbox_id: int, app: FastAPI, n: int) -> list[int]:
    """Tickets with a customer's first message each, as mail would leave them."""
    made = []
    for _ in range(n):
        ticket = _ok(
            await agent.post(
                "/api/v1/tickets",
                json={
                    "inbox_id": inbox_id,
                    "customer": {"email": f"{uuid.uuid4().hex[:10]}@example.org", "name": "Cora"},
                    "subject": "My order never came",
                },
            )
        )
        made.append(ticket)
    async with unit_of_work(app.state.sessionmaker) as session:
        await session.execute(
            insert(TicketEntry),
            [
                {
                    "ticket_id": ticket["id"],
                    "kind": EntryKind.reply,
                    "direction": Direction.inbound,
                    "author_customer_id": ticket["customer_id"],
                    "text": "Hello, I ordered a lamp two weeks ago and it has not arrived yet.",
                    "data": {},
                }
                for ticket in made
            ],
        )
    return [ticket["id"] for ticket in made]


async def _add_rules(admin: httpx.AsyncClient, have: int, want: int) -> None:
    for n in range(have + 1, want + 1):
        _ok(
            await admin.post(
                "/api/v1/rules",
                json={
                    "name": f"Never {n}",
                    "when": {"type": "state_changed"} if n % 2 else {"type": "label_added"},
                    "conditions": [
                        {"field": "text", "op": "contains", "value": f"nomatch{n}"},
                        {"field": "hours", "op": "in"},
                    ],
                    "actions": [{"type": "note", "text": "never written"}],
                },
            )
        )


async def _round(
    app: FastAPI,
    clients: dict[str, httpx.AsyncClient],
    inbox_id: int,
    label_id: int,
    tickets: int,
) -> tuple[float, float, int]:
    """(bulk seconds, note seconds, statements of the bulk's process)."""
    ids = await _new_tickets(clients["agent"], inbox_id, app, tickets)
    (mine,) = await _new_tickets(clients["other"], inbox_id, app, 1)
    sent = [0]
    writing: list[float] = []

    def count(*args: Any) -> None:
        sent[0] += 1
        if not writing and str(args[2]).lstrip().upper().startswith("UPDATE TICKETS"):
            writing.append(time.perf_counter())

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)

    async def bulk() -> float:
        started = time.perf_counter()
        result = _ok(
            await clients["agent"].post(
                "/api/v1/tickets/bulk",
                json={
                    "ticket_ids": ids,
                    "actions": [
                        {"type": "set_state", "state": "hold"},
                        {"type": "label", "add": [label_id]},
                    ],
                },
            )
        )
        assert result["done"] == tickets, result
        return time.perf_counter() - started

    async def note() -> float:
        # Sent as the bulk writes its first ticket, timed from then: on SQLite the statements
        # run on the event loop's thread, so this coroutine may wake up only once the bulk
        # lets the loop go, which is what the other agent waits for.
        while not writing:
            await asyncio.sleep(0.001)
        _ok(
            await clients["other"].post(
                f"/api/v1/tickets/{mine}/notes", json={"text": "Called the customer back"}
            )
        )
        return time.perf_counter() - writing[0]

    try:
        bulk_s, note_s = await asyncio.gather(bulk(), note())
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return bulk_s, note_s, sent[0]


async def _run(store: str, url: str, data: Path, args: argparse.Namespace) -> None:
    await asyncio.to_thread(upgrade, url)
    app = create_app(ticket_bench._settings(url, data), run_loops=False)
    async with app.router.lifespan_context(app):
        inbox_id = await _seed(app)
        clients = {
            "agent": await _login(app, AGENT),
            "other": await _login(app, OTHER),
            "admin": await _login(app, ADMIN),
        }
        try:
            label_id = _ok(await clients["admin"].post("/api/v1/labels", json={"name": "Later"}))[
                "id"
            ]
            have = 0
            for rules in args.rules:
                await _add_rules(clients["admin"], have, rules)
                have = rules
                rounds = [
                    await _round(app, clients, inbox_id, label_id, args.tickets)
                    for _ in range(args.rounds)
                ]
                bulk = [each[0] for each in rounds]
                note = [each[1] for each in rounds]
                print(
                    f"{store:10} {rules:3} rules  bulk of {args.tickets}: "
                    f"median {statistics.median(bulk):6.2f} s, max {max(bulk):6.2f} s   "
                    f"note meanwhile: median {statistics.median(note):6.2f} s, "
                    f"max {max(note):6.2f} s   statements {rounds[-1][2]}",
                    flush=True,
                )
        finally:
            for client in clients.values():
                await client.aclose()


def _numbers(text: str) -> Sequence[int]:
    return [int(part) for part in text.split(",")]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tickets", type=int, default=100)
    parser.add_argument("--rules", type=_numbers, default=(0, 5, 30))
    args = parser.parse_args()
    stores = ("sqlite", "postgresql") if args.store == "both" else (args.store,)
    for store in stores:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "var"
            if store == "sqlite":
                await _run(store, f"sqlite+aiosqlite:///{Path(tmp) / 'frontdesk.db'}", data, args)
                continue
            name = f"fd_bench_rules_{uuid.uuid4().hex[:8]}"
            await ticket_bench._pg_admin(f'CREATE DATABASE "{name}"')
            try:
                base = ticket_bench.PG_ADMIN_URL.rsplit("/", 1)[0]
                url = f"{base.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
                await _run(store, url, data, args)
            finally:
                await ticket_bench._pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
