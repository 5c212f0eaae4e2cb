"""The messenger's side of proactive messages, under /messenger/v1: public, named by the inbox's
public key, answered only to the websites the inbox accepts, limited per network address, as
/messenger/v1/status is. Neither route takes a visitor token: a visitor is made only when a chat
starts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from frontdesk.auth import ensure_origin
from frontdesk.chats.messenger_deps import IpLimited, VisitorFirst
from frontdesk.deps import SessionDep
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.schemas import Id
from frontdesk.proactive import service
from frontdesk.proactive.schemas import (
    PublicProactiveMessage,
    PublicProactiveMessages,
    PublicSender,
)

router = APIRouter(prefix="/messenger/v1/proactive", tags=["messenger"], route_class=VisitorFirst)

# Every page view of every visitor asks: a browser keeps the answer a minute, so a visitor going
# from page to page asks once, and an admin's change reaches websites within that minute.
CACHE = "public, max-age=60"


@router.get("", response_model=PublicProactiveMessages)
async def proactive_messages(
    request: Request,
    response: Response,
    session: SessionDep,
    _limit: IpLimited,
    inbox: Annotated[str, Query(max_length=40, description="The inbox's public key")],
) -> PublicProactiveMessages:
    """The inbox's enabled proactive messages whose sender can still send them, oldest first:
    the messenger shows the first whose page rule matches. The sender's name only."""
    found = await inboxes_service.get_inbox_by_public_key(session, public_key=inbox)
    ensure_origin(found, request.headers.get("origin"))
    response.headers["Cache-Control"] = CACHE
    return PublicProactiveMessages(
        messages=[
            PublicProactiveMessage(
                id=message.id,
                text=message.text,
                sender=PublicSender(name=sender.name),
                page_rule=message.page_rule,
                delay_seconds=message.delay_seconds,
                only_when_online=message.only_when_online,
            )
            for message, sender in await service.live_messages(session, inbox=found)
        ]
    )


@router.post("/{message_id}/shown", status_code=status.HTTP_204_NO_CONTENT)
async def shown(
    message_id: Id,
    request: Request,
    session: SessionDep,
    _limit: IpLimited,
    inbox: Annotated[str, Query(max_length=40, description="The inbox's public key")],
) -> None:
    """The messenger showed it, the first time in this browser (the messenger keeps the ids it
    counted): counted. No body: a beacon's words fit in its address."""
    found = await inboxes_service.get_inbox_by_public_key(session, public_key=inbox)
    ensure_origin(found, request.headers.get("origin"))
    await service.record_shown(session, inbox=found, message_id=message_id)
