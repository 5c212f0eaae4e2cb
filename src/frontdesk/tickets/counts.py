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

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    bindparam,
    case,
    delete,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.db.upsert import upsert_into
from frontdesk.inboxes.models import InboxMember
from frontdesk.tickets.models import Ticket, TicketCount, TicketCountDelta, TicketState
from frontdesk.users.models import User

# Seconds between compactions: the deltas a count reads are the changes of about this long.
INTERVAL = 5.0
# Deltas moved per transaction: a backlog (the loop was stopped) is moved in short steps.
BATCH = 5_000
# PostgreSQL: one compaction at a time across the app's processes (pg_try_advisory_xact_lock).
# Two at once would upsert the same counters and could deadlock on them.
_LOCK = 0x7469636B  # "tick"
UNASSIGNED = 0


_USER = bindparam("user_id", type_=Integer)
_INBOX = bindparam("inbox_id", type_=Integer)
_DUE = bindparam("due", type_=Ticket.sla_due_at.type)


def _visible(inbox_column: Any, *, admin: bool, one_inbox: bool) -> list[ColumnElement[bool]]:
    """As tickets/queries.py `visible_tickets`: one inbox is checked once, as a constant."""
    members = select(InboxMember.inbox_id).where(InboxMember.user_id == _USER)
    if one_inbox:
        return [inbox_column == _INBOX] + ([] if admin else [_INBOX.in_(members)])
    return [] if admin else [inbox_column.in_(members)]


def _statement(*, admin: bool, one_inbox: bool) -> CompoundSelect[Any]:
    """Per state: its tickets, the user's open ones and the unassigned open ones; and the open
    tickets due by `:due`. One row each: ('open', 'mine', n), … and ('open', 'breaching', n)."""
    cells = union_all(
        *(
            select(model.state, model.assignee_id, model.n).where(
                *_visible(model.inbox_id, admin=admin, one_inbox=one_inbox)
            )
            for model in (TicketCount, TicketCountDelta)
        )
    ).subquery()
    whose = case(
        (cells.c.assignee_id == UNASSIGNED, literal("unassigned")),
        (cells.c.assignee_id == _USER, literal("mine")),
        else_=literal("other"),
    )
    # Time-dependent, so no counter: a range of the (inbox, state, sla_due_at) index that holds
    # only the open tickets due by then.
    breaching = select(literal(TicketState.open.value), literal("breaching"), func.count()).where(
        *_visible(Ticket.inbox_id, admin=admin, one_inbox=one_inbox),
        Ticket.state == TicketState.open,
        Ticket.sla_due_at <= _DUE,
    )
    return union_all(
        select(cells.c.state, whose, func.sum(cells.c.n)).group_by(cells.c.state, whose),
        breaching,
    )


# Built once: a request pays for neither building the statement nor compiling it (the compiled
# form is cached by its key), only for binding the user, the inbox and the time.
STATEMENTS = {
    (admin, one_inbox): _statement(admin=admin, one_inbox=one_inbox)
    for admin in (False, True)
    for one_inbox in (False, True)
}


async def folder_counts(
    session: AsyncSession, *, user: User, inbox_id: int | None, breaching_before: datetime
) -> dict[str, int]:
    """One per state, plus open tickets that are the user's, unassigned, and due by
    `breaching_before`; in `inbox_id` or in all of the user's inboxes."""
    statement = STATEMENTS[user.is_admin, inbox_id is not None]
    rows = await session.execute(
        statement, {"user_id": user.id, "inbox_id": inbox_id, "due": breaching_before}
    )
    folders = dict.fromkeys([*(state.value for state in TicketState), "mine", "unassigned"], 0)
    folders["breaching"] = 0
    for state, whose, n in rows:
        n = int(n or 0)
        if whose == "breaching":
            folders["breaching"] = n
            continue
        folders[state] += n
        if state == TicketState.open.value and whose != "other":
            folders[whose] += n
    return folders


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
    insert = upsert_into(dialect, TicketCount)
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
