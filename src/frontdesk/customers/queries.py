"""Which customers a user may see: admins all; agents those with a ticket in one of their
inboxes, or whom they created themselves. And a customer's email addresses in one query."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Select, Table, and_, bindparam, exists, or_, select

from frontdesk.customers.models import ContactKind, Customer, CustomerContact
from frontdesk.inboxes.queries import visible_inbox_ids
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User


def visible_customers(user: User) -> Select[Customer]:
    query = select(Customer).where(Customer.merged_into_id.is_(None))
    if user.is_admin:
        return query
    has_ticket = exists().where(
        Ticket.customer_id == Customer.id, Ticket.inbox_id.in_(visible_inbox_ids(user))
    )
    return query.where(or_(has_ticket, Customer.created_by_id == user.id))


_CUSTOMERS = cast(Table, Customer.__table__)
_CONTACTS = cast(Table, CustomerContact.__table__)

# One row per customer and email address (one row with a NULL address for a customer without
# any), each saying whom the customer was merged into. Built once: the inbound-mail path runs it
# for every batch of replies.
CUSTOMER_EMAILS = (
    select(_CUSTOMERS.c.id, _CUSTOMERS.c.merged_into_id, _CONTACTS.c.value)
    .select_from(
        _CUSTOMERS.outerjoin(
            _CONTACTS,
            and_(
                _CONTACTS.c.customer_id == _CUSTOMERS.c.id,
                _CONTACTS.c.kind == ContactKind.email,
            ),
        )
    )
    .where(_CUSTOMERS.c.id.in_(bindparam("p_customers", expanding=True)))
)
