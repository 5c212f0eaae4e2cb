"""What names a custom status besides tickets: macros and rules that set it (switched off or
not). Archived or deleted under them, each would refuse every ticket; so both are refused while
one does, as a label's deletion and a custom field's archiving are. Deleting is refused too
while a ticket has it: archiving is the way to retire a status in use."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Conflict
from frontdesk.macros import service as macros_service
from frontdesk.rules import service as rules_service
from frontdesk.statuses.models import TicketStatus
from frontdesk.tickets.models import Ticket


async def ensure_not_set_by_automation(
    session: AsyncSession, *, status: TicketStatus, doing: str
) -> None:
    users: list[str] = []
    rules = await rules_service.rules_setting_status(session, status_id=status.id)
    for rule in rules:
        users.append(f"the rule “{rule.name}”" + ("" if rule.enabled else " (switched off)"))
    macros = await macros_service.macros_setting_status(session, status_id=status.id)
    users += [await macros_service.described(session, macro) for macro in macros]
    places = ["Settings → Rules"] * bool(rules) + ["Macros"] * bool(macros)
    if users:
        raise Conflict(
            f"The status “{status.name}” cannot be {doing}: {', '.join(users)} "
            f"{'sets' if len(users) == 1 else 'set'} it. Change "
            f"{'it' if len(users) == 1 else 'them'} first ({', '.join(places)}).",
            code="status_in_use",
        )


async def ensure_unused(session: AsyncSession, *, status: TicketStatus) -> None:
    await ensure_not_set_by_automation(session, status=status, doing="deleted")
    # The partial index on tickets.status_id answers this from the few tickets with a status.
    n = await session.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.status_id == status.id)
    )
    if n:
        raise Conflict(
            f"The status “{status.name}” cannot be deleted: {n} "
            f"{'ticket has' if n == 1 else 'tickets have'} it. Archive it instead: it is then "
            "no longer offered, and those tickets keep it.",
            code="status_in_use",
        )
