"""Custom ticket statuses: every agent reads them; admins manage them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from frontdesk.deps import AuthenticateFirst, CurrentAdmin, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.statuses import events, service, usage
from frontdesk.statuses.models import StatusState, TicketStatus
from frontdesk.statuses.schemas import StatusCreate, StatusRead, StatusUpdate

router = APIRouter(
    prefix="/ticket-statuses", tags=["ticket statuses"], route_class=AuthenticateFirst
)


async def load_status(status_id: Id, _user: CurrentAgent, session: SessionDep) -> TicketStatus:
    return await service.get_status(session, status_id=status_id)


LoadedStatus = Annotated[TicketStatus, Depends(load_status)]


@router.get("", response_model=list[StatusRead])
async def list_statuses(_user: CurrentAgent, session: SessionDep) -> list[StatusRead]:
    """Every status, archived ones too, by state (open, hold, closed) then position."""
    return [StatusRead.model_validate(each) for each in await service.list_statuses(session)]


@router.post("", response_model=StatusRead, status_code=status.HTTP_201_CREATED)
async def create_status(body: StatusCreate, admin: CurrentAdmin, session: SessionDep) -> StatusRead:
    """Added last among its state's statuses. 409 `status_exists` when the name is taken,
    whatever its case."""
    made = await service.create_status(
        session, name=body.name, state=StatusState(body.state), description=body.description
    )
    events.record_changed(session, change="created", status_id=made.id, by=admin)
    return StatusRead.model_validate(made)


@router.patch("/{status_id}", response_model=StatusRead)
async def update_status(
    body: StatusUpdate, found: LoadedStatus, admin: CurrentAdmin, session: SessionDep
) -> StatusRead:
    if body.archived and not found.archived:
        await usage.ensure_not_named_by_automation(session, status=found, doing="archived")
    # A change that changes nothing (the values the status has) is answered with the status
    # and tells no desk.
    changed = await service.update_status(
        session,
        status=found,
        name=body.name,
        description=body.description,
        position=body.position,
        archived=body.archived,
    )
    if changed:
        events.record_changed(session, change="updated", status_id=found.id, by=admin)
    return StatusRead.model_validate(found)


@router.delete("/{status_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_status(found: LoadedStatus, admin: CurrentAdmin, session: SessionDep) -> None:
    """Refused (409 `status_in_use`) while a ticket has it, a macro or rule sets it or a rule
    tests it: archive it instead."""
    await usage.ensure_unused(session, status=found)
    status_id = found.id
    await service.delete_status(session, status=found)
    events.record_changed(session, change="deleted", status_id=status_id, by=admin)
