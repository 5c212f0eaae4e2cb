"""Time-based rules: "open and not replied for 24 hours", "on hold for 5 days".

Each due ticket is an *episode*: the customer's oldest unanswered message (no_reply), the
timeline line that set the standing state (in_state), the stay in a custom status named by when
it began (in_status: `tickets.status_changed_at`). A rule fires once per episode, whichever
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
rule's state: "closed for 30 days" read the desk's whole history each minute.

A new rule (or one edited, or switched back on) *catches up* first: it judges the tickets in
order of id, a window of them a batch, from the last ticket its batches have judged
(`Rule.caught_up_to`), and reads the tickets behind the window that changed since its last batch
as above. After each batch every ticket up to the window's end (or the batch's last ticket) has
had every episode due then judged; once the window has passed the last ticket, that holds for
every ticket, and the rule reads only what changed from then on. Without the window, each round
read every ticket in the rule's state again: a new "closed for 60 days" rule held SQLite's one
connection ~560 ms a minute at 100,000 such tickets, for as many minutes as it had batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    cast,
    exists,
    false,
    func,
    select,
    union,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from frontdesk.db.planning import Unindexed
from frontdesk.db.unique import insert_once
from frontdesk.kit.clock import utcnow
from frontdesk.rules import engine
from frontdesk.rules.kinds import InState, InStatus, NoReply, Timed
from frontdesk.rules.models import Rule, RuleRun
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Direction, EntryKind, Ticket, TicketEntry, TicketState

# Tickets a transaction fires on at most: on SQLite every request of the process waits for the
# one connection meanwhile, ~3 ms a ticket. rules/timers.py runs a few a round.
BATCH = 10
# How far before the last whole round a round looks again: a change written by a transaction
# still open when that round read, or by a process whose clock is a little behind.
SLACK = timedelta(minutes=5)
# A rule catching up judges this many tickets a batch at most (by id, whatever their state): on
# SQLite ~10 ms where none is due, less where the batch fills first.
WINDOW = 2_000


def due_query(
    rule_id: int | None,
    when: Timed,
    *,
    now: datetime,
    ticket_ids: Sequence[int] | None = None,
    checked_at: datetime | None = None,
    window: tuple[int, int | None] | None = None,
) -> Select[int, str]:
    """(ticket id, episode) of the tickets due for a time-based rule, oldest ticket first;
    with a rule id, without the episodes it already ran on; with ticket ids, those only;
    with the time of the rule's last round, among the tickets that changed since; with a window
    of ids (after, up to and including; None: to the last), among those."""
    if isinstance(when, InStatus):
        return _in_status_query(
            rule_id, when, now=now, ticket_ids=ticket_ids, checked_at=checked_at, window=window
        )
    cutoff = now - timedelta(hours=when.hours)
    only: list[ColumnElement[bool]] = [] if ticket_ids is None else [Ticket.id.in_(ticket_ids)]
    state = TicketState.open if isinstance(when, NoReply) else TicketState(when.state)
    in_state: ColumnElement[bool] = Ticket.state == state
    if checked_at is not None:
        only.append(Ticket.id.in_(_changed_since(when, state, checked_at, now=now)))
    if window is not None:
        after, upto = window
        only.append(Ticket.id > after)
        if upto is not None:
            only.append(Ticket.id <= upto)
    if only:
        # The tickets named, changed, or in a window of ids are a few; without statistics SQLite
        # would read every ticket in the state by its index and look each up in them.
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
                # An out-of-office or a bounce is stored on the ticket, but nobody waits for
                # an answer to it.
                func.coalesce(waiting.data["auto"].as_boolean(), false()).is_(false()),
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


def _in_status_query(
    rule_id: int | None,
    when: InStatus,
    *,
    now: datetime,
    ticket_ids: Sequence[int] | None,
    checked_at: datetime | None,
    window: tuple[int, int | None] | None,
) -> Select[int, str]:
    """`due_query` for "In a status for…": the episode is the stay in the status, named by
    when it began (`status_changed_at`, which every change of the status moves). After a whole
    round, only the stays that came of age since: one range of `ix_tickets_status_changed`,
    however many tickets have had the status for long."""
    cutoff = now - timedelta(hours=when.hours)
    status: ColumnElement[Any] = Ticket.status_id.expression
    ticket_id: ColumnElement[Any] = Ticket.id.expression
    only: list[ColumnElement[bool]] = []
    if checked_at is not None:
        # The window's ids must not make SQLite read the tickets behind it by the primary key.
        ticket_id = Unindexed(Ticket.id)
        only.append(Ticket.status_changed_at > checked_at - SLACK - timedelta(hours=when.hours))
    elif ticket_ids is not None or window is not None:
        # A few tickets named, or a window of ids: those by the primary key, not every ticket
        # of the status by its index.
        status = Unindexed(Ticket.status_id)
    if ticket_ids is not None:
        only.append(Ticket.id.in_(ticket_ids))
    if window is not None:
        after, upto = window
        only.append(ticket_id > after)
        if upto is not None:
            only.append(ticket_id <= upto)
    episode = cast(Ticket.status_changed_at, String)
    statement = select(Ticket.id, episode).where(
        status == when.status_id,
        Ticket.status_changed_at <= cutoff,
        Ticket.merged_into_id.is_(None),
        *only,
    )
    if rule_id is not None:
        statement = statement.where(
            ~exists().where(
                RuleRun.rule_id == rule_id,
                RuleRun.ticket_id == Ticket.id,
                RuleRun.episode == episode,
            )
        )
    return statement.order_by(Ticket.id)


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


async def timed_rules(session: AsyncSession) -> list[tuple[Rule, Timed]]:
    rules = await session.scalars(
        select(Rule).where(Rule.enabled.is_(True)).order_by(Rule.position, Rule.id)
    )
    found = [(rule, engine.when_of(rule)) for rule in rules]
    return [(rule, when) for rule, when in found if isinstance(when, Timed)]


async def timed_rule(session: AsyncSession, rule_id: int) -> tuple[Rule, Timed] | None:
    """The rule, if it is still there, enabled and time-based."""
    rule = await session.get(Rule, rule_id)
    if rule is None or not rule.enabled:
        return None
    when = engine.when_of(rule)
    return (rule, when) if isinstance(when, Timed) else None


async def run_due(session: AsyncSession, *, rule: Rule, when: Timed) -> tuple[int, bool]:
    """Fires the rule on up to BATCH due tickets: how many it ran on, and whether another batch
    would find more to read now (this one was full, or the rule has more tickets to catch up)."""
    if rule.checked_at is None or rule.caught_up_to is not None:
        return await _catch_up(session, rule=rule, when=when, checked_at=rule.checked_at)
    now = utcnow()
    query = due_query(rule.id, when, now=now, checked_at=rule.checked_at)
    due = (await session.execute(query.limit(BATCH))).all()
    fired = await _fire_all(session, rule=rule, when=when, due=due, now=now)
    if len(due) < BATCH and now - rule.checked_at >= SLACK:
        # Every episode due now was judged: the next round may start from here. Written every
        # few minutes, not every round: an older start only makes the next read a little longer.
        # A full batch leaves more, and the next batch reads from where this one did.
        await _store_progress(session, rule=rule, checked_at=now, caught_up_to=None)
    return fired, len(due) == BATCH


async def _catch_up(
    session: AsyncSession, *, rule: Rule, when: Timed, checked_at: datetime | None
) -> tuple[int, bool]:
    """One batch of a rule catching up: the tickets behind the window changed since its last
    batch (none before the first), then the next window of tickets."""
    now = utcnow()
    after = rule.caught_up_to or 0
    due: Sequence[Any] = []
    if checked_at is not None:
        query = due_query(rule.id, when, now=now, checked_at=checked_at, window=(0, after))
        due = (await session.execute(query.limit(BATCH))).all()
    fired = await _fire_all(session, rule=rule, when=when, due=due, now=now)
    if len(due) == BATCH:
        # More behind the window, perhaps: read again, from the same last batch.
        return fired, True
    # Two statements, not one: either half alone reads in order of id and stops at the batch's
    # end; together they would read the whole window and sort it.
    upto = await session.scalar(
        select(Ticket.id).where(Ticket.id > after).order_by(Ticket.id).offset(WINDOW - 1).limit(1)
    )
    query = due_query(rule.id, when, now=now, window=(after, upto))
    ahead = (await session.execute(query.limit(BATCH - len(due)))).all()
    fired += await _fire_all(session, rule=rule, when=when, due=ahead, now=now)
    # Every episode due now was judged up to the window's end, or up to the batch's last ticket
    # if it filled first. None: past the last ticket, so all of them: caught up.
    reached = ahead[-1][0] if len(due) + len(ahead) == BATCH else upto
    await _store_progress(session, rule=rule, checked_at=now, caught_up_to=reached)
    return fired, reached is not None


async def _store_progress(
    session: AsyncSession, *, rule: Rule, checked_at: datetime, caught_up_to: int | None
) -> None:
    """By a Core update: `updated_at` tells people when the rule was last edited, and is left
    as it is."""
    await session.execute(
        update(Rule)
        .where(Rule.id == rule.id)
        .values(checked_at=checked_at, caught_up_to=caught_up_to, updated_at=Rule.updated_at)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class CatchUp:
    """Where a time-based rule stands with the existing tickets: waiting for its first batch,
    catching up (`share`: the part of the tickets judged so far, by their order of id), or
    caught up."""

    state: Literal["waiting", "catching_up", "caught_up"]
    share: float


async def catch_ups(session: AsyncSession, rules: Sequence[Rule]) -> dict[int, CatchUp]:
    """The time-based rules that are on, by id; an event rule or a rule switched off has none.
    The share is by ids, not a count: one read of the highest id, where counting the tickets
    would read 200,000 index entries for each page of the rules."""
    timed = [rule for rule in rules if rule.enabled and isinstance(engine.when_of(rule), Timed)]
    last = 0
    if any(rule.caught_up_to is not None for rule in timed):
        last = await session.scalar(select(func.max(Ticket.id))) or 0
    progress: dict[int, CatchUp] = {}
    for rule in timed:
        if rule.checked_at is None:
            progress[rule.id] = CatchUp("waiting", 0.0)
        elif rule.caught_up_to is None:
            progress[rule.id] = CatchUp("caught_up", 1.0)
        else:
            # Tickets are created meanwhile: never "done" before it is.
            share = min(rule.caught_up_to / last, 0.99) if last else 0.0
            progress[rule.id] = CatchUp("catching_up", share)
    return progress


def judge_afresh(rule: Rule) -> None:
    """The rule judges every ticket again from the first: a new `when` has other episodes, and a
    switched-off rule let episodes come of age unjudged."""
    rule.checked_at = None
    rule.caught_up_to = None


async def _fire_all(
    session: AsyncSession,
    *,
    rule: Rule,
    when: Timed,
    due: Sequence[Any],
    now: datetime,
) -> int:
    if not due:
        return 0
    ticket_ids = [ticket_id for ticket_id, _ in due]
    tickets = await tickets_service.lock_tickets(session, ticket_ids=ticket_ids)
    # Under the locks, a ticket may have moved on (an agent answered) since it was found.
    query = due_query(rule.id, when, now=now, ticket_ids=ticket_ids)
    still = {(ticket_id, episode) for ticket_id, episode in await session.execute(query)}
    fired = 0
    for ticket_id, episode in due:
        ticket = tickets.get(ticket_id)
        if ticket is not None and (ticket_id, episode) in still:
            fired += await _fire(session, rule=rule, ticket=ticket, episode=episode)
    return fired


async def _fire(session: AsyncSession, *, rule: Rule, ticket: Ticket, episode: str) -> bool:
    run = RuleRun(
        rule_id=rule.id, ticket_id=ticket.id, episode=episode, outcome="claimed", ran_at=utcnow()
    )
    if not await insert_once(session, run):
        # Another process fired it first.
        return False
    # "text contains" reads the ticket's first message, loaded only for such a rule.
    if not await engine.matches(session, rule=rule, ticket=ticket):
        run.outcome = "skipped"
        await session.flush()
        return False
    await engine.apply_rule(session, rule=rule, ticket=ticket, depth=1, run=run)
    return True


async def due_now(session: AsyncSession, *, when: Timed, limit: int) -> Sequence[tuple[int, str]]:
    """For a dry run: the tickets a new rule would find due now."""
    statement = due_query(None, when, now=utcnow()).limit(limit)
    return (await session.execute(statement)).all()
