"""Pre-built Core statements of the inbound hot path. The record of what arrived is written once
its outcome is known, with one INSERT and no unit-of-work flush. No rules here: mail/receiving.py
decides."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, insert, select

from frontdesk.mail.models import InboundMessage, InboundStatus, OutboxMessage
from frontdesk.tickets.models import TicketEntry

INBOUND = cast(Table, InboundMessage.__table__)

INSERT_INBOUND = insert(INBOUND).returning(INBOUND.c.id)
OUTBOX = cast(Table, OutboxMessage.__table__)
ENTRIES = cast(Table, TicketEntry.__table__)

# The text of our mails that a batch's messages answer, by Message-ID: as sent, and as its author
# wrote it (the entry's, without the inbox's signature that the mail ends with).
SENT_TEXTS = (
    select(OUTBOX.c.message_id, OUTBOX.c.text, ENTRIES.c.text.label("written"))
    .select_from(OUTBOX.outerjoin(ENTRIES, ENTRIES.c.id == OUTBOX.c.entry_id))
    .where(OUTBOX.c.message_id.in_(bindparam("p_ids", expanding=True)))
)

# Earlier deliveries of the same bytes (a message without a Message-ID) that reached a ticket.
REPEATS = (
    select(INBOUND.c.envelope_to, INBOUND.c.ticket_id, INBOUND.c.entry_id)
    .where(
        INBOUND.c.raw_digest == bindparam("p_digest"),
        INBOUND.c.received_at >= bindparam("p_since"),
        INBOUND.c.status == InboundStatus.processed,
        INBOUND.c.entry_id.is_not(None),
    )
    .order_by(INBOUND.c.id)
)
