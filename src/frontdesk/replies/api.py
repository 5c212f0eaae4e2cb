"""Saved replies: list and search, create, edit, share, delete, and insert (fill and count)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.replies import service, usage
from frontdesk.replies.models import SavedReply
from frontdesk.replies.schemas import (
    SavedReplyCreate,
    SavedReplyInsertion,
    SavedReplyPage,
    SavedReplyRead,
    SavedReplyShare,
    SavedReplyUpdate,
    SavedReplyUseCreate,
    VariableRead,
)
from frontdesk.replies.variables import VARIABLES

router = APIRouter(prefix="/saved-replies", tags=["saved replies"], route_class=AuthenticateFirst)


async def load_reply(reply_id: Id, user: CurrentAgent, session: SessionDep) -> SavedReply:
    return await service.get_reply(session, user=user, reply_id=reply_id)


LoadedReply = Annotated[SavedReply, Depends(load_reply)]


def _read(reply: SavedReply) -> SavedReplyRead:
    return SavedReplyRead.model_validate(reply)


@router.get("", response_model=SavedReplyPage)
async def list_saved_replies(
    user: CurrentAgent,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200, description="Searches names and texts")] = "",
    scope: service.Scope = service.Scope.all,
    inbox_id: Annotated[
        Id | None, Query(description="Only this inbox's team replies (and your own)")
    ] = None,
    sort: service.Sort = service.Sort.usage,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SavedReplyPage:
    page = await service.list_replies(
        session, user=user, q=q, scope=scope, inbox_id=inbox_id, sort=sort, limit=limit
    )
    return SavedReplyPage(items=[_read(reply) for reply in page.items], total=page.total)


@router.get("/variables", response_model=list[VariableRead])
async def list_variables(_user: CurrentAgent) -> list[VariableRead]:
    return [VariableRead(name=name, description=text) for name, text in VARIABLES.items()]


@router.post("", response_model=SavedReplyRead, status_code=status.HTTP_201_CREATED)
async def create_saved_reply(
    body: SavedReplyCreate, user: CurrentAgent, session: SessionDep
) -> SavedReplyRead:
    reply = await service.create_reply(
        session, user=user, name=body.name, text=body.text, inbox_id=body.inbox_id
    )
    return _read(reply)


@router.get("/{reply_id}", response_model=SavedReplyRead)
async def get_saved_reply(reply: LoadedReply) -> SavedReplyRead:
    return _read(reply)


@router.patch("/{reply_id}", response_model=SavedReplyRead)
async def update_saved_reply(
    body: SavedReplyUpdate, reply: LoadedReply, user: CurrentAgent, session: SessionDep
) -> SavedReplyRead:
    """A team reply that a rule sends has its text changed by admins and owners only."""
    if body.text is not None:
        await usage.ensure_text_change_allowed(session, user=user, reply=reply, text=body.text)
    await service.update_reply(session, user=user, reply=reply, name=body.name, text=body.text)
    return _read(reply)


@router.post("/{reply_id}/share", response_model=SavedReplyRead)
async def share_saved_reply(
    body: SavedReplyShare, reply: LoadedReply, user: CurrentAgent, session: SessionDep
) -> SavedReplyRead:
    await service.share_reply(session, user=user, reply=reply, inbox_id=body.inbox_id)
    return _read(reply)


@router.delete("/{reply_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_saved_reply(reply: LoadedReply, session: SessionDep) -> None:
    """Refused (409) while a rule or a macro sends it."""
    await usage.ensure_unused(session, reply=reply)
    await service.delete_reply(session, reply=reply)


@router.post("/{reply_id}/uses", response_model=SavedReplyInsertion)
async def insert_saved_reply(
    body: SavedReplyUseCreate, reply: LoadedReply, user: CurrentAgent, session: SessionDep
) -> SavedReplyInsertion:
    """Fills the reply's variables for a chat you are in or a ticket you see, and counts one use
    (once per `use_id`). Call it when the reply is inserted into the composer."""
    done = await service.insert_reply(
        session,
        user=user,
        reply=reply,
        use_id=body.use_id,
        chat_id=body.chat_id,
        ticket_id=body.ticket_id,
    )
    return SavedReplyInsertion(
        text=done.filled.text,
        unfilled=done.filled.unfilled,
        unknown=done.filled.unknown,
        counted=done.counted,
        usage_count=done.reply.usage_count,
    )
