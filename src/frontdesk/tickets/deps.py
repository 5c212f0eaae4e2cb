"""The ticket a route names, loaded once for the routers that act on it: a ticket the agent may
not see is a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from frontdesk.deps import CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.tickets import service
from frontdesk.tickets.models import Ticket


async def load_ticket(ticket_id: Id, user: CurrentAgent, session: SessionDep) -> Ticket:
    return await service.get_ticket(session, user=user, ticket_id=ticket_id)


LoadedTicket = Annotated[Ticket, Depends(load_ticket)]
