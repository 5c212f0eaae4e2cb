"""What names a label besides tickets and chats, which is why it may not be deleted: an SLA
policy (sla/service.py says so itself), a rule (when it is added, has or has not it, adds or
removes it: switched off or not) and a macro (adds or removes it, whoever's). Deleted from
under a rule or macro, the label broke it without a word: `has not` held for every ticket, and
the macro refused every ticket with "No such label"."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Conflict
from frontdesk.labels.models import Label
from frontdesk.macros import service as macros_service
from frontdesk.rules import service as rules_service
from frontdesk.sla import service as sla_service


async def ensure_unused(session: AsyncSession, *, label: Label) -> None:
    await sla_service.ensure_label_unused(session, label=label)
    users: list[str] = []
    rules = await rules_service.rules_naming_label(session, label_id=label.id)
    for rule in rules:
        users.append(f"the rule “{rule.name}”" + ("" if rule.enabled else " (switched off)"))
    macros = await macros_service.macros_naming_label(session, label_id=label.id)
    users += [await macros_service.described(session, macro) for macro in macros]
    places = ["Settings → Rules"] * bool(rules) + ["Macros"] * bool(macros)
    if users:
        raise Conflict(
            f"The label “{label.name}” is used by {', '.join(users)}: change "
            f"{'it' if len(users) == 1 else 'them'} first ({', '.join(places)}).",
            code="label_in_use",
        )
