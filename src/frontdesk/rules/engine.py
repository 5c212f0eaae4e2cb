"""Running rules: on what just happened to tickets (the triggers the ticket service recorded),
inside the same transaction just before it commits; and the runs' record and timeline lines.

Why before commit, in the same transaction: the change and the rule's answer to it are one
unit. A crash loses both or neither (a trigger is never lost, a rule never runs on a change that
was rolled back), and a trigger is handled once by the transaction that recorded it (never
twice). The price is that a slow rule slows the request that set it off; rules only change rows.

Loops: a rule's actions record triggers of their own, which rules answer in turn, one level
deeper. At MAX_DEPTH the chain stops: a rule that would run is recorded as `stopped` and the
ticket's timeline says so, so two rules undoing each other ping-pong a few times, not forever.

Mail loops are another matter: each message that comes in is a transaction of its own, at depth
0. Automatic mail (an out-of-office, a bounce) sets off no rule (tickets/service.py
`append_entry`), and a rule's reply says it is automatic (mail/outbound.py); a help desk that
answers anyway is met by REPLIES_PER_DAY: past it, a rule's reply is left out (the rest of the
rule applies) and the timeline says so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.actions import service as actions_service
from frontdesk.actions.kinds import Action, Reply
from frontdesk.db.session import drop_hooks_since, hooks_mark
from frontdesk.errors import FrontdeskError
from frontdesk.kit.clock import utcnow
from frontdesk.rules import conditions as rule_conditions
from frontdesk.rules.kinds import (
    STORED_ACTIONS,
    STORED_CONDITIONS,
    STORED_WHEN,
    Condition,
    OnCreated,
    OnCustomerReply,
    OnLabelAdded,
    OnStateChanged,
    Timed,
    When,
)
from frontdesk.rules.models import Rule, RuleRun
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, EntryKind, Ticket, TicketEntry, TicketState
from frontdesk.tickets.triggers import DEPTH_KEY, Trigger, TriggerKind, pending_triggers

logger = logging.getLogger(__name__)

MAX_DEPTH = 3
# Rules' replies on one ticket in 24 hours, whichever rules sent them: an acknowledgement, an
# out-of-hours notice and a few answers to the customer's messages fit; two help desks that
# answer each other's automatic mail stop there, a day at a time.
REPLIES_PER_DAY = 5


def when_of(rule: Rule) -> When:
    return STORED_WHEN.validate_python(rule.when)


def answers(when: When, trigger: Trigger) -> bool:
    match when:
        case OnCreated():
            return trigger.kind is TriggerKind.created and (
                when.by is None or when.by == ("agent" if trigger.by_agent else "customer")
            )
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


@dataclass(frozen=True)
class _EventRule:
    rule: Rule
    when: When
    # Parsed once per commit, not once per ticket and trigger.
    conditions: list[Condition]


async def _event_rules(session: AsyncSession) -> list[_EventRule]:
    rules = await session.scalars(
        select(Rule).where(Rule.enabled.is_(True)).order_by(Rule.position, Rule.id)
    )
    found = [(rule, when_of(rule)) for rule in rules]
    return [
        _EventRule(rule, when, STORED_CONDITIONS.validate_python(rule.conditions))
        for rule, when in found
        if not isinstance(when, Timed)
    ]


def _key(trigger: Trigger) -> tuple[object, ...]:
    return (trigger.kind, trigger.ticket_id, trigger.state, trigger.label_ids)


async def run_triggered(session: AsyncSession) -> None:
    """Answers every trigger recorded in this transaction, then those the answers recorded, until
    none is left; registered to run before each commit (app.py).

    Each round first pairs its triggers with the rules that answer their kind, in memory: a
    trigger no rule answers costs nothing. The tickets of the pairs left are locked together,
    and what their rules' conditions read is gathered once for the round (rules/conditions.py
    `Gathered`), so that thirty rules that match nothing cost about what one does."""
    rules: list[_EventRule] | None = None
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
        work: list[tuple[Trigger, list[_EventRule]]] = []
        for trigger in pending:
            if trigger.kind is TriggerKind.customer_replied and trigger.ticket_id in created:
                continue
            if _key(trigger) in seen:
                continue
            seen.add(_key(trigger))
            answering = [each for each in rules if answers(each.when, trigger)]
            if answering:
                work.append((trigger, answering))
        if not work:
            continue
        gathered = await rule_conditions.Gathered.locked(
            session, ticket_ids=[trigger.ticket_id for trigger, _ in work], now=utcnow()
        )
        for trigger, answering in work:
            for each in answering:
                await _run_on_event(session, rule=each, trigger=trigger, gathered=gathered)


async def _run_on_event(
    session: AsyncSession,
    *,
    rule: _EventRule,
    trigger: Trigger,
    gathered: rule_conditions.Gathered,
) -> None:
    ticket = gathered.ticket(trigger.ticket_id)
    if ticket is None or ticket.merged_into_id is not None:
        return
    if ticket.state is TicketState.spam:
        # No rule answers spam: no auto-reply to a spammer, no assignment (docs/desk.md).
        return
    if not await gathered.meets(rule.conditions, rule.rule.match, ticket=ticket, text=trigger.text):
        return
    if trigger.depth >= MAX_DEPTH:
        logger.warning("rule %s stopped on ticket %s: loop bound", rule.rule.id, ticket.id)
        await tickets_service.log_event(
            session,
            ticket=ticket,
            actor=None,
            text=f"The rule “{rule.rule.name}” was not run: rules set each other off "
            f"{MAX_DEPTH} times in a row",
            rule_id=rule.rule.id,
            rule_name=rule.rule.name,
        )
        record_run(session, rule=rule.rule, ticket=ticket, outcome="stopped")
        return
    await apply_rule(session, rule=rule.rule, ticket=ticket, depth=trigger.depth + 1)
    # The next rules judge the ticket as this one left it.
    await gathered.changed(ticket.id)


async def matches(session: AsyncSession, *, rule: Rule, ticket: Ticket, message: str = "") -> bool:
    """Whether the locked ticket meets the rule's conditions; `message`: the one it answers, else
    the ticket's first message is read if a condition needs it."""
    conditions = STORED_CONDITIONS.validate_python(rule.conditions)
    gathered = rule_conditions.Gathered(session, tickets=[ticket], now=utcnow())
    return await gathered.meets(conditions, rule.match, ticket=ticket, text=message)


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
    actions = STORED_ACTIONS.validate_python(rule.actions)
    try:
        async with session.begin_nested():
            held = await _over_reply_cap(session, ticket=ticket, actions=actions)
            applied = await actions_service.apply_actions(
                session,
                actor=None,
                ticket=ticket,
                actions=[action for action in actions if not (held and isinstance(action, Reply))],
                source=source,
            )
            if held:
                await tickets_service.log_event(
                    session,
                    ticket=ticket,
                    actor=None,
                    text=f"The rule “{rule.name}” sent no reply: this ticket had "
                    f"{REPLIES_PER_DAY} automatic replies in the last 24 hours, the most it gets",
                    rule_id=rule.id,
                    rule_name=rule.name,
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


async def _over_reply_cap(
    session: AsyncSession, *, ticket: Ticket, actions: Sequence[Action]
) -> bool:
    """Whether the rule's reply would be one too many for this ticket today (REPLIES_PER_DAY).
    Counted from the thread: the rules' replies are the replies nobody wrote."""
    if not any(isinstance(action, Reply) for action in actions):
        return False
    sent = await session.scalar(
        select(func.count())
        .select_from(TicketEntry)
        .where(
            TicketEntry.ticket_id == ticket.id,
            TicketEntry.created_at >= utcnow() - timedelta(days=1),
            TicketEntry.kind == EntryKind.reply,
            TicketEntry.direction == Direction.outbound,
            TicketEntry.author_user_id.is_(None),
            TicketEntry.data["rule_id"].as_string().is_not(None),
        )
    )
    return (sent or 0) >= REPLIES_PER_DAY
