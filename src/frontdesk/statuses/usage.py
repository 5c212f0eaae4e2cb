"""What names a custom status besides tickets: macros and rules that set it, rules that test it
(a condition "status is / is not") and rules that wait on it (when "In a status for… N hours"),
switched off or not. Archived or deleted under them, a
macro or rule setting it would refuse every ticket, and a condition on it would never hold again
("is") or hold for every ticket ("is not"); so both are refused while one does, as a label's
deletion and a custom field's archiving are. Deleting is refused too while a ticket has it:
archiving is the way to retire a status in use."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Conflict
from frontdesk.macros import service as macros_service
from frontdesk.rules import service as rules_service
from frontdesk.rules.models import Rule
from frontdesk.statuses.models import TicketStatus
from frontdesk.tickets.models import Ticket


def _rule_named(rule: Rule) -> str:
    return f"the rule “{rule.name}”" + ("" if rule.enabled else " (switched off)")


def _who(names: list[str], verb: str) -> str:
    return f"{', '.join(names)} {verb if len(names) == 1 else verb.removesuffix('s')} it"


async def ensure_not_named_by_automation(
    session: AsyncSession, *, status: TicketStatus, doing: str
) -> None:
    """Refused (409 `status_in_use`) while a rule or macro sets the status or a rule tests it
    or waits on it, the message naming each ("… the rule “A” sets it; the rule “B” tests it;
    the rule “C” waits on it.")."""
    setting = await rules_service.rules_setting_status(session, status_id=status.id)
    setters = [_rule_named(rule) for rule in setting]
    macros = await macros_service.macros_setting_status(session, status_id=status.id)
    setters += [await macros_service.described(session, macro) for macro in macros]
    testing = await rules_service.rules_testing_status(session, status_id=status.id)
    testers = [_rule_named(rule) for rule in testing]
    waiting = await rules_service.rules_waiting_on_status(session, status_id=status.id)
    waiters = [_rule_named(rule) for rule in waiting]
    if not setters and not testers and not waiters:
        return
    said = (
        [_who(setters, "sets")] * bool(setters)
        + [_who(testers, "tests")] * bool(testers)
        + [_who(waiters, "waits on")] * bool(waiters)
    )
    places = ["Settings → Rules"] * bool(setting or testing or waiting) + ["Macros"] * bool(macros)
    many = len({rule.id for rule in [*setting, *testing, *waiting]}) + len(macros) > 1
    raise Conflict(
        f"The status “{status.name}” cannot be {doing}: {'; '.join(said)}. Change "
        f"{'them' if many else 'it'} first ({', '.join(places)}).",
        code="status_in_use",
    )


async def ensure_unused(session: AsyncSession, *, status: TicketStatus) -> None:
    await ensure_not_named_by_automation(session, status=status, doing="deleted")
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
