"""Live visitors in the desk: the list and the invitation to chat (docs/desk.md, "Visitors")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.visitors import service
from frontdesk.visitors.schemas import (
    InvitationCreate,
    InvitationRead,
    LiveChatRef,
    LiveVisitorRead,
)

router = APIRouter(prefix="/visitors", tags=["visitors"], route_class=AuthenticateFirst)


@router.get("", response_model=list[LiveVisitorRead])
async def list_visitors(user: CurrentAgent, session: SessionDep) -> list[LiveVisitorRead]:
    """Who is on the sites of the inboxes the agent sees, for those whose messenger settings
    show visitors (`live_visitors`), the longest on the site first. Read again on
    `visitors.changed`."""
    return [
        LiveVisitorRead(
            visit_id=found.visit.visit_id,
            inbox_id=found.inbox.id,
            inbox_name=found.inbox.name,
            name=found.name,
            email=found.email,
            page_url=found.visit.page_url,
            page_title=found.visit.page_title,
            referrer=found.visit.referrer,
            on_site_since=service.at(found.visit.started_at),
            pages=found.visit.pages,
            chat=(
                LiveChatRef(
                    id=found.chat.id, state=found.chat.state.value, agents=found.chat.agents
                )
                if found.chat is not None
                else None
            ),
            invited_by=found.visit.invited_by,
        )
        for found in await service.list_visitors(session, user=user)
    ]


@router.post(
    "/{visit_id}/invitation", response_model=InvitationRead, status_code=status.HTTP_201_CREATED
)
async def invite(
    visit_id: Annotated[str, Path(max_length=40)],
    body: InvitationCreate,
    user: CurrentAgent,
    session: SessionDep,
) -> InvitationRead:
    """The agent's line, shown to the visitor as the messenger's proactive bubble at their next
    page or heartbeat (within 30 s); answered, it starts a chat that opens with it. 403
    `not_a_member` (only the inbox's members invite), 403 `light_agent`, 404 `visitor_gone`,
    409 `inbox_not_online`."""
    made = await service.invite(
        session, user=user, inbox_id=body.inbox_id, visit=visit_id, text=body.text
    )
    return InvitationRead(
        id=made.id, visit_id=made.visit_id, inbox_id=made.inbox_id, text=made.text
    )
