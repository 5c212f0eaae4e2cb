"""A ticket's checklist: who may read and change it, the limits, and changes that two agents
can make at the same moment (docs/desk.md, "Checklists").

Every read and write goes through a ticket the agent sees (tickets/service.py `get_ticket`):
another inbox's agent is told "no such ticket". Every write locks the ticket's row first (on a
merged ticket: the merge's tickets, in id order, as time tracking does), so that a ticket's
checklist changes one after the other: two items added at once get distinct positions, and the
limit of items holds. Ticking sets `done`, it does not toggle it: a repeated or concurrent tick
changes nothing the second time, and the first ticker stays the one named."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.checklists import events
from frontdesk.checklists.models import MAX_ITEMS, MAX_TEXT, ChecklistItem
from frontdesk.errors import Conflict, Invalid, NotFound
from frontdesk.kit.clock import utcnow
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User

NO_ITEM = "No such checklist item on this ticket."


@dataclass(frozen=True)
class Progress:
    done: int
    total: int


@dataclass(frozen=True)
class Checklist:
    ticket: Ticket
    items: list[ChecklistItem]

    @property
    def progress(self) -> Progress:
        return Progress(sum(1 for item in self.items if item.done), len(self.items))


def checked_text(text: str) -> str:
    """One line of at most MAX_TEXT characters: line breaks and runs of spaces are one space
    (the schema strips the ends and checks the length too; this is the rule for every caller)."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise Invalid("text", "Write what is to be done.", field_code="required")
    if len(cleaned) > MAX_TEXT:
        raise Invalid(
            "text",
            f"An item is at most {MAX_TEXT} characters long.",
            field_code="too_long",
            limit=MAX_TEXT,
        )
    return cleaned


# --- reading ------------------------------------------------------------------------------------


async def progress_of(session: AsyncSession, *, ticket_ids: Collection[int]) -> dict[int, Progress]:
    """Each ticket's items done and in all, one statement for a page of tickets; tickets with
    no checklist are left out."""
    if not ticket_ids:
        return {}
    done = func.sum(case((ChecklistItem.done, 1), else_=0))
    rows = await session.execute(
        select(ChecklistItem.ticket_id, func.count(), done)
        .where(ChecklistItem.ticket_id.in_(list(ticket_ids)))
        .group_by(ChecklistItem.ticket_id)
    )
    return {
        int(ticket_id): Progress(int(ticked or 0), int(total)) for ticket_id, total, ticked in rows
    }


async def _items(session: AsyncSession, ticket_id: int) -> list[ChecklistItem]:
    return list(
        await session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.ticket_id == ticket_id)
            .order_by(ChecklistItem.position, ChecklistItem.id)
            .execution_options(populate_existing=True)
        )
    )


async def get_checklist(session: AsyncSession, *, user: User, ticket_id: int) -> Checklist:
    """The checklist of a ticket `user` sees; of a merged ticket, the one of the ticket it was
    merged into (where its items went)."""
    await tickets_service.get_ticket(session, user=user, ticket_id=ticket_id)
    final = await tickets_service.final_ticket_id(session, ticket_id=ticket_id)
    ticket = await tickets_service.get_ticket(session, user=user, ticket_id=final)
    return Checklist(ticket, await _items(session, ticket.id))


# --- changing -----------------------------------------------------------------------------------


async def _locked_ticket(session: AsyncSession, *, user: User, ticket_id: int) -> Ticket:
    """The ticket whose checklist changes, locked: a merged ticket's is the one it was merged
    into."""
    return await tickets_service.lock_final_ticket(session, user=user, ticket_id=ticket_id)


async def _next_place(session: AsyncSession, ticket: Ticket) -> tuple[int, int]:
    """How many items the (locked) ticket has, and the position after its last."""
    count, last = (
        await session.execute(
            select(func.count(), func.max(ChecklistItem.position)).where(
                ChecklistItem.ticket_id == ticket.id
            )
        )
    ).one()
    return int(count), 0 if last is None else int(last) + 1


async def _item(session: AsyncSession, ticket: Ticket, item_id: int) -> ChecklistItem:
    item = await session.scalar(
        select(ChecklistItem)
        .where(ChecklistItem.id == item_id, ChecklistItem.ticket_id == ticket.id)
        .execution_options(populate_existing=True)
    )
    if item is None:
        raise NotFound(NO_ITEM, code="no_checklist_item")
    return item


async def _told(
    session: AsyncSession,
    *,
    ticket: Ticket,
    item: ChecklistItem,
    change: Literal["created", "updated", "deleted", "moved"],
    by: User,
    items: list[ChecklistItem] | None = None,
) -> None:
    names = await events.names_of(session, [item])
    rows = items if items is not None else await _items(session, ticket.id)
    progress = Checklist(ticket, rows).progress
    events.checklist_changed(
        session,
        ticket=ticket,
        change=change,
        item=events.payload(item, names),
        done=progress.done,
        total=progress.total,
        by=by,
    )


async def add_item(
    session: AsyncSession, *, user: User, ticket_id: int, text: str
) -> ChecklistItem:
    """A new item at the end of the list; 409 `checklist_full` past MAX_ITEMS."""
    text = checked_text(text)
    ticket = await _locked_ticket(session, user=user, ticket_id=ticket_id)
    count, place = await _next_place(session, ticket)
    if count >= MAX_ITEMS:
        raise Conflict(
            f"Ticket #{ticket.number}'s checklist already has {MAX_ITEMS} items, the most it "
            "may have: delete the items no longer needed first.",
            code="checklist_full",
        )
    now = utcnow()
    item = ChecklistItem(
        ticket_id=ticket.id,
        text=text,
        position=place,
        created_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    await session.flush()
    await _told(session, ticket=ticket, item=item, change="created", by=user)
    return item


async def update_item(
    session: AsyncSession,
    *,
    user: User,
    ticket_id: int,
    item_id: int,
    text: str | None = None,
    done: bool | None = None,
    position: int | None = None,
    version: int | None = None,
) -> ChecklistItem:
    """Changes what is given: the text, done or not (set, not toggled: a retry changes
    nothing), the place in the list (0 is the top; past the end is the end). With `version`,
    refused (409 `checklist_item_changed`) when the item changed since that version."""
    wanted_text = None if text is None else checked_text(text)
    if position is not None and position < 0:
        raise Invalid("position", "A position is 0 (the top) or more.")
    ticket = await _locked_ticket(session, user=user, ticket_id=ticket_id)
    item = await _item(session, ticket, item_id)
    if version is not None and version != item.version:
        raise Conflict(
            "Someone changed this item meanwhile: look at it again before changing it.",
            code="checklist_item_changed",
        )
    changed = False
    if wanted_text is not None and wanted_text != item.text:
        item.text = wanted_text
        changed = True
    if done is not None and done != item.done:
        item.done = done
        item.done_by_id = user.id if done else None
        item.done_at = utcnow() if done else None
        changed = True
    items: list[ChecklistItem] | None = None
    moved = False
    if position is not None:
        items = await _items(session, ticket.id)
        others = [each for each in items if each.id != item.id]
        place = min(position, len(others))
        order = [*others[:place], item, *others[place:]]
        moved = [each.id for each in order] != [each.id for each in items]
        for index, each in enumerate(order):
            # The ticket's items numbered again from 0: positions stay distinct whatever the
            # merges and deletions before left.
            each.position = index
        items = order
    if not changed and not moved:
        return item
    item.version += 1
    item.updated_at = utcnow()
    await session.flush()
    change: Literal["updated", "moved"] = "updated" if changed else "moved"
    await _told(session, ticket=ticket, item=item, change=change, by=user, items=items)
    return item


async def delete_item(session: AsyncSession, *, user: User, ticket_id: int, item_id: int) -> None:
    """Gone for good; deleting an item already deleted is 404 `no_checklist_item`."""
    ticket = await _locked_ticket(session, user=user, ticket_id=ticket_id)
    item = await _item(session, ticket, item_id)
    names = await events.names_of(session, [item])
    told = events.payload(item, names)
    await session.delete(item)
    await session.flush()
    progress = Checklist(ticket, await _items(session, ticket.id)).progress
    events.checklist_changed(
        session,
        ticket=ticket,
        change="deleted",
        item=told,
        done=progress.done,
        total=progress.total,
        by=user,
    )
