"""A reply written against a stale thread: the version check behind the desk's "Send anyway".

The client names the newest entry its agent saw (`seen_entry_id`); if the ticket has gained
public entries since (a customer's message, another reply, a chat transcript: what the customer
and the agents say to each other, not notes or timeline lines), the reply is refused with the
list of them. Sending again with the newest of those ids is the agent's confirmation. Without
`seen_entry_id` nothing is checked, so API clients written before the check keep working.

A thread also changes without a new entry: a merge into the ticket, an undone split or an
erasure's give-back moves messages in with the ids they had, older than what the agent saw. Each
of those writes a timeline line (`move_id` in its data: merge, split, undo; `erasure`: the
give-back, privacy/others.py), and that line counts as new, both in the check and in the
list's value (else a list read after the move would show an id older than the line, and the
line would be flagged for ever).

A list shows no entries, but each of its rows carries its ticket's newest public entry id, or
newest such line (`last_public_entries`): what a bulk action from the list sends as
`seen_entry_ids`. The older
way, the row's `updated_at` (`ensure_unchanged_since`), compares clock readings, which a reply
committed just after the list was read can share (PostgreSQL stamps a transaction at its start).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Conflict
from frontdesk.tickets.models import EntryKind, Ticket, TicketEntry

PUBLIC_KINDS = (EntryKind.reply, EntryKind.transcript)
MAX_LISTED = 20

# What a reply must not go out over: a public entry, or the line of a move that brought
# messages in (or took them away) with their old ids (the module's docstring).
CHANGES_THREAD = or_(
    TicketEntry.kind.in_(PUBLIC_KINDS),
    and_(
        TicketEntry.kind == EntryKind.event,
        or_(
            TicketEntry.data["move_id"].as_string().is_not(None),
            TicketEntry.data["erasure"].as_string().is_not(None),
        ),
    ),
)


class StaleThread(Conflict):
    code = "stale_thread"

    def __init__(self, new_entries: list[dict[str, Any]]) -> None:
        count = sum(1 for entry in new_entries if entry["kind"] != EntryKind.event.value)
        if count < len(new_entries):
            # A merge, an undone split or an erasure moved messages in with their old ids.
            what = "The thread changed (messages were moved in or out)"
        else:
            what = f"{count} new message{'s' if count != 1 else ''} arrived on this ticket"
        super().__init__(
            f"{what} since you started writing. Read it again, then send again with the "
            "newest id as `seen_entry_id`."
        )
        self.new_entries = new_entries

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "new_entries": self.new_entries}


async def last_public_entries(
    session: AsyncSession, *, ticket_ids: Sequence[int]
) -> dict[int, int]:
    """The id of each ticket's newest public entry or move line (`CHANGES_THREAD`), for a page
    of tickets in one statement (on the index of a ticket's entries); a ticket with none is
    left out. An entry written on the ticket gets a larger id than those before it (written
    under the ticket's row lock); one moved in keeps its id, but its move's line is new."""
    if not ticket_ids:
        return {}
    rows = await session.execute(
        select(TicketEntry.ticket_id, func.max(TicketEntry.id))
        .where(TicketEntry.ticket_id.in_(ticket_ids), CHANGES_THREAD)
        .group_by(TicketEntry.ticket_id)
    )
    return {row[0]: row[1] for row in rows}


async def ensure_fresh(
    session: AsyncSession,
    *,
    ticket: Ticket,
    seen_entry_id: int | None,
    author_id: int | None = None,
) -> None:
    """`author_id`: that agent's own entries do not count (a reply held for "Undo send" checked
    again at its sending, which their earlier held reply sent a moment before must not stop)."""
    if seen_entry_id is None:
        return
    since = TicketEntry.id > seen_entry_id
    if author_id is not None:
        since = and_(
            since,
            or_(TicketEntry.author_user_id.is_(None), TicketEntry.author_user_id != author_id),
        )
    await _refuse_newer(session, ticket=ticket, since=since)


async def ensure_unchanged_since(
    session: AsyncSession, *, ticket: Ticket, seen_at: datetime | None
) -> None:
    """The weaker check from a list, kept for API clients that send `seen_updated_at`: `seen_at`
    is the ticket's `updated_at` as the list showed it. It compares clock readings: on
    PostgreSQL an entry is stamped when its transaction began, so one committed just after the
    list was read can carry a time not later than the list's and go unnoticed; the row's
    `last_public_entry_id`, sent as `seen_entry_ids`, has no such gap. An entry sets the
    ticket's `updated_at` to its own `created_at` (tickets/service.py `append_entry`), so a
    ticket shown at or after that moment was shown with the entry in it, but for that gap;
    labels or an assignee changed since do not count."""
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
                CHANGES_THREAD,
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
