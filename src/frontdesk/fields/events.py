"""The realtime events of custom fields (docs/realtime.md), published after the commit as every
event is.

- `field.changed`: an admin created, edited, reordered or deleted a definition; every agent's
  desk reads the definitions again (the event names the change, not the definitions: they are
  the same for everyone, and a burst of changes costs each desk one read).
- `customer.updated`: a customer's field values changed; the desks of the inboxes of the
  customer's tickets and the customer's creator hear it and read the customer again, through the
  route that checks who may see them (the values are not in the event, which reaches whole
  inboxes), as ticket values reach the desks by `ticket.updated`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.customers.models import Customer
from frontdesk.fields.models import FieldObject
from frontdesk.realtime.catalogue import (
    CustomerUpdated,
    FieldChanged,
    FieldChangeName,
    FieldEvent,
    UserRef,
)
from frontdesk.realtime.envelope import ALL_AGENTS, agent_topic, inbox_topic
from frontdesk.realtime.publisher import record
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User


def record_changed(
    session: AsyncSession,
    *,
    object: FieldObject,
    change: FieldChangeName,
    field_id: int | None,
    by: User,
) -> None:
    record(
        session,
        type=FieldEvent.changed,
        topics=[ALL_AGENTS],
        data=FieldChanged(
            object="ticket" if object is FieldObject.ticket else "customer",
            change=change,
            field_id=field_id,
            by=UserRef(id=by.id, name=by.name),
        ),
    )


async def record_customer_updated(session: AsyncSession, *, customer: Customer) -> None:
    """Who may show the customer (customers/queries.py `visible_to`): the inboxes of the tickets
    that show them (admins hear every inbox) and the agent who created them."""
    inbox_ids = (
        await session.scalars(
            select(Ticket.inbox_id)
            .where(Ticket.customer_id == customer.id, Ticket.shows_customer.is_(True))
            .distinct()
        )
    ).all()
    topics = [inbox_topic(inbox_id) for inbox_id in sorted(inbox_ids)]
    if customer.created_by_id is not None:
        topics.append(agent_topic(customer.created_by_id))
    if not topics:
        return
    record(
        session,
        type=FieldEvent.customer_updated,
        topics=topics,
        data=CustomerUpdated(customer_id=customer.id, changes=["fields"]),
    )
