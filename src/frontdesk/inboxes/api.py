"""Inboxes and their members. Agents see their own inboxes; admins manage all of them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from frontdesk.chats import service as chats_service
from frontdesk.deps import AuthenticateFirst, CurrentAdmin, CurrentAgent, SessionDep
from frontdesk.inboxes import service
from frontdesk.inboxes.models import Inbox
from frontdesk.inboxes.schemas import (
    InboxAdminRead,
    InboxCreate,
    InboxRead,
    InboxUpdate,
    MemberAdd,
    MemberRemoved,
)
from frontdesk.kit.schemas import Id
from frontdesk.tickets import departures
from frontdesk.tickets import viewers as ticket_viewers
from frontdesk.users import service as users_service
from frontdesk.users.models import User
from frontdesk.users.schemas import ColleagueRead, UserRead, user_read

router = APIRouter(prefix="/inboxes", tags=["inboxes"], route_class=AuthenticateFirst)


def inbox_read(inbox: Inbox, user: User) -> InboxRead:
    # The identity secret signs customers' identities: only admins ever see it.
    return (InboxAdminRead if user.is_admin else InboxRead).model_validate(inbox)


async def load_inbox(inbox_id: Id, user: CurrentAgent, session: SessionDep) -> Inbox:
    return await service.get_inbox(session, user=user, inbox_id=inbox_id)


LoadedInbox = Annotated[Inbox, Depends(load_inbox)]


@router.get("", response_model=list[InboxAdminRead | InboxRead])
async def list_inboxes(user: CurrentAgent, session: SessionDep) -> list[InboxRead]:
    return [inbox_read(inbox, user) for inbox in await service.list_inboxes(session, user=user)]


@router.post("", response_model=InboxAdminRead, status_code=status.HTTP_201_CREATED)
async def create_inbox(body: InboxCreate, admin: CurrentAdmin, session: SessionDep) -> InboxRead:
    inbox = await service.create_inbox(
        session,
        name=body.name,
        email_address=body.email_address,
        unanswered_timeout_seconds=body.unanswered_timeout_seconds,
        allowed_origins=body.allowed_origins,
    )
    return inbox_read(inbox, admin)


@router.get("/{inbox_id}", response_model=InboxAdminRead | InboxRead)
async def get_inbox(inbox: LoadedInbox, user: CurrentAgent) -> InboxRead:
    return inbox_read(inbox, user)


@router.patch("/{inbox_id}", response_model=InboxAdminRead)
async def update_inbox(
    body: InboxUpdate, inbox: LoadedInbox, admin: CurrentAdmin, session: SessionDep
) -> InboxRead:
    fields = body.model_dump(exclude_unset=True)
    await service.update_inbox(session, inbox=inbox, **fields)
    return inbox_read(inbox, admin)


@router.get("/{inbox_id}/members", response_model=list[UserRead | ColleagueRead])
async def list_members(
    inbox: LoadedInbox, viewer: CurrentAgent, session: SessionDep
) -> list[ColleagueRead]:
    """As GET /users: all of each member to admins, what an agent needs to the others."""
    return [user_read(user, viewer) for user in await service.list_members(session, inbox=inbox)]


@router.post("/{inbox_id}/members", status_code=status.HTTP_204_NO_CONTENT)
async def add_member(
    body: MemberAdd, inbox: LoadedInbox, _admin: CurrentAdmin, session: SessionDep
) -> None:
    user = await users_service.get_user(session, user_id=body.user_id)
    await service.add_member(session, inbox=inbox, user=user)


@router.delete("/{inbox_id}/members/{user_id}", response_model=MemberRemoved)
async def remove_member(
    user_id: Id, inbox: LoadedInbox, admin: CurrentAdmin, session: SessionDep
) -> MemberRemoved:
    """Their tickets in the inbox that are not closed are unassigned, for the inbox to take
    back; the answer says how many."""
    user = await users_service.get_user(session, user_id=user_id)
    await service.remove_member(session, inbox=inbox, user=user)
    await chats_service.leave_inbox_chats(session, inbox_id=inbox.id, user=user)
    # Nobody sees them on the inbox's tickets any more (their desk leaves the page).
    await ticket_viewers.drop_user_unseeing(session, user=user)
    unassigned = await departures.release_tickets(
        session,
        user=user,
        actor=admin,
        departure=departures.Departure.removed,
        inbox_id=inbox.id,
    )
    return MemberRemoved(unassigned_tickets=unassigned)
