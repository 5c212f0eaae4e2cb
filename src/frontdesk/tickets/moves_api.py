"""Merge, split and undo over HTTP: thin routes over tickets/merging.py."""

from __future__ import annotations

from fastapi import APIRouter, status

from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.tickets import merging
from frontdesk.tickets.deps import LoadedTicket
from frontdesk.tickets.schemas import MergeCreate, SplitCreate, TicketMoveRead

router = APIRouter(prefix="/tickets", tags=["tickets"], route_class=AuthenticateFirst)


@router.post(
    "/{ticket_id}/merge", response_model=TicketMoveRead, status_code=status.HTTP_201_CREATED
)
async def merge_ticket(
    body: MergeCreate, ticket: LoadedTicket, user: CurrentAgent, session: SessionDep
) -> TicketMoveRead:
    """Merges this ticket into `into_ticket_id`: its thread, labels, Cc and files move there, and
    it is closed and points to that ticket. Undo with `POST /tickets/moves/{id}/undo`."""
    move = await merging.merge_tickets(
        session,
        actor=user,
        source=ticket,
        target_id=body.into_ticket_id,
        other_customer=body.other_customer,
    )
    return TicketMoveRead.model_validate(move)


@router.post(
    "/{ticket_id}/entries/{entry_id}/split",
    response_model=TicketMoveRead,
    status_code=status.HTTP_201_CREATED,
)
async def split_ticket(
    entry_id: Id, body: SplitCreate, ticket: LoadedTicket, user: CurrentAgent, session: SessionDep
) -> TicketMoveRead:
    """Moves this message (and with `with_later` the ones after it) into a new ticket, named by
    `target_ticket_id`."""
    move = await merging.split_ticket(
        session, actor=user, ticket=ticket, entry_id=entry_id, with_later=body.with_later
    )
    return TicketMoveRead.model_validate(move)


@router.get("/moves/{move_id}", response_model=TicketMoveRead)
async def get_move(move_id: Id, user: CurrentAgent, session: SessionDep) -> TicketMoveRead:
    return TicketMoveRead.model_validate(
        await merging.get_move(session, user=user, move_id=move_id)
    )


@router.post("/moves/{move_id}/undo", response_model=TicketMoveRead)
async def undo_move(move_id: Id, user: CurrentAgent, session: SessionDep) -> TicketMoveRead:
    """Puts back exactly what a merge or split moved and changed, within 24 hours, unless a later
    merge or split of the same tickets still stands (409 `undo_blocked`)."""
    return TicketMoveRead.model_validate(
        await merging.undo_move(session, actor=user, move_id=move_id)
    )
