"""The "Open work by status" report: the tickets not closed or spam right now (open, hold,
snoozed), counted per state and custom status, the plain status its own row (docs/reports.md,
"Open work by status").

A snapshot, not a range: the report's dates do not apply. The inbox, channel, agent (the
assignee now) and label filters do, and the viewer's inboxes: an agent, whose figures are always
their own (`service.checked`), counts only the tickets assigned to them in the inboxes they see.

One statement counts them, grouped by state and status, on the state's indexes: it reads the
tickets of the three states, never the closed ones (docs/performance.md, "Open work by
status")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Invalid
from frontdesk.inboxes.models import InboxMember
from frontdesk.reports.service import DRILL_LIMIT, ReportFilter, on_tickets
from frontdesk.statuses.models import TicketStatus
from frontdesk.statuses.service import PLAIN_NAMES, STATE_ORDER
from frontdesk.tickets.models import Ticket, TicketState

# The states of the work still to do, in the order the table lists them.
OPEN_STATES = (TicketState.open, TicketState.hold, TicketState.snoozed)


def _open_tickets(report: ReportFilter, viewer_id: int | None, *columns: Any) -> Select[Any]:
    """The open work under the report's filters; `viewer_id`: an agent's inboxes only (None for
    owners and admins, who see every inbox)."""
    query = on_tickets(
        select(*columns).where(Ticket.state.in_(OPEN_STATES)), report, agent=Ticket.assignee_id
    )
    if viewer_id is not None:
        query = query.where(
            Ticket.inbox_id.in_(
                select(InboxMember.inbox_id).where(InboxMember.user_id == viewer_id)
            )
        )
    return query


async def open_work(
    session: AsyncSession, report: ReportFilter, viewer_id: int | None
) -> list[dict[str, Any]]:
    """Every state's plain row and every status offered (zeros included), and an archived
    status while tickets have it; by state (open, hold, snoozed), the plain row first, then
    the statuses in their order. The API runs it in the reading process, as every table."""
    counts: dict[tuple[str, int | None], int] = {
        (TicketState(state).value, status_id): int(n)
        for state, status_id, n in await session.execute(
            _open_tickets(report, viewer_id, Ticket.state, Ticket.status_id, func.count()).group_by(
                Ticket.state, Ticket.status_id
            )
        )
    }
    statuses = sorted(
        (await session.scalars(select(TicketStatus))).all(),
        key=lambda s: (STATE_ORDER[s.state], s.position, s.id),
    )
    rows: list[dict[str, Any]] = []
    for state in OPEN_STATES:
        rows.append(
            {
                "state": state.value,
                "status_id": None,
                "status": PLAIN_NAMES[state],
                "archived": False,
                "tickets": counts.pop((state.value, None), 0),
            }
        )
        for status in statuses:
            if status.state.value != state.value:
                continue
            n = counts.pop((state.value, status.id), 0)
            if n or not status.archived:
                rows.append(
                    {
                        "state": state.value,
                        "status_id": status.id,
                        "status": status.name,
                        "archived": status.archived,
                        "tickets": n,
                    }
                )
    return rows


async def open_work_ticket_ids(
    session: AsyncSession,
    report: ReportFilter,
    viewer_id: int | None,
    *,
    state: str | None,
    status_id: int | None,
) -> list[int]:
    """The tickets of one row, newest first, at most DRILL_LIMIT: `state`, and `status_id`, or
    the state's plain status when it is None."""
    if state not in {s.value for s in OPEN_STATES}:
        raise Invalid("state", "Name the row's state: open, hold or snoozed.")
    query = _open_tickets(report, viewer_id, Ticket.id).where(
        Ticket.state == TicketState(state),
        Ticket.status_id.is_(None) if status_id is None else Ticket.status_id == status_id,
    )
    found = await session.scalars(query.order_by(Ticket.id.desc()).limit(DRILL_LIMIT))
    return list(found.all())
