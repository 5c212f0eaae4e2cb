"""Which customers a user may see, and a customer's email addresses in one query.

Owners and admins see every customer. An agent sees the customers of the tickets in their inboxes
(a chat, an email, a contact-form message, or a ticket filed by someone who could see the
customer) and the customers they created themselves. A ticket an agent files on the address of a
customer they cannot see does not count (`Ticket.shows_customer`): typing an address must not open
someone else's record.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, and_, bindparam, literal, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.sql.selectable import ScalarSelect

from frontdesk.customers.models import ContactKind, Customer, CustomerContact
from frontdesk.inboxes.queries import visible_inbox_ids
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User


def visible_customers(user: User) -> Select[Customer]:
    return select(Customer).where(Customer.merged_into_id.is_(None), visible_to(user))


def visible_to(user: User) -> ColumnElement[bool]:
    """For a query of customers: the customer is one `user` may see."""
    if user.is_admin:
        return true()
    shown = _shown_by_a_ticket(Customer.id, user, ticket=Ticket)
    return or_(shown.is_not(None), Customer.created_by_id == user.id)


def _shown_by_a_ticket(
    customer_id: InstrumentedAttribute[int], user: User, *, ticket: type[Ticket]
) -> ScalarSelect[Any]:
    """1 when a ticket of the customer `customer_id` names (the outer query's) is in one of the
    agent's inboxes and shows them, else NULL. A ticket of the customer's, looked up by the
    customer's tickets' index for each row the query reaches. Not EXISTS: PostgreSQL answers an
    EXISTS under OR with a hash of every ticket of the agent's inboxes, built before the first
    row (120 ms at 200,000 tickets for a page of 25 customers, docs/performance.md); a scalar
    subquery is probed row by row, as SQLite does either way. `ticket`: the tickets' table, or
    an alias of it in a query of tickets."""
    return (
        select(literal(1))
        .where(
            ticket.customer_id == customer_id,
            ticket.inbox_id.in_(visible_inbox_ids(user)),
            ticket.shows_customer.is_(True),
        )
        .limit(1)
        .scalar_subquery()
    )


def ticket_customer_visible(user: User) -> ColumnElement[bool]:
    """For a query of tickets `user` sees: the ticket's customer is one `user` may see (as
    `visible_to` says). Where a ticket stands for its customer (listed under their organisation,
    counted there), a ticket filed on the address of a customer the agent cannot see must not
    tell the agent where that customer belongs.

    A ticket that shows its customer, in one of the agent's inboxes, is such a ticket by itself:
    the other two tests (its customer shown by another ticket there, or created by the agent)
    are probed, by the customer's tickets' index and the customers' key, only for the rare ticket
    that does not, OR's terms being evaluated in order on both stores."""
    if user.is_admin:
        return true()
    elsewhere = _shown_by_a_ticket(Ticket.customer_id, user, ticket=aliased(Ticket)).correlate(
        Ticket
    )
    created = (
        select(literal(1))
        .where(Customer.id == Ticket.customer_id, Customer.created_by_id == user.id)
        .correlate(Ticket)
        .scalar_subquery()
    )
    return or_(Ticket.shows_customer.is_(True), elsewhere.is_not(None), created.is_not(None))


_CUSTOMERS = cast(Table, Customer.__table__)
_CONTACTS = cast(Table, CustomerContact.__table__)

# One row per customer and email address (one row with a NULL address for a customer without
# any), each saying whom the customer was merged into and whether they are verified. Built once:
# the inbound-mail path runs it for every batch of replies.
CUSTOMER_EMAILS = (
    select(_CUSTOMERS.c.id, _CUSTOMERS.c.merged_into_id, _CUSTOMERS.c.verified, _CONTACTS.c.value)
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
