"""Which customers a user may see: admins all; agents those with a ticket in one of their
inboxes, or whom they created themselves."""

from __future__ import annotations

from sqlalchemy import Select, exists, or_, select

from frontdesk.customers.models import Customer
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
