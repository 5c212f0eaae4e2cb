"""Proactive messages in the desk's settings: owners and admins only (agents get 403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from frontdesk.deps import AuthenticateFirst, CurrentAdmin, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.proactive import service
from frontdesk.proactive.models import ProactiveMessage
from frontdesk.proactive.schemas import (
    ProactiveMessageCreate,
    ProactiveMessageRead,
    ProactiveMessageUpdate,
    SenderRef,
)

router = APIRouter(
    prefix="/proactive-messages", tags=["proactive messages"], route_class=AuthenticateFirst
)


async def load_message(
    message_id: Id, _admin: CurrentAdmin, session: SessionDep
) -> ProactiveMessage:
    return await service.get_message(session, message_id=message_id)


LoadedMessage = Annotated[ProactiveMessage, Depends(load_message)]


def _read(found: service.Listed) -> ProactiveMessageRead:
    message = found.message
    return ProactiveMessageRead(
        id=message.id,
        inbox_id=message.inbox_id,
        name=message.name,
        text=message.text,
        sender=SenderRef(id=found.sender.id, name=found.sender.name),
        sender_can_send=found.sender_can_send,
        page_rule=message.page_rule,
        delay_seconds=message.delay_seconds,
        only_when_online=message.only_when_online,
        enabled=message.enabled,
        shown_count=message.shown_count,
        started_count=message.started_count,
        created_at=message.created_at,
        updated_at=message.updated_at,
    )


@router.get("", response_model=list[ProactiveMessageRead])
async def list_messages(
    _admin: CurrentAdmin,
    session: SessionDep,
    inbox_id: Annotated[int, Query(description="The inbox whose messages to list")],
) -> list[ProactiveMessageRead]:
    """The inbox's proactive messages, oldest first (the messenger shows the first that
    matches), with how many times each was shown and how many chats it started."""
    inbox = await service.inbox_of(session, inbox_id=inbox_id)
    return [_read(found) for found in await service.list_messages(session, inbox=inbox)]


@router.post("", response_model=ProactiveMessageRead, status_code=status.HTTP_201_CREATED)
async def create_message(
    body: ProactiveMessageCreate, _admin: CurrentAdmin, session: SessionDep
) -> ProactiveMessageRead:
    """422 names the field: an empty or too long text (1,000 characters), a page rule that is
    neither a path nor an http(s) address, a delay outside 0-3600, a sender who is not an
    active member of the inbox."""
    inbox = await service.inbox_of(session, inbox_id=body.inbox_id)
    made = await service.create_message(
        session,
        inbox=inbox,
        name=body.name,
        text=body.text,
        sender_id=body.sender_id,
        page_rule_text=body.page_rule,
        delay_seconds=body.delay_seconds,
        only_when_online=body.only_when_online,
        enabled=body.enabled,
    )
    return _read(await service.listed(session, message=made))


@router.patch("/{message_id}", response_model=ProactiveMessageRead)
async def update_message(
    body: ProactiveMessageUpdate, found: LoadedMessage, session: SessionDep
) -> ProactiveMessageRead:
    await service.update_message(
        session,
        message=found,
        name=body.name,
        text=body.text,
        sender_id=body.sender_id,
        page_rule_text=body.page_rule,
        delay_seconds=body.delay_seconds,
        only_when_online=body.only_when_online,
        enabled=body.enabled,
    )
    return _read(await service.listed(session, message=found))


@router.delete("/{message_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_message(found: LoadedMessage, session: SessionDep) -> None:
    """Chats it started keep their first line."""
    await service.delete_message(session, message=found)
