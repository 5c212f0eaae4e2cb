"""Labels: everyone reads them; admins manage them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from frontdesk.deps import AuthenticateFirst, CurrentAdmin, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.labels import service, usage
from frontdesk.labels.models import Label
from frontdesk.labels.schemas import LabelCreate, LabelRead, LabelUpdate

router = APIRouter(prefix="/labels", tags=["labels"], route_class=AuthenticateFirst)


async def load_label(label_id: Id, _user: CurrentAgent, session: SessionDep) -> Label:
    return await service.get_label(session, label_id=label_id)


LoadedLabel = Annotated[Label, Depends(load_label)]


@router.get("", response_model=list[LabelRead])
async def list_labels(_user: CurrentAgent, session: SessionDep) -> list[LabelRead]:
    return [LabelRead.model_validate(label) for label in await service.list_labels(session)]


@router.post("", response_model=LabelRead, status_code=status.HTTP_201_CREATED)
async def create_label(body: LabelCreate, _admin: CurrentAdmin, session: SessionDep) -> LabelRead:
    return LabelRead.model_validate(
        await service.create_label(session, name=body.name, color=body.color)
    )


@router.patch("/{label_id}", response_model=LabelRead)
async def update_label(
    body: LabelUpdate, label: LoadedLabel, _admin: CurrentAdmin, session: SessionDep
) -> LabelRead:
    await service.update_label(session, label=label, name=body.name, color=body.color)
    return LabelRead.model_validate(label)


@router.delete("/{label_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_label(label: LoadedLabel, _admin: CurrentAdmin, session: SessionDep) -> None:
    """Refused (409 `label_in_use`, naming them) while an SLA policy, a rule or a macro uses
    it."""
    await usage.ensure_unused(session, label=label)
    await service.delete_label(session, label=label)
