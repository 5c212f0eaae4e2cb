"""Macros: list, create, edit, delete, and apply to one ticket or to many."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from frontdesk.actions.schemas import BulkResult, OutcomeRead
from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.macros import service
from frontdesk.macros.models import Macro
from frontdesk.macros.schemas import (
    MacroApply,
    MacroApplyMany,
    MacroCreate,
    MacroRead,
    MacroUpdate,
)

router = APIRouter(prefix="/macros", tags=["macros"], route_class=AuthenticateFirst)


async def load_macro(macro_id: Id, user: CurrentAgent, session: SessionDep) -> Macro:
    return await service.get_macro(session, user=user, macro_id=macro_id)


LoadedMacro = Annotated[Macro, Depends(load_macro)]


def _read(macro: Macro) -> MacroRead:
    return MacroRead(
        id=macro.id,
        name=macro.name,
        actions=service.actions_of(macro),
        scope="team" if macro.inbox_id is not None else "personal",
        owner_id=macro.owner_id,
        inbox_id=macro.inbox_id,
        created_by_id=macro.created_by_id,
        updated_by_id=macro.updated_by_id,
        created_at=macro.created_at,
        updated_at=macro.updated_at,
    )


def _reads(macros: Sequence[Macro]) -> list[MacroRead]:
    return [_read(macro) for macro in macros]


@router.get("", response_model=list[MacroRead])
async def list_macros(
    user: CurrentAgent,
    session: SessionDep,
    inbox_id: Annotated[
        Id | None, Query(description="Only your personal macros and this inbox's")
    ] = None,
) -> list[MacroRead]:
    return _reads(await service.list_macros(session, user=user, inbox_id=inbox_id))


@router.post("", response_model=MacroRead, status_code=status.HTTP_201_CREATED)
async def create_macro(body: MacroCreate, user: CurrentAgent, session: SessionDep) -> MacroRead:
    macro = await service.create_macro(
        session, user=user, name=body.name, actions=body.actions, inbox_id=body.inbox_id
    )
    return _read(macro)


@router.get("/{macro_id}", response_model=MacroRead)
async def get_macro(macro: LoadedMacro) -> MacroRead:
    return _read(macro)


@router.patch("/{macro_id}", response_model=MacroRead)
async def update_macro(
    body: MacroUpdate, macro: LoadedMacro, user: CurrentAgent, session: SessionDep
) -> MacroRead:
    await service.update_macro(
        session, user=user, macro=macro, name=body.name, actions=body.actions
    )
    return _read(macro)


@router.delete("/{macro_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_macro(macro: LoadedMacro, session: SessionDep) -> None:
    await service.delete_macro(session, macro=macro)


@router.post("/{macro_id}/apply", response_model=OutcomeRead)
async def apply_macro(
    body: MacroApply, macro: LoadedMacro, user: CurrentAgent, session: SessionDep
) -> OutcomeRead:
    """Applies the macro to one ticket: all its actions, or none and a 4xx error naming why.
    Applied again at the same moment (two agents, a double click), its reply is not sent twice:
    see `skipped`. With `reply: draft`, its reply comes back in `draft` instead of going out."""
    outcome = await service.apply_macro(
        session,
        user=user,
        macro=macro,
        ticket_id=body.ticket_id,
        seen_entry_id=body.seen_entry_id,
        draft=body.reply == "draft",
    )
    return OutcomeRead.of(outcome)


@router.post("/{macro_id}/apply-many", response_model=BulkResult)
async def apply_macro_to_many(
    body: MacroApplyMany, macro: LoadedMacro, user: CurrentAgent, session: SessionDep
) -> BulkResult:
    """Applies the macro to each ticket, each all or nothing; refusals are reported per ticket."""
    outcomes = await service.apply_macro_to_many(
        session,
        user=user,
        macro=macro,
        ticket_ids=body.ticket_ids,
        seen_entry_ids=body.seen_entry_ids,
        seen_at=body.seen_updated_at,
    )
    return BulkResult.of(outcomes)
