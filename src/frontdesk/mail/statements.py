"""Pre-built Core statements of the inbound hot path. The record of what arrived is written once
its outcome is known, with one INSERT and no unit-of-work flush. No rules here: mail/receiving.py
decides."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, insert, select

from frontdesk.mail.models import InboundMessage, OutboxMessage

INBOUND = cast(Table, InboundMessage.__table__)

INSERT_INBOUND = insert(INBOUND).returning(INBOUND.c.id)
OUTBOX = cast(Table, OutboxMessage.__table__)

# The text of our mails that a batch's messages answer, by Message-ID.
SENT_TEXTS = select(OUTBOX.c.message_id, OUTBOX.c.text).where(
    OUTBOX.c.message_id.in_(bindparam("p_ids", expanding=True))
)
