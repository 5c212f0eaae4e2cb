"""Time-based rules: "open and not replied for 24 hours", "on hold for 5 days".

Each due ticket is an *episode*: the customer's oldest unanswered message (no_reply), the
timeline line that set the standing state (in_state). A rule fires once per episode, whichever
of several processes gets there first: the run row is inserted before anything is done, and
its unique key (rule, ticket, episode) lets one insert win; a loser's savepoint rolls back and
it moves on. A new episode (the customer writes again after an answer, the state changes and
comes back) makes the ticket due again.

An episode is judged once, when it becomes due: if the rule's conditions do not hold then, the
run is recorded as `skipped` and the rule lets this episode go, so that tickets that will never
match do not fill every tick's batch.

A round reads only the tickets whose standing could have changed since the rule's last whole
round (`Rule.checked_at`): those with a message or state line that came of age since, those
created in their state that came of age since, and those changed since. Every other ticket was
due then and judged, or is not due yet. Without that, every round read every ticket in the
rule's state: "closed for 30 days" read the desk's whole history each minute. A new or edited
rule has no whole round yet, and reads them all until it has caught up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, String, cast, exists, func, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from frontdesk.db.planning import Unindexed
from frontdesk.kit.clock import utcnow
from frontdesk.rules import engine
from frontdesk.rules.conditions import first_messages
from frontdesk.rules.kinds import InState, NoReply
from frontdesk.rules.models import Rule, RuleRun
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, EntryKind, Ticket, TicketEntry, TicketState

BATCH = 50
# How far before the last whole round a round looks again: a change written by a transaction
# still open when that round read, or by a process whose clock is a little behind.
SLACK = timedelta(minutes=5)


def due_query(
    rule_id: int | None,
    when: NoReply | InState,
    *,
    now: datetime,
    ticket_id: int | None = None,
    checked_at: datetime | None = None,
) -> Select[int, str]:
    """(ticket id, episode) of the tickets due for a time-based rule, oldest ticket first;
    with a rule id, without the episodes it already ran on; with a ticket id, that one only;
    with the time of the rule's last whole round, among the tickets that changed since."""
    cutoff = now - timedelta(hours=when.hours)
    only = [Ticket.id == ticket_id] if ticket_id is not None else []
    state = TicketState.open if isinstance(when, NoReply) else TicketState(when.state)
    in_state: ColumnElement[bool] = Ticket.state == state
    if checked_at is not None:
        only.append(Ticket.id.in_(_changed_since(when, state, checked_at, now=now)))
        # The changed tickets are a few; without statistics SQLite would read every ticket in
        # the state by its index and look each up in them.
        in_state = Unindexed(Ticket.state) == state
    since: ColumnElement[datetime]
    episode: ColumnElement[str]
    if isinstance(when, NoReply):
        answered = (
            select(func.max(TicketEntry.id))
            .where(
                TicketEntry.ticket_id == Ticket.id,
                TicketEntry.kind == EntryKind.reply,
                TicketEntry.direction == Direction.outbound,
                # A rule's own reply (nobody's) answers nothing a person must answer.
                TicketEntry.author_user_id.is_not(None),
            )
            .correlate(Ticket)
            .scalar_subquery()
        )
        waiting = aliased(TicketEntry)
        oldest = (
            select(func.min(waiting.id))
            .where(
                waiting.ticket_id == Ticket.id,
                waiting.kind == EntryKind.reply,
                waiting.direction == Direction.inbound,
                waiting.id > func.coalesce(answered, 0),
            )
            .correlate(Ticket)
            .scalar_subquery()
        )
        candidates = (
            select(Ticket.id.label("ticket_id"), oldest.label("entry_id"))
            .where(in_state, Ticket.merged_into_id.is_(None), *only)
            .subquery()
        )
        since = TicketEntry.created_at.expression
        join_on = TicketEntry.id == candidates.c.entry_id
        episode = cast(candidates.c.entry_id, String)
        statement = select(candidates.c.ticket_id, episode).join(TicketEntry, join_on)
    else:
        changed = (
            select(func.max(TicketEntry.id))
            .where(
                TicketEntry.ticket_id == Ticket.id,
                TicketEntry.kind == EntryKind.event,
                TicketEntry.data["state"].as_string().is_not(None),
            )
            .correlate(Ticket)
            .scalar_subquery()
        )
        candidates = (
            select(
                Ticket.id.label("ticket_id"),
                Ticket.created_at.label("created_at"),
                changed.label("entry_id"),
            )
            .where(in_state, Ticket.merged_into_id.is_(None), *only)
            .subquery()
        )
        since = func.coalesce(TicketEntry.created_at, candidates.c.created_at)
        episode = func.coalesce(cast(candidates.c.entry_id, String), "0")
        statement = select(candidates.c.ticket_id, episode).outerjoin(
            TicketEntry, TicketEntry.id == candidates.c.entry_id
        )
    statement = statement.where(since <= cutoff)
    if rule_id is not None:
        statement = statement.where(
            ~exists().where(
                RuleRun.rule_id == rule_id,
                RuleRun.ticket_id == candidates.c.ticket_id,
                RuleRun.episode == episode,
            )
        )
    return statement.order_by(candidates.c.ticket_id)


def _changed_since(
    when: NoReply | InState, state: TicketState, checked_at: datetime, *, now: datetime
) -> Select[int]:
    """The tickets that may have become due since `checked_at`: an episode's start (a customer's
    message; a state line, or the creation of a ticket that has none) that is `hours` old now and
    was not then, or a ticket in the state changed since (a reopened ticket's old message, an
    undone merge). Each by an index, whatever the history."""
    since = checked_at - SLACK
    aged = (since - timedelta(hours=when.hours), now - timedelta(hours=when.hours))
    kind = EntryKind.reply if isinstance(when, NoReply) else EntryKind.event
    # Aliased: the statement these go into reads `tickets` too, and must not correlate them.
    ticket = aliased(Ticket)
    parts: list[Select[int]] = [
        select(TicketEntry.ticket_id).where(
            TicketEntry.created_at.between(*aged), TicketEntry.kind == kind
        ),
        select(ticket.id).where(ticket.state == state, ticket.updated_at >= since),
    ]
    if isinstance(when, InState):
        parts.append(select(ticket.id).where(ticket.created_at.between(*aged)))
    return select(union(*parts).subquery().c[0])


async def timed_rules(session: AsyncSession) -> list[tuple[Rule, NoReply | InState]]:
    rules = await session.scalars(
        select(Rule).where(Rule.enabled.is_(True)).order_by(Rule.position, Rule.id)
    )
    found = [(rule, engine.when_of(rule)) for rule in rules]
    return [(rule, when) for rule, when in found if isinstance(when, NoReply | InState)]


async def run_due(session: AsyncSession, *, rule: Rule, when: NoReply | InState) -> int:
    """Fires the rule on up to BATCH due tickets; how many it ran on."""
    now = utcnow()
    query = due_query(rule.id, when, now=now, checked_at=rule.checked_at)
    due = (await session.execute(query.limit(BATCH))).all()
    fired = 0
    for ticket_id, episode in due:
        if await _fire(session, rule=rule, when=when, ticket_id=ticket_id, episode=episode):
            fired += 1
    behind = rule.checked_at is None or now - rule.checked_at >= SLACK
    if len(due) < BATCH and behind:
        # Every episode due now was judged: the next round may start from here. Written every
        # few minutes, not every round: an older start only makes the next read a little longer.
        # A full batch leaves more, and the next round reads from where this one did.
        # `updated_at` is left as it is: it tells people when the rule was last edited.
        await session.execute(
            update(Rule)
            .where(Rule.id == rule.id)
            .values(checked_at=now, updated_at=Rule.updated_at)
            .execution_options(synchronize_session=False)
        )
    return fired


async def _fire(
    session: AsyncSession, *, rule: Rule, when: NoReply | InState, ticket_id: int, episode: str
) -> bool:
    ticket = await tickets_service.lock_ticket(session, ticket_id=ticket_id)
    if ticket is None:
        return False
    # Under the lock, the ticket may have moved on (an agent answered) since it was found.
    still = due_query(rule.id, when, now=utcnow(), ticket_id=ticket_id)
    if (await session.execute(still.limit(1))).first() is None:
        return False
    run = RuleRun(
        rule_id=rule.id, ticket_id=ticket.id, episode=episode, outcome="claimed", ran_at=utcnow()
    )
    try:
        async with session.begin_nested():
            session.add(run)
            await session.flush()
    except IntegrityError:
        # Another process fired it first.
        return False
    messages = await first_messages(session, ticket_ids=[ticket.id])
    if not await engine.matches(
        session, rule=rule, ticket=ticket, message=messages.get(ticket.id, "")
    ):
        run.outcome = "skipped"
        await session.flush()
        return False
    await engine.apply_rule(session, rule=rule, ticket=ticket, depth=1, run=run)
    return True


async def run_all_due(session: AsyncSession) -> int:
    fired = 0
    for rule, when in await timed_rules(session):
        fired += await run_due(session, rule=rule, when=when)
    return fired


async def due_now(
    session: AsyncSession, *, when: NoReply | InState, limit: int
) -> Sequence[tuple[int, str]]:
    """For a dry run: the tickets a new rule would find due now."""
    statement = due_query(None, when, now=utcnow()).limit(limit)
    return (await session.execute(statement)).all()
