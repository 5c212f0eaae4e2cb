"""Actions over HTTP: a list of actions on one ticket, or on many at once (bulk)."""

from __future__ import annotations

from fastapi import APIRouter

from frontdesk.actions import service
from frontdesk.actions.schemas import ActionsApply, BulkApply, BulkResult, OutcomeRead
from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id

router = APIRouter(prefix="/tickets", tags=["actions"], route_class=AuthenticateFirst)


@router.post("/bulk", response_model=BulkResult)
async def apply_to_many(body: BulkApply, user: CurrentAgent, session: SessionDep) -> BulkResult:
    """Applies the actions to each ticket, each ticket all or nothing. A ticket you may not see,
    or one an action refuses, is reported in `results` with its error; the others are done. A
    reply to a ticket whose thread changed since you saw it (`seen_entry_ids`,
    `seen_updated_at`) is refused with the rest of that ticket's actions and counted in
    `stale`."""
    outcomes = await service.apply_to_many(
        session,
        actor=user,
        ticket_ids=body.ticket_ids,
        actions=body.actions,
        seen_entry_ids=body.seen_entry_ids,
        seen_at=body.seen_updated_at,
    )
    return BulkResult.of(outcomes)


@router.post("/{ticket_id}/actions", response_model=OutcomeRead)
async def apply_to_ticket(
    ticket_id: Id, body: ActionsApply, user: CurrentAgent, session: SessionDep
) -> OutcomeRead:
    """Applies the actions in order: all of them, or none and a 4xx error naming why."""
    outcome = await service.apply_to_ticket(
        session,
        actor=user,
        ticket_id=ticket_id,
        actions=body.actions,
        seen_entry_id=body.seen_entry_id,
    )
    return OutcomeRead.of(outcome)
