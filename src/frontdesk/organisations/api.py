"""Organisations: every agent reads them; owners and admins manage them (service.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from frontdesk.customers.schemas import CustomerPageRead
from frontdesk.customers.views import customer_reads
from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.organisations import service
from frontdesk.organisations.models import Organisation
from frontdesk.organisations.schemas import (
    OrganisationCreate,
    OrganisationNameRead,
    OrganisationNamesRead,
    OrganisationPageRead,
    OrganisationRead,
    OrganisationTicketPageRead,
    OrganisationTicketRead,
    OrganisationUpdate,
)
from frontdesk.statuses import service as statuses_service
from frontdesk.users.models import User

router = APIRouter(prefix="/organisations", tags=["organisations"], route_class=AuthenticateFirst)


async def load_organisation(
    organisation_id: Id, _user: CurrentAgent, session: SessionDep
) -> Organisation:
    return await service.get_organisation(session, organisation_id=organisation_id)


LoadedOrganisation = Annotated[Organisation, Depends(load_organisation)]
Cursor = Annotated[
    str | None, Query(max_length=1000, description="The `next_cursor` of the previous page")
]
Limit = Annotated[int, Query(ge=1, le=100)]
Search = Annotated[
    str | None, Query(max_length=200, description="Part of a name or a domain, any case")
]


def _read(listed: service.Listed) -> OrganisationRead:
    return service.read_of(listed)


async def _one(session: SessionDep, organisation: Organisation, user: User) -> OrganisationRead:
    return _read((await service.described(session, [organisation], viewer=user))[0])


@router.get("/names", response_model=OrganisationNamesRead)
async def list_organisation_names(
    _user: CurrentAgent,
    session: SessionDep,
    q: Search = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_NAMES)] = service.MAX_NAMES,
) -> OrganisationNamesRead:
    """Organisations by name, their ids and names only, up to 1,000 a page: for a choice of one
    (docs/api.md, "Organisations")."""
    page = await service.list_names(session, query=q, cursor=cursor, limit=limit)
    return OrganisationNamesRead(
        items=[OrganisationNameRead(id=o.id, name=o.name) for o in page.organisations],
        next_cursor=page.next_cursor,
    )


@router.get("", response_model=OrganisationPageRead)
async def list_organisations(
    user: CurrentAgent,
    session: SessionDep,
    q: Search = None,
    cursor: Cursor = None,
    limit: Limit = 25,
) -> OrganisationPageRead:
    page = await service.list_organisations(session, user=user, query=q, cursor=cursor, limit=limit)
    return OrganisationPageRead(
        items=[_read(listed) for listed in page.items], next_cursor=page.next_cursor
    )


@router.post("", response_model=OrganisationRead, status_code=status.HTTP_201_CREATED)
async def create_organisation(
    body: OrganisationCreate, user: CurrentAgent, session: SessionDep
) -> OrganisationRead:
    """Owners and admins. A taken name or domain is a 409 (`organisation_exists`,
    `domain_taken`, naming who has it); a free-mail or malformed domain a 422."""
    organisation = await service.create_organisation(
        session,
        user=user,
        name=body.name,
        domains=body.domains,
        notes=body.notes,
        shared_requests=body.shared_requests,
    )
    return await _one(session, organisation, user)


@router.get("/{organisation_id}", response_model=OrganisationRead)
async def get_organisation(
    organisation: LoadedOrganisation, user: CurrentAgent, session: SessionDep
) -> OrganisationRead:
    return await _one(session, organisation, user)


@router.patch("/{organisation_id}", response_model=OrganisationRead)
async def update_organisation(
    body: OrganisationUpdate,
    organisation: LoadedOrganisation,
    user: CurrentAgent,
    session: SessionDep,
) -> OrganisationRead:
    """Owners and admins. `domains` replaces the list."""
    await service.update_organisation(
        session,
        user=user,
        organisation=organisation,
        name=body.name,
        domains=body.domains,
        notes=body.notes,
        shared_requests=body.shared_requests,
    )
    return await _one(session, organisation, user)


@router.delete("/{organisation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_organisation(
    organisation: LoadedOrganisation, user: CurrentAgent, session: SessionDep
) -> None:
    """Owners and admins. Its customers are kept, without organisation."""
    await service.delete_organisation(session, user=user, organisation=organisation)


@router.get("/{organisation_id}/customers", response_model=CustomerPageRead)
async def list_organisation_customers(
    organisation: LoadedOrganisation,
    user: CurrentAgent,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = 25,
) -> CustomerPageRead:
    """Its customers the agent may see, by name."""
    page = await service.list_customers(
        session, user=user, organisation=organisation, cursor=cursor, limit=limit
    )
    return CustomerPageRead(
        items=await customer_reads(session, page.customers), next_cursor=page.next_cursor
    )


@router.get("/{organisation_id}/tickets", response_model=OrganisationTicketPageRead)
async def list_organisation_tickets(
    organisation: LoadedOrganisation,
    user: CurrentAgent,
    session: SessionDep,
    cursor: Cursor = None,
    limit: Limit = 25,
) -> OrganisationTicketPageRead:
    """Its customers' tickets in the inboxes the agent sees, newest first, spam left out."""
    page = await service.list_tickets(
        session, user=user, organisation=organisation, cursor=cursor, limit=limit
    )
    statuses = await statuses_service.refs_of(
        session, status_ids=[row.ticket.status_id for row in page.items]
    )
    return OrganisationTicketPageRead(
        items=[
            OrganisationTicketRead(
                id=row.ticket.id,
                number=row.ticket.number,
                subject=row.ticket.subject,
                state=row.ticket.state,
                status=statuses.get(row.ticket.status_id)
                if row.ticket.status_id is not None
                else None,
                inbox_id=row.ticket.inbox_id,
                customer_id=row.customer_id,
                customer_name=row.customer_name,
                created_at=row.ticket.created_at,
                updated_at=row.ticket.updated_at,
            )
            for row in page.items
        ],
        next_cursor=page.next_cursor,
    )
