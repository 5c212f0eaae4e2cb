"""The desk the random-history tests of the reports' tables write their moments into: two
inboxes, four agents, one customer and tickets alternating between the inboxes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.customers import service as customers_service
from frontdesk.inboxes import service as inboxes_service
from frontdesk.tickets.models import Ticket, TicketType
from frontdesk.users import service as users_service


@dataclass(frozen=True)
class RandomDesk:
    inboxes: list[int]
    agents: list[int]
    tickets: list[int]


async def random_desk(
    session: AsyncSession, *, domain: str, tickets: int, first_number: int
) -> RandomDesk:
    """`domain` keeps each test's addresses apart; ticket numbers start at `first_number`."""
    inboxes = [
        (await inboxes_service.create_inbox(session, name=f"Inbox {n}")).id for n in range(2)
    ]
    agents = [
        (
            await users_service.create_user(
                session, email=f"agent{n}@{domain}", name=f"Agent {n}", password=None
            )
        ).id
        for n in range(4)
    ]
    customer = await customers_service.find_or_create(
        session, email=f"cora@{domain}", name="Cora", verified=True
    )
    made = []
    for n in range(tickets):
        ticket = Ticket(
            number=first_number + n,
            inbox_id=inboxes[n % 2],
            customer_id=customer.id,
            subject=f"Ticket {n}",
            type=TicketType.email,
        )
        session.add(ticket)
        await session.flush()
        made.append(ticket.id)
    return RandomDesk(inboxes, agents, made)
