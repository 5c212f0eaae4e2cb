"""The folder counts' counters (tickets/counts.py, migration 0037) equal a real count of the
tickets after random creates, state changes, assignments, inbox moves, merges, deletions, an
agent and an inbox deleted, whether or not the deltas were compacted in between; the folder
counts an agent and an admin read equal counting the tickets; and on PostgreSQL, transactions
changing tickets of one inbox at once, while compactions run, lose no count and never
deadlock."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, text, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.customers import service as customers_service
from frontdesk.db.session import create_engine, unit_of_work
from frontdesk.errors import FrontdeskError
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.privacy import deletion, retention
from frontdesk.tickets import counts, merging
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import (
    Ticket,
    TicketCount,
    TicketCountDelta,
    TicketState,
    TicketType,
)
from frontdesk.users import service as users_service
from frontdesk.users.models import Role, User

Cell = tuple[int, str, int]


async def _counted(session: AsyncSession) -> dict[Cell, int]:
    """Each (inbox, state, assignee or 0) cell, counted from the tickets."""
    assignee = func.coalesce(Ticket.assignee_id, 0)
    rows = await session.execute(
        select(Ticket.inbox_id, Ticket.state, assignee, func.count()).group_by(
            Ticket.inbox_id, Ticket.state, assignee
        )
    )
    return {(i, TicketState(s).value, a): n for i, s, a, n in rows}


async def _kept(session: AsyncSession) -> dict[Cell, int]:
    """Each cell as the counters hold it: compacted counts plus deltas not yet moved."""
    cells = union_all(
        select(TicketCount.inbox_id, TicketCount.state, TicketCount.assignee_id, TicketCount.n),
        select(
            TicketCountDelta.inbox_id,
            TicketCountDelta.state,
            TicketCountDelta.assignee_id,
            TicketCountDelta.n,
        ),
    ).subquery()
    rows = await session.execute(
        select(cells.c.inbox_id, cells.c.state, cells.c.assignee_id, func.sum(cells.c.n)).group_by(
            cells.c.inbox_id, cells.c.state, cells.c.assignee_id
        )
    )
    return {(i, s, a): int(n) for i, s, a, n in rows if n}


def _folders(cells: dict[Cell, int], *, user_id: int, inbox_ids: set[int]) -> dict[str, int]:
    """What the folder counts must say, from the real cells (no ticket is breaching here)."""
    folders: Counter[str] = Counter({state.value: 0 for state in TicketState})
    folders.update(mine=0, unassigned=0, breaching=0)
    for (inbox_id, state, assignee), n in cells.items():
        if inbox_id not in inbox_ids:
            continue
        folders[state] += n
        if state == TicketState.open.value and assignee == user_id:
            folders["mine"] += n
        if state == TicketState.open.value and assignee == 0:
            folders["unassigned"] += n
    return dict(folders)


async def _compact_all(sessions: async_sessionmaker[AsyncSession]) -> None:
    while True:
        async with unit_of_work(sessions) as session:
            if await counts.compact(session) == 0:
                return


async def _check(
    sessions: async_sessionmaker[AsyncSession], readers: list[tuple[User, set[int]]]
) -> None:
    async with unit_of_work(sessions) as session:
        counted = await _counted(session)
        assert await _kept(session) == counted
        for user, inbox_ids in readers:
            everywhere = await tickets_service.count_tickets(session, user=user, inbox_id=None)
            assert everywhere == _folders(counted, user_id=user.id, inbox_ids=inbox_ids)
            for inbox_id in inbox_ids:
                one = await tickets_service.count_tickets(session, user=user, inbox_id=inbox_id)
                assert one == _folders(counted, user_id=user.id, inbox_ids={inbox_id})


async def _random_change(
    session: AsyncSession,
    rng: random.Random,
    *,
    admin: User,
    agents: list[User],
    inbox_ids: list[int],
    customer_ids: list[int],
) -> None:
    ticket_ids = list(await session.scalars(select(Ticket.id)))
    action = rng.choice(
        ["create", "create", "state", "state", "assign", "move", "merge", "delete"]
        if ticket_ids
        else ["create"]
    )
    ticket = await session.get(Ticket, rng.choice(ticket_ids)) if ticket_ids else None
    admin = await session.merge(admin)
    if action == "create":
        inbox = await session.get_one(Inbox, rng.choice(inbox_ids))
        customer = await customers_service.get_customer(
            session, user=admin, customer_id=rng.choice(customer_ids)
        )
        assignee = rng.choice([None, *agents])
        await tickets_service.create_ticket(
            session,
            inbox=inbox,
            customer=customer,
            subject="Help",
            type=TicketType.email,
            state=rng.choice([TicketState.open, TicketState.hold, TicketState.closed]),
            assignee=await session.merge(assignee) if assignee else None,
            filed_by=admin,
        )
    elif action == "state" and ticket is not None:
        state = rng.choice(list(TicketState))
        snoozed_until = utcnow() + timedelta(days=1) if state is TicketState.snoozed else None
        await tickets_service.update_ticket(
            session, actor=admin, ticket=ticket, state=state, snoozed_until=snoozed_until
        )
    elif action == "assign" and ticket is not None:
        assignee = rng.choice([None, *agents])
        await tickets_service.update_ticket(
            session,
            actor=admin,
            ticket=ticket,
            assignee=await session.merge(assignee) if assignee else None,
            unassign=assignee is None,
        )
    elif action == "move" and ticket is not None:
        await session.execute(
            update(Ticket).where(Ticket.id == ticket.id).values(inbox_id=rng.choice(inbox_ids))
        )
    elif action == "merge" and ticket is not None:
        target = rng.choice(ticket_ids)
        await merging.merge_tickets(
            session, actor=admin, source=ticket, target_id=target, other_customer=True
        )
    elif action == "delete":
        await retention.delete_expired(
            session,
            inbox_id=rng.choice(inbox_ids),
            closed_before=utcnow() + timedelta(days=1),
            limit=rng.randint(1, 3),
        )


async def test_counters_equal_the_tickets_after_random_changes(database_url: str) -> None:
    rng = random.Random(37)
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with unit_of_work(sessions) as session:
            inboxes = [
                await inboxes_service.create_inbox(session, name=f"Inbox {n}") for n in range(3)
            ]
            admin = await users_service.create_user(
                session, email="admin@counts.test", name="Admin", password=None, role=Role.admin
            )
            agents = [
                await users_service.create_user(
                    session, email=f"agent{n}@counts.test", name=f"Agent {n}", password=None
                )
                for n in range(4)
            ]
            # The first agent sees two of the three inboxes; the others see all of them.
            for n, agent in enumerate(agents):
                for inbox in inboxes[: 2 if n == 0 else 3]:
                    await inboxes_service.add_member(session, inbox=inbox, user=agent)
            customer_ids = [
                (
                    await customers_service.create_customer(
                        session,
                        name=f"Customer {n}",
                        emails=[f"c{n}@counts.test"],
                        created_by=None,
                        verified=True,
                    )
                ).id
                for n in range(4)
            ]
        inbox_ids = [inbox.id for inbox in inboxes]
        readers = [(admin, set(inbox_ids)), (agents[0], set(inbox_ids[:2]))]
        for step in range(120):
            try:
                async with unit_of_work(sessions) as session:
                    await _random_change(
                        session,
                        rng,
                        admin=admin,
                        agents=agents,
                        inbox_ids=inbox_ids,
                        customer_ids=customer_ids,
                    )
            except FrontdeskError:
                pass  # a change the desk refuses (a transition, an assignee of another inbox)
            if rng.random() < 0.2:
                await _compact_all(sessions)
            if step % 30 == 29:
                await _check(sessions, readers)

        # An agent deleted: their tickets become unassigned (ON DELETE SET NULL).
        async with unit_of_work(sessions) as session:
            gone = agents[1]
            assert await session.scalar(
                select(func.count()).select_from(Ticket).where(Ticket.assignee_id == gone.id)
            )
            await session.execute(
                text("DELETE FROM inbox_members WHERE user_id = :id"), {"id": gone.id}
            )
            await session.execute(delete(User).where(User.id == gone.id))
        await _check(sessions, readers)

        # An inbox deleted, its tickets first (they keep it from being deleted).
        async with unit_of_work(sessions) as session:
            last = inbox_ids[2]
            ids = list(await session.scalars(select(Ticket.id).where(Ticket.inbox_id == last)))
            assert ids
            await session.execute(
                update(Ticket).where(Ticket.merged_into_id.in_(ids)).values(merged_into_id=None)
            )
            await deletion.delete_conversations(session, ticket_ids=ids, chat_ids=[])
            await session.execute(delete(Inbox).where(Inbox.id == last))
        await _check(sessions, readers[1:])
        await _compact_all(sessions)
        await _check(sessions, readers[1:])
        async with unit_of_work(sessions) as session:
            # Compacted: nothing left in the deltas, no counter of the inbox that is gone.
            assert await session.scalar(select(func.count()).select_from(TicketCountDelta)) == 0
            kept = list(await session.scalars(select(TicketCount.inbox_id).distinct()))
            assert last not in kept
            assert await session.scalar(select(func.count()).where(TicketCount.n == 0)) == 0
    finally:
        await engine.dispose()


@pytest.mark.integration
async def test_concurrent_changes_in_one_inbox_lose_no_count(pg_url: str) -> None:
    """Eight transactions at a time create, reopen, close and reassign tickets of one inbox (all
    of them moving the same few cells), while compactions run: no deadlock, no count lost."""
    engine = create_engine(pg_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with unit_of_work(sessions) as session:
            inbox = await inboxes_service.create_inbox(session, name="Chats")
            admin = await users_service.create_user(
                session, email="admin@counts.test", name="Admin", password=None, role=Role.admin
            )
            agents = [
                await users_service.create_user(
                    session, email=f"agent{n}@counts.test", name=f"Agent {n}", password=None
                )
                for n in range(3)
            ]
            for agent in agents:
                await inboxes_service.add_member(session, inbox=inbox, user=agent)
            customer = await customers_service.create_customer(
                session, name="Ada", emails=["ada@counts.test"], created_by=None, verified=True
            )
        agent_ids = [agent.id for agent in agents]
        done = asyncio.Event()

        async def work(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(25):
                async with unit_of_work(sessions) as session:
                    if rng.random() < 0.4:
                        await tickets_service.create_ticket(
                            session,
                            inbox=await session.get_one(Inbox, inbox.id),
                            customer=await session.get_one(type(customer), customer.id),
                            subject="Chat",
                            type=TicketType.chat,
                        )
                        continue
                    ids = list(await session.scalars(select(Ticket.id)))
                    # In id order, as the desk locks several tickets, so that the tickets'
                    # own rows cannot deadlock either.
                    for ticket_id in sorted(rng.sample(ids, min(len(ids), rng.randint(1, 3)))):
                        await session.execute(
                            update(Ticket)
                            .where(Ticket.id == ticket_id)
                            .values(
                                state=rng.choice(
                                    [TicketState.open, TicketState.closed, TicketState.hold]
                                ),
                                assignee_id=rng.choice([None, *agent_ids]),
                            )
                        )
                        await asyncio.sleep(0)  # let the other transactions in between

        async def compact() -> None:
            while not done.is_set():
                await _compact_all(sessions)
                await asyncio.sleep(0.01)

        compactor = asyncio.create_task(compact())
        await asyncio.gather(*(work(seed) for seed in range(8)))
        done.set()
        await compactor
        await _check(sessions, [(admin, {inbox.id})])
        await _compact_all(sessions)
        await _check(sessions, [(admin, {inbox.id}), (agents[0], {inbox.id})])
        async with unit_of_work(sessions) as session:
            assert (await session.scalar(select(func.count()).select_from(Ticket)) or 0) > 50
    finally:
        await engine.dispose()
