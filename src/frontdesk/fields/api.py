"""Custom fields' definitions: every agent reads them (the desk draws its forms from them);
admins manage them. Values are set through the tickets' and customers' PATCH."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from frontdesk.deps import AuthenticateFirst, CurrentAdmin, CurrentAgent, SessionDep
from frontdesk.fields import events, service, usage
from frontdesk.fields.models import CustomField, FieldObject
from frontdesk.fields.schemas import (
    CustomFieldCreate,
    CustomFieldDetail,
    CustomFieldOrder,
    CustomFieldRead,
    CustomFieldUpdate,
)
from frontdesk.kit.schemas import Id

router = APIRouter(prefix="/fields", tags=["fields"], route_class=AuthenticateFirst)


async def load_field(field_id: Id, _user: CurrentAgent, session: SessionDep) -> CustomField:
    return await service.get_field(session, field_id=field_id)


LoadedField = Annotated[CustomField, Depends(load_field)]


@router.get("", response_model=list[CustomFieldRead])
async def list_fields(
    _user: CurrentAgent,
    session: SessionDep,
    object: Annotated[
        FieldObject | None, Query(description="Only the fields of tickets, or of customers")
    ] = None,
) -> list[CustomFieldRead]:
    return [
        CustomFieldRead.model_validate(field)
        for field in await service.list_fields(session, object=object)
    ]


@router.post("", response_model=CustomFieldRead, status_code=status.HTTP_201_CREATED)
async def create_field(
    body: CustomFieldCreate, admin: CurrentAdmin, session: SessionDep
) -> CustomFieldRead:
    """409 `field_exists` (the label, whatever its case), `field_key_taken`, `too_many_fields`."""
    field = await service.create_field(
        session,
        object=body.object,
        label=body.label,
        kind=body.kind,
        options=body.options,
        key=body.key,
    )
    events.record_changed(
        session, object=field.object, change="created", field_id=field.id, by=admin
    )
    return CustomFieldRead.model_validate(field)


@router.put("/order", response_model=list[CustomFieldRead])
async def reorder_fields(
    body: CustomFieldOrder, admin: CurrentAdmin, session: SessionDep
) -> list[CustomFieldRead]:
    fields = await service.reorder_fields(session, object=body.object, field_ids=body.field_ids)
    events.record_changed(session, object=body.object, change="reordered", field_id=None, by=admin)
    return [CustomFieldRead.model_validate(field) for field in fields]


@router.get("/{field_id}", response_model=CustomFieldDetail)
async def get_field(
    field: LoadedField, user: CurrentAgent, session: SessionDep
) -> CustomFieldDetail:
    # The count takes in every inbox's records: an agent is told nothing of those they cannot see.
    return CustomFieldDetail(
        **CustomFieldRead.model_validate(field).model_dump(),
        in_use=await service.in_use(session, field=field) if user.is_admin else None,
    )


@router.patch("/{field_id}", response_model=CustomFieldRead)
async def update_field(
    body: CustomFieldUpdate, field: LoadedField, admin: CurrentAdmin, session: SessionDep
) -> CustomFieldRead:
    """409 `field_exists` (a new label another field has), `option_in_use` (a record holds it,
    or a rule or macro names it), `field_in_use` (archiving a field a rule or macro names).
    `renames` renames a list's options with the values, rules, macros and views naming them."""
    await usage.update_field(
        session,
        field=field,
        label=body.label,
        options=body.options,
        archived=body.archived,
        renames=body.renames,
        by=admin,
    )
    events.record_changed(
        session, object=field.object, change="updated", field_id=field.id, by=admin
    )
    return CustomFieldRead.model_validate(field)


@router.delete("/{field_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_field(field: LoadedField, admin: CurrentAdmin, session: SessionDep) -> None:
    """Deletes the field and every value of it (`in_use` says how many records hold one);
    409 `field_in_use` while a rule or macro names it."""
    object, field_id = field.object, field.id
    await usage.delete_field(session, field=field)
    events.record_changed(session, object=object, change="deleted", field_id=field_id, by=admin)
