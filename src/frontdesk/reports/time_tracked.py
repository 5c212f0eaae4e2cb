"""The "Time tracked" report: minutes logged per agent and inbox over the report's days, split
billable and not (docs/reports.md, "Time tracked").

An entry counts on its day worked, a calendar date the agent chose (by default today on their
clock): the report's time zone moves no entry from one day to another, unlike the instants of
the other tables. The inbox is the ticket's inbox now, the channel its type; spam tickets are
left out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.inboxes.models import Inbox
from frontdesk.reports.service import ReportFilter, on_tickets
from frontdesk.tickets.models import Ticket, TicketState
from frontdesk.timetracking.models import TimeEntry
from frontdesk.users.models import User


async def time_tracked(session: AsyncSession, report: ReportFilter) -> list[dict[str, Any]]:
    billable = func.sum(case((TimeEntry.billable, TimeEntry.minutes), else_=0))
    query = (
        select(
            TimeEntry.user_id,
            func.max(User.name),
            Ticket.inbox_id,
            func.max(Inbox.name),
            func.sum(TimeEntry.minutes),
            billable,
        )
        .join(Ticket, Ticket.id == TimeEntry.ticket_id)
        .join(Inbox, Inbox.id == Ticket.inbox_id)
        .outerjoin(User, User.id == TimeEntry.user_id)
        .where(
            TimeEntry.day >= report.since,
            TimeEntry.day <= report.until,
            # Junk is no one's work: a ticket marked spam leaves the report with its time (and
            # comes back with it if marked not spam).
            Ticket.state != TicketState.spam,
        )
        .group_by(TimeEntry.user_id, Ticket.inbox_id)
    )
    query = on_tickets(query, report, agent=TimeEntry.user_id)
    rows = [
        {
            "agent_id": user_id,
            "agent": agent or "",
            "inbox_id": int(inbox_id),
            "inbox": inbox or "",
            "minutes": int(minutes or 0),
            "billable_minutes": int(billed or 0),
            "non_billable_minutes": int(minutes or 0) - int(billed or 0),
        }
        for user_id, agent, inbox_id, inbox, minutes, billed in await session.execute(query)
    ]
    return sorted(rows, key=lambda row: (-row["minutes"], row["agent"], row["inbox"]))
