"""What a merge, a split and their undo do to the conversation clocks (docs/reports.md, "Merges
and splits"). A clock says whether a customer waits for an answer and since when, and whether the
conversation had its first response; the next `response` moment and the SLA targets run from it,
so it has to follow the messages when they change tickets:

- `joined`: a ticket's thread joins another (a merge; the undo of a split, which gives the new
  ticket's thread back): a customer waiting on it waits on the kept ticket too, since the earlier
  of the two instants. The kept conversation keeps its own start and first response.
- `left`: messages left a ticket (a split; the undo of a merge): if the message its customer
  waits since went with them, it waits since its first remaining customer message that no
  remaining answer follows, or nobody waits any more.
- `split_off`: the clock of the ticket a split made, from the messages it was given.

Only the thread's stored rows are read (ticket entries, a chat transcript's lines), never text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.session import add_at_commit
from frontdesk.metrics import record
from frontdesk.metrics.models import ConversationClock, MomentKind
from frontdesk.tickets.models import Direction, EntryKind, Ticket, TicketEntry

# Bounds each IN (…) list (SQLite allows 32,766 parameters).
_CHUNK = 500
_THREAD_KINDS = (EntryKind.reply, EntryKind.transcript)


@dataclass(frozen=True, order=True)
class Said:
    """One message of a thread, as the clock counts it; ordered as the thread reads."""

    at: datetime
    entry_id: int
    line: int  # its place in a chat transcript (0 for an email)
    customer: bool  # the customer wrote it; else an agent answered


def said_in(entry: Any) -> list[Said]:
    """The messages of one entry row that move a clock, by the rules that moved it when they were
    written (metrics/record.py, which metrics/history.py replays alike): a customer's mail (not
    automatic mail, not a stranger's), an agent's public reply (not a forward, not an automation
    rule's), and a chat transcript's visitor and agent lines."""
    data: dict[str, Any] = entry.data or {}
    if entry.kind is EntryKind.reply and entry.direction is Direction.inbound:
        if entry.author_customer_id is not None and not data.get("auto"):
            return [Said(entry.created_at, entry.id, 0, True)]
        return []
    if entry.kind is EntryKind.reply:
        if entry.author_user_id is not None and "forward_of" not in data:
            return [Said(entry.created_at, entry.id, 0, False)]
        return []
    if entry.kind is EntryKind.transcript:
        found = []
        for number, line in enumerate(data.get("lines") or [], start=1):
            if not isinstance(line, dict) or line.get("kind") not in ("visitor", "agent"):
                continue
            try:
                at = datetime.fromisoformat(str(line.get("at")))
            except ValueError:
                continue
            found.append(Said(at, entry.id, number, line["kind"] == "visitor"))
        return found
    return []


def _columns() -> tuple[Any, ...]:
    return (
        TicketEntry.id,
        TicketEntry.kind,
        TicketEntry.direction,
        TicketEntry.author_user_id,
        TicketEntry.author_customer_id,
        TicketEntry.data,
        TicketEntry.created_at,
    )


async def _said(
    session: AsyncSession,
    *,
    ticket_id: int | None,
    entry_ids: Sequence[int],
    since: datetime | None = None,
) -> list[Said]:
    """The messages (at or after `since`) of the ticket's thread, or of the entries named. A
    transcript is written when its chat ends, after its lines: one dated from `since` on holds
    every line that can be."""
    rows: list[Any] = []
    base = select(*_columns()).where(TicketEntry.kind.in_(_THREAD_KINDS))
    if since is not None:
        base = base.where(TicketEntry.created_at >= since)
    if ticket_id is not None:
        rows += (await session.execute(base.where(TicketEntry.ticket_id == ticket_id))).all()
    ids = sorted(entry_ids)
    for start in range(0, len(ids), _CHUNK):
        part = ids[start : start + _CHUNK]
        rows += (await session.execute(base.where(TicketEntry.id.in_(part)))).all()
    return sorted(
        {said for row in rows for said in said_in(row) if since is None or said.at >= since}
    )


async def _clock(session: AsyncSession, ticket: Ticket) -> ConversationClock | None:
    return await session.scalar(
        select(ConversationClock).where(ConversationClock.ticket_id == ticket.id)
    )


async def joined(session: AsyncSession, *, kept: Ticket, joining: Ticket, open: bool) -> None:
    """`joining`'s thread is now on `kept`. A customer who waited on it (`open`: it was not
    closed, which settles a message left unanswered) now waits on `kept`, since their message
    if that came first. `joining`'s own clock is left as it was: it is closed, pointing to
    `kept`, until an undo opens it again with its own conversation."""
    if not open:
        return
    theirs = await _clock(session, joining)
    if theirs is None or theirs.awaiting_since is None:
        return
    ours = await record.ticket_clock(session, kept)
    if ours.awaiting_since is None or theirs.awaiting_since < ours.awaiting_since:
        ours.awaiting_since = theirs.awaiting_since
    await session.flush()


async def left(session: AsyncSession, *, ticket: Ticket, entry_ids: Sequence[int]) -> None:
    """The entries `entry_ids` left `ticket` (already moved). If the customer message its clock
    waits since went with them, it waits since the first remaining customer message that no
    remaining answer follows, or for nothing."""
    clock = await _clock(session, ticket)
    if clock is None or clock.awaiting_since is None or not entry_ids:
        return
    since = clock.awaiting_since
    moved = await _said(session, ticket_id=None, entry_ids=entry_ids, since=since)
    if not any(said.customer for said in moved):
        return  # none of the waiting messages moved
    remaining = await _said(session, ticket_id=ticket.id, entry_ids=(), since=since)
    before = sorted([*moved, *remaining])
    first = next(said for said in before if said.customer)
    if first not in moved:
        return  # the message it waits since stays: so does the instant
    clock.awaiting_since = _waiting(remaining)
    await session.flush()


async def split_off(
    session: AsyncSession, *, ticket: Ticket, entry_ids: Sequence[int], user_id: int
) -> None:
    """The clock of `ticket`, just made by a split with the entries `entry_ids`: its customer
    waits since their first moved message that no moved answer follows. Answered already among
    the moved messages, it had its first response (on the ticket it came from, which recorded
    it): the next answer is a response, not a first one. Waiting with no answer among them, its
    first response is measured from that message, as is its resolution; otherwise the
    conversation runs from the split."""
    clock = await _clock(session, ticket)
    if clock is None:
        # A chat's ticket is written without a clock or a `created` moment (its chat's go on);
        # one a split made begins a conversation, as a split of any other ticket does.
        clock = record.new_ticket_clock(session, ticket)
        add_at_commit(
            session, record._moment(clock, MomentKind.created, ticket.created_at, user_id=user_id)
        )
    said = await _said(session, ticket_id=None, entry_ids=entry_ids)
    waiting: datetime | None = None
    answered: datetime | None = None
    for message in said:
        if message.customer:
            waiting = waiting or message.at
        elif waiting is not None:
            answered = answered or message.at
            waiting = None
    clock.awaiting_since = waiting
    clock.first_response_at = answered
    clock.started_at = waiting if waiting is not None and answered is None else ticket.created_at
    await session.flush()


def _waiting(said: Iterable[Said]) -> datetime | None:
    """Since when the customer waits at the end of these messages: their first message that no
    answer follows."""
    waiting: datetime | None = None
    for message in said:
        waiting = (waiting or message.at) if message.customer else None
    return waiting
