"""A ticket's checklist. Thin: the rules are in service.py."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.checklists import events, service
from frontdesk.checklists.models import ChecklistItem
from frontdesk.checklists.schemas import (
    AgentRef,
    ChecklistItemCreate,
    ChecklistItemRead,
    ChecklistItemUpdate,
    ChecklistRead,
)
from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id

router = APIRouter(tags=["checklists"], route_class=AuthenticateFirst)


async def item_reads(session: AsyncSession, items: list[ChecklistItem]) -> list[ChecklistItemRead]:
    names = await events.names_of(session, items)

    def ref(user_id: int | None) -> AgentRef | None:
        return None if user_id is None else AgentRef(id=user_id, name=names.get(user_id, ""))

    return [
        ChecklistItemRead(
            id=item.id,
            ticket_id=item.ticket_id,
            text=item.text,
            done=item.done,
            done_by=ref(item.done_by_id),
            done_at=item.done_at,
            position=item.position,
            version=item.version,
            created_by=ref(item.created_by_id),
            created_at=item.created_at,
            updated_at=item.updated_at,
        )
        for item in items
    ]


async def item_read(session: AsyncSession, item: ChecklistItem) -> ChecklistItemRead:
    (read,) = await item_reads(session, [item])
    return read


@router.get("/tickets/{ticket_id}/checklist", response_model=ChecklistRead)
async def get_checklist(ticket_id: Id, user: CurrentAgent, session: SessionDep) -> ChecklistRead:
    """The ticket's items in order, with how many are done (a merged ticket: the checklist of
    the ticket it was merged into)."""
    checklist = await service.get_checklist(session, user=user, ticket_id=ticket_id)
    progress = checklist.progress
    return ChecklistRead(
        ticket_id=checklist.ticket.id,
        items=await item_reads(session, checklist.items),
        done=progress.done,
        total=progress.total,
    )


@router.post(
    "/tickets/{ticket_id}/checklist/items",
    response_model=ChecklistItemRead,
    status_code=status.HTTP_201_CREATED,
)
async def add_checklist_item(
    ticket_id: Id, body: ChecklistItemCreate, user: CurrentAgent, session: SessionDep
) -> ChecklistItemRead:
    """Adds an item at the end; 409 `checklist_full` when the ticket has 100 already. Send an
    `Idempotency-Key` to retry safely."""
    item = await service.add_item(session, user=user, ticket_id=ticket_id, text=body.text)
    return await item_read(session, item)


@router.patch("/tickets/{ticket_id}/checklist/items/{item_id}", response_model=ChecklistItemRead)
async def update_checklist_item(
    ticket_id: Id,
    item_id: Id,
    body: ChecklistItemUpdate,
    user: CurrentAgent,
    session: SessionDep,
) -> ChecklistItemRead:
    """Edits the text, ticks or unticks (`done` is set, not toggled: safe to retry), or moves
    the item (`position`); with `version`, 409 `checklist_item_changed` when someone changed
    it meanwhile."""
    item = await service.update_item(
        session,
        user=user,
        ticket_id=ticket_id,
        item_id=item_id,
        text=body.text,
        done=body.done,
        position=body.position,
        version=body.version,
    )
    return await item_read(session, item)


@router.delete(
    "/tickets/{ticket_id}/checklist/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_checklist_item(
    ticket_id: Id, item_id: Id, user: CurrentAgent, session: SessionDep
) -> None:
    """Deletes the item; 404 `no_checklist_item` when it is not (or no longer) there."""
    await service.delete_item(session, user=user, ticket_id=ticket_id, item_id=item_id)
