"""Reusable reads of organisations, for the customers domain (which joins a new customer to the
organisation of their address's domain, and shows a customer's organisation) and this one.
Any agent may see every organisation: only the customers and tickets counted and listed under
one are limited to those the agent may see (service.py)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.customers.models import Customer
from frontdesk.organisations.models import Organisation, OrganisationDomain
from frontdesk.tickets.models import Ticket

# From how many tickets of its customers an organisation's ticket list is read in the list's
# order (`walks`). Reading the members' tickets and sorting them costs ~4 µs a ticket on SQLite
# (a row read each); walking the list's index ~0.7 µs a ticket passed, about limit x all /
# theirs of them: the two meet near sqrt(5 x limit x all tickets), ~1,000 at 200,000 tickets
# and pages of 25 (docs/performance.md, "A large organisation's tickets").
WALK_FROM = 1_000


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


def member_of(organisation_id: int, *, walk: bool = False) -> ColumnElement[bool]:
    """The ticket's customer is one of the organisation's. `walk`: tested ticket by ticket as
    the list is read in its own order (`customer_id + 0` is no column an index can serve), for
    an organisation with many tickets; else the members' tickets are read from the customer's
    tickets' index, and sorted, which is cheapest for a small one."""
    customer = Ticket.customer_id + 0 if walk else Ticket.customer_id
    return customer.in_(members(organisation_id))


@dataclass(frozen=True)
class Walk:
    """A large organisation's page read in the list's order, each ticket's customer tested in
    turn (`member_of(walk=True)`). `inboxes`: an agent's inboxes tested in turn too
    (tickets/queries.visible_tickets `walk`), on SQLite, whose planner would otherwise read
    every ticket of them and sort; PostgreSQL joins the agent's few inbox memberships to the
    walk by itself, and did worse with the test per ticket (30 ms instead of 4)."""

    inboxes: bool


async def walks(session: AsyncSession, *, organisation_id: int) -> Walk | None:
    """How a page of the organisation's tickets is read: walked (`Walk`) when its customers
    have at least `WALK_FROM` tickets, counted from the customer's tickets' index alone and no
    further; else None, their tickets read by that index and sorted. Neither store's planner
    can tell by itself: SQLite keeps no statistics (the app never runs ANALYZE), and
    PostgreSQL, after a statement's fifth run on a connection, may keep a generic plan made for
    an organisation of average size (the sort), 45-55 ms a page of the large one."""
    some = (
        select(Ticket.id)
        .where(Ticket.customer_id.in_(members(organisation_id)))
        .limit(WALK_FROM)
        .subquery()
    )
    found = await session.scalar(select(func.count()).select_from(some))
    if (found or 0) < WALK_FROM:
        return None
    return Walk(inboxes=session.get_bind().dialect.name == "sqlite")
