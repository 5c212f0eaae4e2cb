"""Reusable reads of organisations, for the customers domain (which joins a new customer to the
organisation of their address's domain, and shows a customer's organisation) and this one.
Any agent may see every organisation: only the customers and tickets counted and listed under
one are limited to those the agent may see (service.py)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.customers.models import Customer
from frontdesk.organisations.models import Organisation, OrganisationDomain


def domain_of(address: str) -> str | None:
    """The domain of a stored (normalised) email address."""
    _, at, domain = address.rpartition("@")
    return domain if at and domain else None


async def organisation_of_addresses(
    session: AsyncSession, *, addresses: Sequence[str]
) -> int | None:
    """The organisation of the first of these stored addresses whose domain is one's."""
    found = await organisations_by_domain(session, addresses=addresses)
    return next((found[address] for address in addresses if address in found), None)


async def organisations_by_domain(
    session: AsyncSession, *, addresses: Collection[str]
) -> dict[str, int]:
    """For a batch of new customers (one statement): the organisation of each of these stored
    addresses whose domain is one's, by address."""
    domains = {address: domain_of(address) for address in addresses}
    wanted = {domain for domain in domains.values() if domain}
    if not wanted:
        return {}
    rows = await session.execute(
        select(OrganisationDomain.domain, OrganisationDomain.organisation_id).where(
            OrganisationDomain.domain.in_(wanted)
        )
    )
    owners = dict(rows.all())
    return {
        address: owners[domain]
        for address, domain in domains.items()
        if domain is not None and domain in owners
    }


async def names_by_id(session: AsyncSession, *, ids: Collection[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(set(ids)))
    )
    return dict(rows.all())


async def exists(session: AsyncSession, *, organisation_id: int) -> bool:
    found = await session.scalar(select(Organisation.id).where(Organisation.id == organisation_id))
    return found is not None


def members(organisation_id: int) -> Select[int]:
    """The ids of the organisation's customers, for `IN (…)`: read from the partial
    `ix_customers_organisation` (`organisation_id = :id` implies the index's `IS NOT NULL` on both
    stores). A customer merged away has no ticket left (they moved to the survivor), so a
    ticket's customer here is always its current one."""
    return select(Customer.id).where(Customer.organisation_id == organisation_id)
