"""What desks hear of a checklist: `ticket.checklist_changed` to the ticket's inbox, with the
item and the ticket's counts after the change. Webhooks read it too (webhooks/capture.py,
`ticket.checklist_updated`). No timeline line: ticking items would flood the thread."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.checklists.models import ChecklistItem
from frontdesk.realtime.catalogue import (
    ChecklistEvent,
    ChecklistItemPayload,
    TicketChecklistChanged,
    UserRef,
)
from frontdesk.realtime.envelope import inbox_topic, iso
from frontdesk.realtime.publisher import record
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User


async def names_of(session: AsyncSession, items: Collection[ChecklistItem]) -> dict[int, str]:
    """The names of who added and who ticked these items, in one statement."""
    ids = {i for item in items for i in (item.created_by_id, item.done_by_id) if i is not None}
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    return {int(user_id): str(name) for user_id, name in rows}


def payload(item: ChecklistItem, names: dict[int, str]) -> ChecklistItemPayload:
    def ref(user_id: int | None) -> UserRef | None:
        return None if user_id is None else UserRef(id=user_id, name=names.get(user_id, ""))

    return ChecklistItemPayload(
        id=item.id,
        ticket_id=item.ticket_id,
        text=item.text,
        done=item.done,
        done_by=ref(item.done_by_id),
        done_at=None if item.done_at is None else iso(item.done_at),
        position=item.position,
        version=item.version,
        created_by=ref(item.created_by_id),
        created_at=iso(item.created_at),
        updated_at=iso(item.updated_at),
    )


def checklist_changed(
    session: AsyncSession,
    *,
    ticket: Ticket,
    change: Literal["created", "updated", "deleted", "moved"],
    item: ChecklistItemPayload,
    done: int,
    total: int,
    by: User,
) -> None:
    data = TicketChecklistChanged(
        ticket_id=ticket.id,
        inbox_id=ticket.inbox_id,
        change=change,
        item=item,
        done=done,
        total=total,
        by={"id": by.id, "name": by.name},
    )
    record(
        session,
        type=ChecklistEvent.changed,
        topics=[inbox_topic(ticket.inbox_id)],
        data=data,
    )
