"""Customers: search, create, edit, merge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from frontdesk.customers import service
from frontdesk.customers.models import Customer
from frontdesk.customers.schemas import (
    CustomerCreate,
    CustomerMerge,
    CustomerPageRead,
    CustomerRead,
    CustomerUpdate,
)
from frontdesk.customers.views import customer_reads
from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.errors import Invalid
from frontdesk.kit.schemas import Id
from frontdesk.organisations import service as organisations_service

router = APIRouter(prefix="/customers", tags=["customers"], route_class=AuthenticateFirst)


async def load_customer(customer_id: Id, user: CurrentAgent, session: SessionDep) -> Customer:
    return await service.get_customer(session, user=user, customer_id=customer_id)


LoadedCustomer = Annotated[Customer, Depends(load_customer)]


@router.get("", response_model=CustomerPageRead)
async def list_customers(
    user: CurrentAgent,
    session: SessionDep,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Words of a name or an address, the last one maybe unfinished; or a "
            "phone number, or a run of its digits",
        ),
    ] = None,
    email: Annotated[
        str | None,
        Query(
            max_length=320,
            description="Exactly this address (any case), one of the customer's: the one "
            "customer who has it, or none",
        ),
    ] = None,
    sort: Annotated[
        str | None,
        Query(
            description="`name` (the default), `id` (the order customers were created in, "
            "which never changes: walk every customer by it) or `-id` (newest first)"
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            max_length=1000,
            description="The `next_cursor` of the previous page, with the same `q`, `email` "
            "and `sort`",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    offset: Annotated[
        int | None,
        Query(deprecated=True, description="Refused: customers are paged with `cursor`."),
    ] = None,
) -> CustomerPageRead:
    if offset is not None:
        # A script that still pages by offset would otherwise get the first page for ever.
        raise Invalid(
            "offset",
            "The customer list is paged with a cursor: pass the next_cursor of the previous "
            "page as cursor.",
        )
    page = await service.list_customers(
        session, user=user, query=q, email=email, sort=sort, cursor=cursor, limit=limit
    )
    return CustomerPageRead(
        items=await customer_reads(session, page.customers), next_cursor=page.next_cursor
    )


@router.post("", response_model=CustomerRead, status_code=status.HTTP_201_CREATED)
async def create_customer(
    body: CustomerCreate, user: CurrentAgent, session: SessionDep
) -> CustomerRead:
    customer = await service.create_customer(
        session,
        name=body.name,
        emails=body.emails,
        phones=body.phones,
        attributes=body.attributes,
        notes=body.notes,
        created_by=user,
        verified=True,
    )
    return (await customer_reads(session, [customer]))[0]


@router.get("/{customer_id}", response_model=CustomerRead)
async def get_customer(customer: LoadedCustomer, session: SessionDep) -> CustomerRead:
    return (await customer_reads(session, [customer]))[0]


@router.patch("/{customer_id}", response_model=CustomerRead)
async def update_customer(
    body: CustomerUpdate, customer: LoadedCustomer, user: CurrentAgent, session: SessionDep
) -> CustomerRead:
    given = body.model_dump(exclude_unset=True)
    if "organisation_id" in given:
        await organisations_service.set_customer_organisation(
            session, customer=customer, organisation_id=given.pop("organisation_id")
        )
    await service.update_customer(session, customer=customer, shown_to=user, **given)
    return (await customer_reads(session, [customer]))[0]


@router.post("/{customer_id}/merge", response_model=CustomerRead)
async def merge_customer(
    body: CustomerMerge, customer: LoadedCustomer, user: CurrentAgent, session: SessionDep
) -> CustomerRead:
    source = await service.get_customer(session, user=user, customer_id=body.source_id)
    await service.merge_customers(session, target=customer, source=source)
    return (await customer_reads(session, [customer]))[0]
