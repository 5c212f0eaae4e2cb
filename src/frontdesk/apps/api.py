"""Sidebar apps: every agent sees them beside a customer; admins manage them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from frontdesk.apps import service
from frontdesk.apps.models import SidebarApp
from frontdesk.apps.schemas import AppPanel, SidebarAppCreate, SidebarAppRead, SidebarAppUpdate
from frontdesk.customers import service as customers_service
from frontdesk.customers.views import customer_reads
from frontdesk.db.session import release_before_waiting
from frontdesk.deps import AuthenticateFirst, CurrentAdmin, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id

router = APIRouter(tags=["apps"], route_class=AuthenticateFirst)


def _read(app: SidebarApp, *, with_secret: bool) -> SidebarAppRead:
    read = SidebarAppRead.model_validate(app)
    return read if with_secret else read.model_copy(update={"secret": None})


async def load_app(app_id: Id, _user: CurrentAgent, session: SessionDep) -> SidebarApp:
    return await service.get_app(session, app_id=app_id)


LoadedApp = Annotated[SidebarApp, Depends(load_app)]


@router.get("/apps", response_model=list[SidebarAppRead])
async def list_apps(user: CurrentAgent, session: SessionDep) -> list[SidebarAppRead]:
    """Every app; the secrets only for owners and admins."""
    apps = await service.list_apps(session)
    return [_read(app, with_secret=user.is_admin) for app in apps]


@router.post("/apps", response_model=SidebarAppRead, status_code=status.HTTP_201_CREATED)
async def create_app(
    body: SidebarAppCreate, _admin: CurrentAdmin, session: SessionDep
) -> SidebarAppRead:
    app = await service.create_app(
        session,
        name=body.name,
        url=body.url,
        secret=body.secret,
        enabled=body.enabled,
        position=body.position,
    )
    return _read(app, with_secret=True)


@router.patch("/apps/{app_id}", response_model=SidebarAppRead)
async def update_app(
    body: SidebarAppUpdate, app: LoadedApp, _admin: CurrentAdmin, session: SessionDep
) -> SidebarAppRead:
    await service.update_app(
        session,
        app=app,
        name=body.name,
        url=body.url,
        secret=body.secret,
        enabled=body.enabled,
        position=body.position,
    )
    return _read(app, with_secret=True)


@router.delete("/apps/{app_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_app(app: LoadedApp, _admin: CurrentAdmin, session: SessionDep) -> None:
    await service.delete_app(session, app=app)


@router.get("/customers/{customer_id}/apps", response_model=list[AppPanel])
async def customer_apps(customer_id: Id, user: CurrentAgent, session: SessionDep) -> list[AppPanel]:
    """What each enabled app shows for this customer; a slow or failing app is "unavailable"."""
    customer = await customers_service.get_customer(session, user=user, customer_id=customer_id)
    record = (await customer_reads(session, [customer]))[0]
    apps = await service.list_apps(session, enabled_only=True)
    await release_before_waiting(session)
    return await service.render_panels(apps=apps, body=record.model_dump_json().encode())
