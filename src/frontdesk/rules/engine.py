"""Running rules: on what just happened to tickets (the triggers the ticket service recorded),
inside the same transaction just before it commits; and the runs' record and timeline lines.

Why before commit, in the same transaction: the change and the rule's answer to it are one
unit. A crash loses both or neither (a trigger is never lost, a rule never runs on a change that
was rolled back), and a trigger is handled once by the transaction that recorded it (never
twice). The price is that a slow rule slows the request that set it off; rules only change rows.

Loops: a rule's actions record triggers of their own, which rules answer in turn, one level
deeper. At MAX_DEPTH the chain stops: a rule that would run is recorded as `stopped` and the
ticket's timeline says so, so two rules undoing each other ping-pong a few times, not forever.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.actions import service as actions_service
from frontdesk.db.session import drop_hooks_since, hooks_mark
from frontdesk.errors import FrontdeskError
from frontdesk.kit.clock import utcnow
from frontdesk.rules import conditions as rule_conditions
from frontdesk.rules.kinds import (
    STORED_ACTIONS,
    STORED_CONDITIONS,
    STORED_WHEN,
    InState,
    NoReply,
    OnCreated,
    OnCustomerReply,
    OnLabelAdded,
    OnStateChanged,
    When,
)
from frontdesk.rules.models import Rule, RuleRun
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Ticket
from frontdesk.tickets.triggers import DEPTH_KEY, Trigger, TriggerKind, pending_triggers

logger = logging.getLogger(__name__)

MAX_DEPTH = 3


def when_of(rule: Rule) -> When:
    return STORED_WHEN.validate_python(rule.when)


def answers(when: When, trigger: Trigger) -> bool:
    match when:
        case OnCreated():
            return trigger.kind is TriggerKind.created
        case OnCustomerReply():
            return trigger.kind is TriggerKind.customer_replied
        case OnLabelAdded():
            return trigger.kind is TriggerKind.label_added and (
                when.label_id is None or when.label_id in trigger.label_ids
            )
        case OnStateChanged():
            return trigger.kind is TriggerKind.state_changed and (
                when.state is None or when.state == trigger.state
            )
        case _:
            return False


async def _event_rules(session: AsyncSession) -> list[tuple[Rule, When]]:
    rules = await session.scalars(
        select(Rule).where(Rule.enabled.is_(True)).order_by(Rule.position, Rule.id)
    )
    found = [(rule, when_of(rule)) for rule in rules]
    return [(rule, when) for rule, when in found if not isinstance(when, NoReply | InState)]


def _key(trigger: Trigger) -> tuple[object, ...]:
    return (trigger.kind, trigger.ticket_id, trigger.state, trigger.label_ids)


async def run_triggered(session: AsyncSession) -> None:
    """Answers every trigger recorded in this transaction, then those the answers recorded, until
    none is left; registered to run before each commit (app.py)."""
    rules: list[tuple[Rule, When]] | None = None
    while pending := pending_triggers(session):
        for trigger in pending:
            trigger.handled = True
        if rules is None:
            rules = await _event_rules(session)
        if not rules:
            continue
        # A new ticket's first message is part of its creation, not a reply.
        created = {t.ticket_id for t in pending if t.kind is TriggerKind.created}
        seen: set[tuple[object, ...]] = set()
        for trigger in pending:
            if trigger.kind is TriggerKind.customer_replied and trigger.ticket_id in created:
                continue
            if _key(trigger) in seen:
                continue
            seen.add(_key(trigger))
            for rule, when in rules:
                if answers(when, trigger):
                    await _run_on_event(session, rule=rule, trigger=trigger)


async def _run_on_event(session: AsyncSession, *, rule: Rule, trigger: Trigger) -> None:
    ticket = await tickets_service.lock_ticket(session, ticket_id=trigger.ticket_id)
    if ticket is None or ticket.merged_into_id is not None:
        return
    message = trigger.text
    if not message:
        firsts = await rule_conditions.first_messages(session, ticket_ids=[ticket.id])
        message = firsts.get(ticket.id, "")
    if not await matches(session, rule=rule, ticket=ticket, message=message):
        return
    if trigger.depth >= MAX_DEPTH:
        logger.warning("rule %s stopped on ticket %s: loop bound", rule.id, ticket.id)
        await tickets_service.log_event(
            session,
            ticket=ticket,
            actor=None,
            text=f"The rule “{rule.name}” was not run: rules set each other off "
            f"{MAX_DEPTH} times in a row",
            rule_id=rule.id,
            rule_name=rule.name,
        )
        record_run(session, rule=rule, ticket=ticket, outcome="stopped")
        return
    await apply_rule(session, rule=rule, ticket=ticket, depth=trigger.depth + 1)


async def matches(session: AsyncSession, *, rule: Rule, ticket: Ticket, message: str) -> bool:
    conditions = STORED_CONDITIONS.validate_python(rule.conditions)
    if not conditions:
        return True
    facts = await rule_conditions.facts_of(
        session, tickets=[ticket], messages={ticket.id: message}, now=utcnow()
    )
    return rule_conditions.meets(conditions, rule.match, facts[ticket.id])


def record_run(
    session: AsyncSession,
    *,
    rule: Rule,
    ticket: Ticket,
    outcome: str,
    applied: Sequence[str] = (),
    error: str | None = None,
    episode: str | None = None,
) -> RuleRun:
    run = RuleRun(
        rule_id=rule.id,
        ticket_id=ticket.id,
        episode=episode,
        outcome=outcome,
        applied=list(applied),
        error=error,
        ran_at=utcnow(),
    )
    session.add(run)
    return run


async def apply_rule(
    session: AsyncSession,
    *,
    rule: Rule,
    ticket: Ticket,
    depth: int,
    run: RuleRun | None = None,
) -> None:
    """The rule's actions on a locked ticket, as the system, all or nothing in a savepoint. A
    refusal (a label since deleted, an assignee no longer in the inbox) is written on the
    timeline and in the run; it never fails the change that set the rule off."""
    source = actions_service.Source(kind="rule", id=rule.id, name=rule.name)
    previous = session.info.get(DEPTH_KEY, 0)
    session.info[DEPTH_KEY] = depth
    mark = hooks_mark(session)
    applied: list[str] = []
    error: str | None = None
    try:
        async with session.begin_nested():
            applied = await actions_service.apply_actions(
                session,
                actor=None,
                ticket=ticket,
                actions=STORED_ACTIONS.validate_python(rule.actions),
                source=source,
            )
    except FrontdeskError as refused:
        drop_hooks_since(session, mark)
        error = refused.message
        await session.refresh(ticket)
        await tickets_service.log_event(
            session,
            ticket=ticket,
            actor=None,
            text=f"The rule “{rule.name}” could not run: {error}",
            rule_id=rule.id,
            rule_name=rule.name,
        )
    finally:
        session.info[DEPTH_KEY] = previous
    outcome = "failed" if error else "done" if applied else "unchanged"
    if run is None:
        record_run(session, rule=rule, ticket=ticket, outcome=outcome, applied=applied, error=error)
    else:
        run.outcome, run.applied, run.error = outcome, applied, error
    await session.flush()
