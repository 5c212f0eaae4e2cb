"""The SLA shapes the tickets router shows, beside it so that no router imports another."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.kit.clock import utcnow
from frontdesk.sla import service
from frontdesk.sla.schemas import SlaTargetRead, TicketSlaRead
from frontdesk.tickets.models import Ticket


def breaching_before() -> datetime:
    return utcnow() + service.BREACHING_SOON


async def sla_read(session: AsyncSession, *, ticket: Ticket) -> TicketSlaRead | None:
    policy_id, name, targets = await service.ticket_targets(session, ticket=ticket)
    if policy_id is None and not targets:
        return None
    return TicketSlaRead(
        policy_id=policy_id,
        policy_name=name,
        targets=[
            SlaTargetRead(target=t.target, due_at=t.due_at, breached=t.breached) for t in targets
        ],
    )
