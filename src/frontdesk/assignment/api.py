"""An inbox's auto-assignment: every agent of the inbox reads it, admins set it."""

from __future__ import annotations

from fastapi import APIRouter

from frontdesk.assignment import service
from frontdesk.assignment.models import AssignmentMode, InboxAssignment
from frontdesk.assignment.schemas import AssignmentRead, AssignmentUpdate
from frontdesk.deps import AuthenticateFirst, CurrentAdmin, CurrentAgent, SessionDep
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.schemas import Id

router = APIRouter(prefix="/inboxes", tags=["inboxes"], route_class=AuthenticateFirst)


def assignment_read(row: InboxAssignment) -> AssignmentRead:
    return AssignmentRead(
        inbox_id=row.inbox_id,
        mode=row.mode.value,
        ticket_limit=row.ticket_limit,
        reassign_after_minutes=row.reassign_after_minutes,
        offer_chats=row.offer_chats,
        offer_timeout_seconds=row.offer_timeout_seconds,
        updated_at=row.updated_at,
    )


@router.get("/{inbox_id}/assignment", response_model=AssignmentRead)
async def get_assignment(inbox_id: Id, user: CurrentAgent, session: SessionDep) -> AssignmentRead:
    inbox = await inboxes_service.get_inbox(session, user=user, inbox_id=inbox_id)
    return assignment_read(await service.get_settings(session, inbox=inbox))


@router.put("/{inbox_id}/assignment", response_model=AssignmentRead)
async def put_assignment(
    inbox_id: Id, body: AssignmentUpdate, admin: CurrentAdmin, session: SessionDep
) -> AssignmentRead:
    inbox = await inboxes_service.get_inbox(session, user=admin, inbox_id=inbox_id)
    row = await service.set_settings(
        session,
        inbox=inbox,
        mode=AssignmentMode(body.mode),
        ticket_limit=body.ticket_limit,
        reassign_after_minutes=body.reassign_after_minutes,
        offer_chats=body.offer_chats,
        offer_timeout_seconds=body.offer_timeout_seconds,
    )
    return assignment_read(row)
