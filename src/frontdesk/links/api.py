"""Linked tickets. Thin: the rules are in service.py."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.links import service
from frontdesk.links.schemas import (
    AgentRef,
    InboxRef,
    LinkedTicketRead,
    TicketLinkCreate,
    TicketLinksRead,
)

router = APIRouter(tags=["links"], route_class=AuthenticateFirst)


def linked_read(linked: service.LinkedTicket) -> LinkedTicketRead:
    return LinkedTicketRead(
        ticket_id=linked.ticket_id,
        number=linked.number,
        visible=linked.visible,
        subject=linked.subject,
        state=linked.state,
        inbox=(
            None
            if linked.inbox_id is None
            else InboxRef(id=linked.inbox_id, name=linked.inbox_name or "")
        ),
        linked_by=(
            None
            if linked.linked_by_id is None
            else AgentRef(id=linked.linked_by_id, name=linked.linked_by_name or "")
        ),
        linked_at=linked.linked_at,
    )


@router.get("/tickets/{ticket_id}/links", response_model=TicketLinksRead)
async def get_ticket_links(
    ticket_id: Id, user: CurrentAgent, session: SessionDep
) -> TicketLinksRead:
    """The tickets linked to this one, oldest link first (a merged ticket: the links of the
    ticket it was merged into). A linked ticket in an inbox you are not in is given by its
    number alone (`visible`: false)."""
    links = await service.get_links(session, user=user, ticket_id=ticket_id)
    return TicketLinksRead(
        ticket_id=links.ticket.id, links=[linked_read(each) for each in links.links]
    )


@router.post(
    "/tickets/{ticket_id}/links",
    response_model=LinkedTicketRead,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": LinkedTicketRead, "description": "They were linked already."}},
)
async def link_ticket(
    ticket_id: Id,
    body: TicketLinkCreate,
    user: CurrentAgent,
    session: SessionDep,
    response: Response,
) -> LinkedTicketRead:
    """Links another ticket to this one, both ways; 201 with the link, or 200 when they were
    linked already (nothing changes: safe to retry). Both tickets must be in inboxes you are in
    (404 otherwise); 422 for the ticket itself; 409 `too_many_links` when either has 50 links,
    `ticket_is_spam` for spam."""
    linked, created = await service.link(
        session, user=user, ticket_id=ticket_id, other_id=body.ticket_id
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return linked_read(linked)


@router.delete("/tickets/{ticket_id}/links/{other_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unlink_ticket(
    ticket_id: Id, other_id: Id, user: CurrentAgent, session: SessionDep
) -> None:
    """Unlinks the two tickets, both ways; 204 also when they were not linked (safe to retry).
    Both tickets must be in inboxes you are in (404 otherwise)."""
    await service.unlink(session, user=user, ticket_id=ticket_id, other_id=other_id)
