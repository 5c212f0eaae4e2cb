"""Merge, split and undo over HTTP: thin routes over tickets/merging.py."""

from __future__ import annotations

from fastapi import APIRouter, status

from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.tickets import merging
from frontdesk.tickets.deps import LoadedTicket
from frontdesk.tickets.schemas import (
    MergeCreate,
    MergeManyCreate,
    SplitCreate,
    TicketMoveRead,
    UndoMany,
)

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


@router.post("/merges", response_model=list[TicketMoveRead], status_code=status.HTTP_201_CREATED)
async def merge_many(
    body: MergeManyCreate, user: CurrentAgent, session: SessionDep
) -> list[TicketMoveRead]:
    """Merges the tickets of `ticket_ids` into `into_ticket_id` (one of them), as
    `POST /tickets/{id}/merge` would one by one, all or none. One move per merged ticket; undo
    them together with `POST /tickets/moves/undo`."""
    moves = await merging.merge_many(
        session,
        actor=user,
        ticket_ids=body.ticket_ids,
        into_id=body.into_ticket_id,
        other_customer=body.other_customer,
    )
    return [TicketMoveRead.model_validate(move) for move in moves]


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


@router.post("/moves/undo", response_model=list[TicketMoveRead])
async def undo_moves(
    body: UndoMany, user: CurrentAgent, session: SessionDep
) -> list[TicketMoveRead]:
    """Undoes several merges or splits together (a bulk merge's), the latest first, all or none."""
    moves = await merging.undo_moves(session, actor=user, move_ids=body.move_ids)
    return [TicketMoveRead.model_validate(move) for move in moves]


@router.post("/moves/{move_id}/undo", response_model=TicketMoveRead)
async def undo_move(move_id: Id, user: CurrentAgent, session: SessionDep) -> TicketMoveRead:
    """Puts back exactly what a merge or split moved and changed, within 24 hours, unless a later
    merge or split of the same tickets still stands (409 `undo_blocked`)."""
    return TicketMoveRead.model_validate(
        await merging.undo_move(session, actor=user, move_id=move_id)
    )
