"""A reply written against a stale thread: the version check behind the desk's "Send anyway".

The client names the newest entry its agent saw (`seen_entry_id`); if the ticket has gained
public entries since (a customer's message, another reply, a chat transcript: what the customer
and the agents say to each other, not notes or timeline lines), the reply is refused with the
list of them. Sending again with the newest of those ids is the agent's confirmation. Without
`seen_entry_id` nothing is checked, so API clients written before the check keep working.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Conflict
from frontdesk.tickets.models import EntryKind, Ticket, TicketEntry

PUBLIC_KINDS = (EntryKind.reply, EntryKind.transcript)
MAX_LISTED = 20


class StaleThread(Conflict):
    code = "stale_thread"

    def __init__(self, new_entries: list[dict[str, Any]]) -> None:
        count = len(new_entries)
        super().__init__(
            f"{count} new message{'s' if count != 1 else ''} arrived on this ticket since you "
            "started writing. Read them, then send again with the newest id as `seen_entry_id`."
        )
        self.new_entries = new_entries

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "new_entries": self.new_entries}


async def ensure_fresh(session: AsyncSession, *, ticket: Ticket, seen_entry_id: int | None) -> None:
    if seen_entry_id is None:
        return
    await _refuse_newer(session, ticket=ticket, since=TicketEntry.id > seen_entry_id)


async def ensure_unchanged_since(
    session: AsyncSession, *, ticket: Ticket, seen_at: datetime | None
) -> None:
    """The same check from a list, which shows no entries: `seen_at` is the ticket's
    `updated_at` as the list showed it. An entry sets the ticket's `updated_at` to its own
    `created_at` (tickets/service.py `append_entry`), so a ticket shown at or after that moment
    was shown with the entry in it; labels or an assignee changed since do not count."""
    if seen_at is None:
        return
    await _refuse_newer(session, ticket=ticket, since=TicketEntry.created_at > seen_at)


async def _refuse_newer(
    session: AsyncSession, *, ticket: Ticket, since: ColumnElement[bool]
) -> None:
    newer = (
        await session.scalars(
            select(TicketEntry)
            .where(
                TicketEntry.ticket_id == ticket.id,
                since,
                TicketEntry.kind.in_(PUBLIC_KINDS),
            )
            .order_by(TicketEntry.id.desc())
            .limit(MAX_LISTED)
        )
    ).all()[::-1]
    # The newest ones when there are many: sending again with the last id then goes through.
    if newer:
        raise StaleThread(
            [
                {
                    "id": entry.id,
                    "kind": entry.kind.value,
                    "direction": entry.direction.value,
                    "author_user_id": entry.author_user_id,
                    "author_customer_id": entry.author_customer_id,
                    "text": entry.text[:300],
                    "created_at": entry.created_at.isoformat(),
                }
                for entry in newer
            ]
        )
