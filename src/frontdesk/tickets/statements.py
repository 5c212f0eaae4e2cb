"""Pre-built statements of the inbound-mail hot path: tickets and entries read for a batch of
replies, an entry appended to a thread.

Building a statement and running it through the ORM's unit of work cost more than SQLite takes
to execute it; these are made once, with bound parameters, and reused from SQLAlchemy's compiled
cache. No rules here: tickets/service.py decides.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, insert, select, update

from frontdesk.tickets.models import Ticket, TicketEntry

TICKETS = cast(Table, Ticket.__table__)
ENTRIES = cast(Table, TicketEntry.__table__)

ENTRIES_BY_MESSAGE_ID = (
    select(
        ENTRIES.c.message_id,
        ENTRIES.c.id,
        ENTRIES.c.ticket_id,
        ENTRIES.c.kind,
        ENTRIES.c.direction,
    )
    .where(ENTRIES.c.message_id.in_(bindparam("p_ids", expanding=True)))
    .order_by(ENTRIES.c.id)
)

TICKETS_BY_ID = select(Ticket).where(Ticket.id.in_(bindparam("p_ids", expanding=True)))

INSERT_ENTRY = insert(ENTRIES).returning(ENTRIES.c.id)

TOUCH_TICKET = (
    update(TICKETS)
    .where(TICKETS.c.id == bindparam("p_ticket"))
    .values(updated_at=bindparam("p_at"))
)

SET_ENTRY_DATA = (
    update(ENTRIES).where(ENTRIES.c.id == bindparam("p_entry")).values(data=bindparam("p_data"))
)
