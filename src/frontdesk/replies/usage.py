"""Who sends a saved reply besides the agents who insert it (rules and macros), and what that
allows (docs/routing.md, "Saved replies that rules and macros send").

- A rule runs as the system, for every inbox, and nobody reads its reply over: the text of a
  team saved reply a rule sends is the rule's text. Only admins and owners, who manage rules,
  may change it (an agent is refused with a 403 naming the rule), and only into what a rule may
  say (no agent variable without a fallback). Its name is free: nobody receives it.
- A saved reply that a rule or a macro sends is not deleted from under it (409 naming them,
  whoever's macro it is): the rule or macro would refuse every run.

Macros need no more: a team macro and its inbox's team replies are edited by the same people.
Every change to a saved reply is in the audit log (audit/audited.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Conflict, Forbidden, Invalid
from frontdesk.macros import service as macros_service
from frontdesk.replies.models import SavedReply
from frontdesk.replies.variables import refusal
from frontdesk.rules import service as rules_service
from frontdesk.rules.models import Rule
from frontdesk.users.models import User


def _rules(rules: Sequence[Rule]) -> str:
    names = ", ".join(f"“{rule.name}”" for rule in rules)
    return f"the rule{'s' if len(rules) > 1 else ''} {names}"


async def ensure_text_change_allowed(
    session: AsyncSession, *, user: User, reply: SavedReply, text: str
) -> None:
    """A new text for a team reply that rules send: by an admin or owner, saying only what a
    rule can fill."""
    if reply.inbox_id is None or text == reply.text:
        return
    rules = await rules_service.rules_sending_reply(session, reply_id=reply.id)
    if not rules:
        return
    if not user.is_admin:
        raise Forbidden(
            f"Only an admin can change this saved reply's text: {_rules(rules)} "
            "email it to customers. Ask an admin, or make a copy of it to change.",
            code="sent_by_rule",
        )
    refused = refusal(text, unavailable=rules_service.AGENT_VARIABLES)
    if refused:
        said = f"{_rules(rules)} {'sends' if len(rules) == 1 else 'send'} this reply. {refused}"
        raise Invalid("text", said[0].upper() + said[1:])


async def ensure_unused(session: AsyncSession, *, reply: SavedReply) -> None:
    """Not deleted while a rule or a macro sends it: each would refuse every ticket after."""
    rules = await rules_service.rules_sending_reply(session, reply_id=reply.id)
    macros = await macros_service.macros_sending_reply(session, reply_id=reply.id)
    if not rules and not macros:
        return
    users = [_rules(rules)] if rules else []
    users += [await macros_service.described(session, macro) for macro in macros]
    raise Conflict(
        f"This saved reply is sent by {', '.join(users)}: change "
        f"{'it' if len(users) == 1 else 'them'} to send another reply first.",
        code="saved_reply_in_use",
    )
