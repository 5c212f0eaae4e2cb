"""The desk's folder counts, read from counters instead of counting tickets.

Triggers on `tickets` (migration 0037) append +1/-1 rows to `ticket_count_deltas` for every
ticket inserted, deleted or moved between (inbox, state, assignee) cells, in the transaction
that changes it. A count is the compacted `ticket_counts` plus the deltas not yet moved there:
both are read by one statement, from one snapshot, and the compaction moves deltas in one
transaction, so a count never sees a delta twice or not at all. Reading costs O(cells of the
user's inboxes + recent changes), not O(tickets)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, delete, func, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.inboxes.queries import visible_inbox_ids
from frontdesk.tickets.models import Ticket, TicketCount, TicketCountDelta, TicketState
from frontdesk.tickets.queries import visible_tickets
from frontdesk.users.models import User

# Seconds between compactions: the deltas a count reads are the changes of about this long.
INTERVAL = 5.0
# Deltas moved per transaction: a backlog (the loop was stopped) is moved in short steps.
BATCH = 5_000
# PostgreSQL: one compaction at a time across the app's processes (pg_try_advisory_xact_lock).
# Two at once would upsert the same counters and could deadlock on them.
_LOCK = 0x7469636B  # "tick"
UNASSIGNED = 0


def _cells(
    model: type[TicketCount] | type[TicketCountDelta], user: User, inbox_id: int | None
) -> Select[str, int, int]:
    query = select(model.state, model.assignee_id, model.n)
    if inbox_id is not None:
        query = query.where(model.inbox_id == inbox_id)
        if not user.is_admin:
            query = query.where(literal(inbox_id).in_(visible_inbox_ids(user)))
    elif not user.is_admin:
        query = query.where(model.inbox_id.in_(visible_inbox_ids(user)))
    return query


async def folder_counts(
    session: AsyncSession, *, user: User, inbox_id: int | None, breaching_before: datetime
) -> dict[str, int]:
    """One per state, plus open tickets that are the user's, unassigned, and due by
    `breaching_before`; in `inbox_id` or in all of the user's inboxes."""
    cells = union_all(
        _cells(TicketCount, user, inbox_id), _cells(TicketCountDelta, user, inbox_id)
    ).subquery()

    def total(*conditions: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((and_(*conditions), cells.c.n), else_=0)), 0)

    open_ = cells.c.state == TicketState.open.value
    # Time-dependent, so no counter: a range of the (inbox, state, sla_due_at) index that holds
    # only the open tickets due by then.
    breaching = (
        visible_tickets(user, inbox_id=inbox_id)
        .where(Ticket.state == TicketState.open, Ticket.sla_due_at <= breaching_before)
        .with_only_columns(func.count())
        .scalar_subquery()
    )
    columns = {state.value: total(cells.c.state == state.value) for state in TicketState} | {
        "mine": total(open_, cells.c.assignee_id == user.id),
        "unassigned": total(open_, cells.c.assignee_id == UNASSIGNED),
    }
    row = (
        await session.execute(
            select(*(c.label(k) for k, c in columns.items()), breaching.label("breaching"))
        )
    ).one()
    return {name: int(value or 0) for name, value in row._mapping.items()}


async def compact(session: AsyncSession) -> int:
    """Moves up to BATCH deltas into `ticket_counts`; returns how many it moved."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql" and not await session.scalar(
        select(func.pg_try_advisory_xact_lock(_LOCK))
    ):
        return 0
    oldest = select(TicketCountDelta.id).order_by(TicketCountDelta.id).limit(BATCH)
    # The deleted rows are exactly the ones moved: a delta committed meanwhile is not deleted
    # and waits for the next round.
    moved = (
        await session.execute(
            delete(TicketCountDelta)
            .where(TicketCountDelta.id.in_(oldest.scalar_subquery()))
            .returning(
                TicketCountDelta.inbox_id,
                TicketCountDelta.state,
                TicketCountDelta.assignee_id,
                TicketCountDelta.n,
            )
        )
    ).all()
    sums: Counter[tuple[int, str, int]] = Counter()
    for inbox_id, state, assignee_id, n in moved:
        sums[inbox_id, state, assignee_id] += n
    changed = sorted(key for key, n in sums.items() if n)
    if not changed:
        return len(moved)
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(TicketCount)
    rows = [
        {"inbox_id": i, "state": s, "assignee_id": a, "n": sums[i, s, a]} for i, s, a in changed
    ]
    upsert = insert.values(rows)
    totals = await session.execute(
        upsert.on_conflict_do_update(
            index_elements=[TicketCount.inbox_id, TicketCount.state, TicketCount.assignee_id],
            set_={"n": TicketCount.n + upsert.excluded.n},
        ).returning(TicketCount.inbox_id, TicketCount.state, TicketCount.assignee_id, TicketCount.n)
    )
    # Cells of tickets gone (an inbox deleted, an agent removed) would stay behind at 0.
    empty = [(i, s, a) for i, s, a, n in totals if n == 0]
    for inbox_id, state, assignee_id in empty:
        await session.execute(
            delete(TicketCount).where(
                TicketCount.inbox_id == inbox_id,
                TicketCount.state == state,
                TicketCount.assignee_id == assignee_id,
            )
        )
    return len(moved)


async def compact_counts(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """The counts loop: moves every delta there is, a batch per transaction."""
    total = 0
    while True:
        async with unit_of_work(sessionmaker) as session:
            moved = await compact(session)
        total += moved
        if moved < BATCH:
            return total
