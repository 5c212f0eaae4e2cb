"""Pre-built Core statements of the inbound hot path. The record of what arrived is written once
its outcome is known, with one INSERT and no unit-of-work flush. No rules here: mail/receiving.py
decides."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, insert

from frontdesk.mail.models import InboundMessage

INBOUND = cast(Table, InboundMessage.__table__)

INSERT_INBOUND = insert(INBOUND).returning(INBOUND.c.id)
