"""What happened to a ticket that automation rules may answer: created, a customer's message,
labels added, a state change. The ticket service records one `Trigger` where each happens; the
rules engine (rules/engine.py) reads them before the transaction commits.

A trigger rides the session's after-commit list as a hook that does nothing, so that a
savepoint rolled back (a refused bulk action, a refused rule) drops the triggers it recorded
with it (`db/session.drop_hooks_since`), and a rolled-back transaction loses them all, exactly
like the events it would have published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.session import after_commit

# How deep the rule run is whose actions caused this trigger; 0 for a person or the system.
DEPTH_KEY = "rule_depth"


class TriggerKind(StrEnum):
    created = "created"
    customer_replied = "customer_replied"
    label_added = "label_added"
    state_changed = "state_changed"


@dataclass(eq=False)
class Trigger:
    kind: TriggerKind
    ticket_id: int
    depth: int
    label_ids: tuple[int, ...] = ()
    state: str | None = None
    # The customer's message, for "text contains".
    text: str = ""
    # `created`: an agent filed the ticket (or split it off), rather than the customer opening it.
    by_agent: bool = False
    handled: bool = field(default=False)

    async def __call__(self) -> None:
        """After commit there is nothing left to do: the rules ran before it."""


def record_trigger(
    session: AsyncSession,
    kind: TriggerKind,
    *,
    ticket_id: int,
    label_ids: tuple[int, ...] = (),
    state: str | None = None,
    text: str = "",
    by_agent: bool = False,
) -> None:
    depth = int(session.info.get(DEPTH_KEY, 0))
    trigger = Trigger(
        kind, ticket_id, depth, label_ids=label_ids, state=state, text=text, by_agent=by_agent
    )
    after_commit(session, trigger)


def pending_triggers(session: AsyncSession) -> list[Trigger]:
    hooks = session.info.get("after_commit", [])
    return [hook for hook in hooks if isinstance(hook, Trigger) and not hook.handled]
