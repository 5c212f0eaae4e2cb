"""Builds the read shape of customers (shared by the routers that show one)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.customers import service
from frontdesk.customers.models import ContactKind, Customer
from frontdesk.customers.schemas import CustomerRead
from frontdesk.fields import values as field_values
from frontdesk.fields.models import FieldObject
from frontdesk.organisations import queries as organisation_queries
from frontdesk.organisations.schemas import OrganisationRef


async def customer_reads(
    session: AsyncSession, customers: Sequence[Customer]
) -> list[CustomerRead]:
    contacts = await service.list_contacts(session, customer_ids=[c.id for c in customers])
    fields = await field_values.values_of(
        session, object=FieldObject.customer, ids=[c.id for c in customers]
    )
    organisations = await organisation_queries.names_by_id(
        session, ids={c.organisation_id for c in customers if c.organisation_id is not None}
    )
    return [
        CustomerRead(
            id=customer.id,
            name=customer.name,
            emails=[c.value for c in contacts[customer.id] if c.kind is ContactKind.email],
            phones=[c.value for c in contacts[customer.id] if c.kind is ContactKind.phone],
            attributes=customer.attributes,
            notes=customer.notes,
            fields=fields[customer.id],
            verified=customer.verified,
            organisation=OrganisationRef(
                id=customer.organisation_id, name=organisations[customer.organisation_id]
            )
            if customer.organisation_id in organisations
            else None,
            created_at=customer.created_at,
            updated_at=customer.updated_at,
        )
        for customer in customers
    ]
