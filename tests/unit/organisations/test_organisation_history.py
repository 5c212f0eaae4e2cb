"""Joining the customers of a domain just added costs the same a transaction however many
addresses the desk holds: each transaction reads one range of contact ids by the primary key,
never every address by the (kind, value) key, which SQLite's planner, without statistics, takes
for narrow (docs/architecture.md, "Reads that stay small as the desk grows")."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import insert

from frontdesk.customers.models import ContactKind, Customer, CustomerContact
from frontdesk.db.session import unit_of_work
from frontdesk.organisations import service
from frontdesk.users.models import Role, User
from tests.conftest import SQLITE_ITSELF
from tests.unit.support import sqlite_steps

pytestmark = SQLITE_ITSELF


async def add_customers(app: FastAPI, *, start: int, count: int, domain: str) -> None:
    async with unit_of_work(app.state.sessionmaker) as session:
        ids = (
            await session.scalars(
                insert(Customer).returning(Customer.id),
                [
                    {"name": f"C{n}", "attributes": {}, "notes": "", "verified": True}
                    for n in range(start, start + count)
                ],
            )
        ).all()
        await session.execute(
            insert(CustomerContact),
            [
                {"customer_id": ident, "kind": ContactKind.email, "value": f"c{ident}@{domain}"}
                for ident in ids
            ],
        )


async def one_range(app: FastAPI, *, name: str, domain: str) -> int:
    """The steps of one transaction of the loop for a domain just added to a new organisation."""
    admin = User(id=0, email="a@staff.test", name="A", role=Role.admin)
    async with unit_of_work(app.state.sessionmaker) as session:
        await service.create_organisation(session, user=admin, name=name)
    async with unit_of_work(app.state.sessionmaker) as session:
        organisation = (
            await service.list_organisations(session, user=admin, query=name, cursor=None, limit=1)
        ).items[0]
        await service.update_organisation(
            session, user=admin, organisation=organisation.organisation, domains=[domain]
        )
    async with sqlite_steps(app) as steps, unit_of_work(app.state.sessionmaker) as session:
        _, more = await service.join_pending(session)
    assert more
    return steps[0]


async def test_a_range_costs_the_same_with_many_more_addresses(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "WINDOW", 20)
    await add_customers(app, start=0, count=200, domain="first.example")
    few = await one_range(app, name="First", domain="first.example")
    await add_customers(app, start=200, count=4000, domain="second.example")
    many = await one_range(app, name="Second", domain="second.example")
    assert many <= few * 1.2 + 5, (few, many)
