"""The messenger's side of live visitors, under /messenger/v1/visits: public, named by the
inbox's public key, answered only to the websites the inbox accepts, limited per network address
as /status is. A visitor token, when the messenger has one, names an identified visitor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from frontdesk.auth import bearer_token, ensure_origin
from frontdesk.chats.messenger_deps import IpLimited, VisitorFirst
from frontdesk.deps import SessionDep
from frontdesk.inboxes import service as inboxes_service
from frontdesk.visitors import service
from frontdesk.visitors.schemas import (
    OfferedInvitation,
    OfferedSender,
    VisitAnswer,
    VisitReport,
)

router = APIRouter(prefix="/messenger/v1/visits", tags=["messenger"], route_class=VisitorFirst)

Inbox = Annotated[str, Query(max_length=40, description="The inbox's public key")]


@router.post("", response_model=VisitAnswer)
async def report_visit(
    body: VisitReport, request: Request, session: SessionDep, _limit: IpLimited, inbox: Inbox
) -> VisitAnswer:
    """A page shown or a visible tab's heartbeat. With `live_visitors` off, nothing is kept.
    Answers an agent's invitation once, when one waits."""
    found = await inboxes_service.get_inbox_by_public_key(session, public_key=inbox)
    ensure_origin(found, request.headers.get("origin"))
    offered = await service.report_visit(
        session,
        inbox=found,
        visit=body.visit,
        tab=body.tab,
        url=body.url,
        title=body.title,
        referrer=body.referrer,
        page=body.page,
        token=bearer_token(request.headers.get("authorization")),
    )
    if offered is None:
        return VisitAnswer()
    return VisitAnswer(
        invitation=OfferedInvitation(
            id=offered.id, text=offered.text, sender=OfferedSender(name=offered.sender_name)
        )
    )


@router.post("/leave", status_code=status.HTTP_204_NO_CONTENT)
async def leave(
    request: Request,
    session: SessionDep,
    _limit: IpLimited,
    inbox: Inbox,
    visit: Annotated[str, Query(max_length=40)],
    tab: Annotated[str, Query(max_length=40)],
) -> None:
    """The tab's page went (`navigator.sendBeacon` on pagehide: no body, no token). The visit
    leaves the list a few seconds later unless another of its pages reports."""
    found = await inboxes_service.get_inbox_by_public_key(session, public_key=inbox)
    ensure_origin(found, request.headers.get("origin"))
    await service.leave(session, inbox=found, visit=visit, tab=tab)
