"""What to show of each search result: its subject with the matches marked, and a few words of
its newest message that matches (search/terms.py cuts them into parts; the desk marks them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.search import reader
from frontdesk.search.terms import Part, Term, highlight, snippet
from frontdesk.tickets.models import EntryKind, Ticket, TicketEntry

# The newest messages of each result looked at for a snippet, and how much of each: a snippet
# comes from a recent message, and a long thread or a huge mail costs no more than this.
ENTRIES_LOOKED_AT = 30
CHARACTERS_LOOKED_AT = 20_000


@dataclass(frozen=True)
class Highlights:
    subject: list[Part] | None
    snippet: list[Part] | None


def _recent_entries(ticket_ids: list[int]) -> Select[tuple[int, str]]:
    recent = (
        select(
            TicketEntry.ticket_id,
            func.substr(TicketEntry.text, 1, CHARACTERS_LOOKED_AT).label("text"),
            func.row_number()
            .over(partition_by=TicketEntry.ticket_id, order_by=TicketEntry.id.desc())
            .label("newest"),
        )
        .where(TicketEntry.ticket_id.in_(ticket_ids), TicketEntry.kind != EntryKind.event)
        .subquery()
    )
    return (
        select(recent.c.ticket_id, recent.c.text)
        .where(recent.c.newest <= ENTRIES_LOOKED_AT)
        .order_by(recent.c.ticket_id, recent.c.newest)
    )


async def highlights(
    session: AsyncSession, *, terms: list[Term], tickets: Sequence[Ticket]
) -> dict[int, Highlights]:
    if not tickets or not terms:
        return {}
    (rows,) = await reader.read(session, _recent_entries([ticket.id for ticket in tickets]))
    snippets: dict[int, list[Part]] = {}
    for ticket_id, text in rows:  # type: ignore[misc]
        if ticket_id not in snippets and (parts := snippet(text, terms)) is not None:
            snippets[ticket_id] = parts
    return {
        ticket.id: Highlights(
            subject=highlight(ticket.subject, terms), snippet=snippets.get(ticket.id)
        )
        for ticket in tickets
    }
