"""SLAs: which policy applies to a ticket, when each of its targets is due, and the warnings and
breaches recorded once each. Decisions (docs/routing.md, "SLAs"):

- Policies form one ordered list; the first whose conditions (inbox, priority, label; a
  condition left empty matches anything) all hold for the ticket applies, and no other.
- What starts and stops a target is the conversation clock of the reports (metrics/record.py),
  so an SLA and a report never disagree on what a response is: first response runs from the
  conversation's start while a customer waits and nobody answered yet; next response from the
  first unanswered customer message after a first response; resolution from the start until the
  ticket is closed. A closed ticket has no running target.
- In business hours, a target's time only runs while the ticket's inbox is open
  (`Calendar.add_business_seconds`); on hold and snoozed do not pause it: the customer still waits.
- A warning comes `warning_minutes` (at most half the target) of the target's own time before it
  is due; a breach is the due time passing with the target still running. Both are rows of
  `sla_alerts`, unique per (ticket, target, due time, kind): whichever process or request gets
  there first writes it, and only that one sends the warning's notifications. A breach nobody
  was warned of tells the same people, as breached: the timer's (`check_due`), and one recorded
  as a ticket moves to another inbox (`record_breaches`, told by `tell_breached` once it is
  there).
- A target breaches once: a breach is also unique per (ticket, target, since), `since` being when
  the target began to run (the conversation's start; for next response, the customer message
  waiting). A policy, label or business hours that move the due time after the breach move no
  breach and add none: the one recorded keeps the due time and policy of its moment.

Policies are written by sla/policies.py, which works out their tickets' due times again after
each change: it sits above hours/sla_refresh.py, which refreshes through this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.unique import insert_once
from frontdesk.errors import Conflict, NotFound
from frontdesk.hours import service as hours_service
from frontdesk.hours.calendar import Calendar
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.clock import utcnow
from frontdesk.labels.models import Label
from frontdesk.metrics.models import ConversationClock
from frontdesk.notifications import service as notifications_service
from frontdesk.sla.models import AlertKind, SlaAlert, SlaPolicy, Target, TicketSla
from frontdesk.tickets.models import Ticket, TicketState, ticket_labels

# The longest target an admin may set: a year of minutes.
MAX_MINUTES = 366 * 24 * 60
# The desk's "Breaching soon" folder: open tickets whose next target is due within this, or late.
BREACHING_SOON = timedelta(hours=1)


# --- policies --------------------------------------------------------------------------------


POLICIES_KEY = "sla_policies"


async def list_policies(session: AsyncSession) -> Sequence[SlaPolicy]:
    return (
        await session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id))
    ).all()


async def cached_policies(session: AsyncSession) -> Sequence[SlaPolicy]:
    """The list, read once per transaction: a batch of inbound mail refreshes many tickets, and
    a refresh after a change of hours (hours/sla_refresh.py) asks which count in business hours
    before refreshing each. Writing a policy forgets it (`forget_policies`)."""
    cached: Sequence[SlaPolicy] | None = session.info.get(POLICIES_KEY)
    if cached is None:
        cached = await list_policies(session)
        session.info[POLICIES_KEY] = cached
    return cached


async def ensure_label_unused(session: AsyncSession, *, label: Label) -> None:
    """A label an SLA policy applies to is not deleted from under it: the policy would go with
    it (its row cascades), and every ticket it covered fall to another target unnoticed."""
    names = (
        await session.scalars(
            select(SlaPolicy.name).where(SlaPolicy.label_id == label.id).order_by(SlaPolicy.name)
        )
    ).all()
    if names:
        listed = ", ".join(f"“{name}”" for name in names)
        raise Conflict(
            f"The SLA polic{'ies' if len(names) > 1 else 'y'} {listed} appl"
            f"{'y' if len(names) > 1 else 'ies'} to the label “{label.name}”: change or delete "
            "it first (Settings → SLAs).",
            code="label_in_use",
        )


def forget_policies(session: AsyncSession) -> None:
    """The transaction's list (`cached_policies`) forgotten, by a write of a policy
    (sla/policies.py)."""
    session.info.pop(POLICIES_KEY, None)


async def get_policy(session: AsyncSession, *, policy_id: int) -> SlaPolicy:
    policy = await session.get(SlaPolicy, policy_id)
    if policy is None:
        raise NotFound("No such SLA policy.")
    return policy


def matches(policy: SlaPolicy, *, ticket: Ticket, label_ids: set[int]) -> bool:
    return (
        (policy.inbox_id is None or policy.inbox_id == ticket.inbox_id)
        and (policy.priority is None or policy.priority == ticket.priority.value)
        and (policy.label_id is None or policy.label_id in label_ids)
    )


async def policy_for(session: AsyncSession, *, ticket: Ticket) -> SlaPolicy | None:
    policies = await cached_policies(session)
    if not policies:
        return None
    label_ids = set(
        await session.scalars(
            select(ticket_labels.c.label_id).where(ticket_labels.c.ticket_id == ticket.id)
        )
    )
    return next((p for p in policies if matches(p, ticket=ticket, label_ids=label_ids)), None)


# --- due times -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Running:
    """A target that runs: when it is due and when its people are warned."""

    due: datetime
    warn: datetime
    since: datetime  # when the target began to run: the key of its one breach


def _running(
    policy: SlaPolicy, calendar: Calendar, *, start: datetime, minutes: int
) -> Running | None:
    seconds = minutes * 60.0
    early = min(policy.warning_minutes * 60.0, seconds / 2)
    if policy.business_hours:
        due = calendar.add_business_seconds(start, seconds)
        warn = calendar.add_business_seconds(start, seconds - early)
        if due is None or warn is None:
            return None  # the inbox never opens again: nothing can be promised
        return Running(due=due, warn=warn, since=start)
    due = start + timedelta(seconds=seconds)
    return Running(due=due, warn=due - timedelta(seconds=early), since=start)


# States in which no target runs: the conversation is over, or was never one.
STOPPED = frozenset({TicketState.closed, TicketState.spam})


def targets_of(
    policy: SlaPolicy, calendar: Calendar, *, ticket: Ticket, clock: ConversationClock | None
) -> dict[Target, Running]:
    """The targets running now, from the conversation clock of the reports."""
    if ticket.state in STOPPED or clock is None:
        return {}
    found: dict[Target, Running | None] = {}
    if (
        policy.first_response_minutes is not None
        and clock.first_response_at is None
        and clock.awaiting_since is not None
    ):
        found[Target.first_response] = _running(
            policy, calendar, start=clock.started_at, minutes=policy.first_response_minutes
        )
    if (
        policy.next_response_minutes is not None
        and clock.first_response_at is not None
        and clock.awaiting_since is not None
    ):
        found[Target.next_response] = _running(
            policy, calendar, start=clock.awaiting_since, minutes=policy.next_response_minutes
        )
    if policy.resolution_minutes is not None:
        found[Target.resolution] = _running(
            policy, calendar, start=clock.started_at, minutes=policy.resolution_minutes
        )
    return {target: running for target, running in found.items() if running is not None}


def _stored(row: TicketSla) -> dict[Target, Running]:
    found: dict[Target, Running] = {}
    for target in Target:
        due = getattr(row, f"{target.value}_due")
        warn = getattr(row, f"{target.value}_warn")
        # A row from before migration 0055 without its start: the due time, the old key.
        since = getattr(row, f"{target.value}_since") or due
        if due is not None:
            found[target] = Running(due=due, warn=warn or due, since=since)
    return found


def _store(row: TicketSla, running: dict[Target, Running]) -> None:
    for target in Target:
        now_running = running.get(target)
        setattr(row, f"{target.value}_due", now_running.due if now_running else None)
        setattr(row, f"{target.value}_warn", now_running.warn if now_running else None)
        setattr(row, f"{target.value}_since", now_running.since if now_running else None)


async def refresh(session: AsyncSession, *, ticket: Ticket, now: datetime | None = None) -> None:
    """Works the ticket's targets out again after anything that may change them: its state, a
    reply either way, its priority, labels or inbox. A target that stops running after its due
    time is recorded as breached here, so a breach never depends on the timer having come."""
    now = now or utcnow()
    policy = await policy_for(session, ticket=ticket)
    if policy is None and ticket.sla_due_at is None:
        return  # nothing ran and nothing will: no row to read (the common case without SLAs)
    row = await session.get(TicketSla, ticket.id)
    running: dict[Target, Running] = {}
    if row is not None and ticket.state is TicketState.spam:
        # Spam was never a customer waiting: its targets stop without a breach, late or not.
        _store(row, running)
        row.check_at = None
        ticket.sla_due_at = None
        await session.flush()
        return
    if policy is not None:
        clock = await session.scalar(
            select(ConversationClock).where(ConversationClock.ticket_id == ticket.id)
        )
        calendar = await hours_service.calendar_of(session, inbox_id=ticket.inbox_id)
        running = targets_of(policy, calendar, ticket=ticket, clock=clock)
    if row is None and not running:
        ticket.sla_due_at = None
        return
    if row is None:
        row = TicketSla(ticket_id=ticket.id)
        session.add(row)
    else:
        holder: _Holder = None
        for target, before in _stored(row).items():
            after = running.get(target)
            if before.due <= now and (after is None or after.due != before.due):
                holder = holder or await _holder(session, ticket=ticket)
                await _breach(
                    session, ticket=ticket, row=row, target=target, times=before, holder=holder
                )
    row.policy_id = policy.id if policy is not None else None
    _store(row, running)
    # The timer comes at the earliest warning: a warning already sent is not sent again.
    row.check_at = min((r.warn for r in running.values()), default=None)
    ticket.sla_due_at = min((r.due for r in running.values()), default=None)
    await session.flush()


async def record_breaches(
    session: AsyncSession, *, ticket: Ticket, now: datetime | None = None
) -> list[Target]:
    """The ticket's targets already past due recorded as breached now, under its inbox as it is:
    called before the ticket moves to another inbox, whose policy then applies, so that a breach
    the timer had not come to yet stays with the team it happened to. Returns the targets whose
    breach this call recorded and whose due time nobody was warned of: people hear of those as
    of the timer's breaches, once the ticket is where it goes (`tell_breached`)."""
    row = await session.get(TicketSla, ticket.id)
    if row is None:
        return []
    now = now or utcnow()
    untold: list[Target] = []
    holder: _Holder = None
    for target, times in sorted(_stored(row).items()):
        if times.due > now:
            continue
        holder = holder or await _holder(session, ticket=ticket)
        if await _breach(
            session, ticket=ticket, row=row, target=target, times=times, holder=holder
        ) and not await _warned(session, ticket_id=ticket.id, target=target, due_at=times.due):
            untold.append(target)
    return untold


async def tell_breached(
    session: AsyncSession, *, ticket: Ticket, targets: Sequence[Target], assignee_id: int | None
) -> None:
    """`record_breaches`' targets told as any breach nobody was warned of (*Overdue*): to
    `assignee_id` (who has the ticket now, if anyone), or every member of its inbox while nobody
    does, and its followers; only those who see the ticket where it is now."""
    if not targets:
        return
    audience = await _audience(session, ticket=ticket, assignee_id=assignee_id)
    for target in targets:
        await _tell(session, ticket=ticket, target=target, breached=True, audience=audience)


async def _audience(
    session: AsyncSession, *, ticket: Ticket, assignee_id: int | None
) -> notifications_service.SlaAudience:
    """Who sees the ticket, asked once for all its alerts (the holder and the people told)."""
    return await notifications_service.sla_audience(
        session, ticket_id=ticket.id, inbox_id=ticket.inbox_id, assignee_id=assignee_id
    )


# The assignee an alert is held against, asked once for all the ticket's targets: `None` not
# asked yet, `(id,)` or `(None,)` once asked.
_Holder = tuple[int | None] | None


async def _holder(session: AsyncSession, *, ticket: Ticket) -> tuple[int | None]:
    """The assignee while they see the ticket: one who cannot (taken out of its inbox,
    deactivated) counts as nobody, as for the notifications (`sla_audience`)."""
    holder = ticket.assignee_id
    if holder is not None and not await inboxes_service.who_sees(
        session, user_ids=[holder], inbox_id=ticket.inbox_id
    ):
        holder = None
    return (holder,)


async def _tell(
    session: AsyncSession,
    *,
    ticket: Ticket,
    target: Target,
    breached: bool,
    audience: notifications_service.SlaAudience,
) -> None:
    await notifications_service.sla_breaching(
        session,
        ticket_id=ticket.id,
        inbox_id=ticket.inbox_id,
        number=ticket.number,
        subject=ticket.subject,
        audience=audience,
        target=target.value,
        breached=breached,
    )


async def _breach(
    session: AsyncSession,
    *,
    ticket: Ticket,
    row: TicketSla,
    target: Target,
    times: Running,
    holder: tuple[int | None],
) -> bool:
    """A stored target past its due time, recorded as breached under the policy it ran by; True
    when this call recorded it."""
    return await _alert(
        session,
        ticket=ticket,
        policy_id=row.policy_id,
        target=target,
        kind=AlertKind.breach,
        due_at=times.due,
        since=times.since,
        holder=holder[0],
    )


async def _alert(
    session: AsyncSession,
    *,
    ticket: Ticket,
    policy_id: int | None,
    target: Target,
    kind: AlertKind,
    due_at: datetime,
    since: datetime,
    holder: int | None,
) -> bool:
    """Writes the alert unless someone did already (a breach: of this target since `since`,
    whatever its due time); True when this call wrote it. It is held against `holder`, the
    assignee who sees the ticket (`_holder`, `sla_audience`)."""
    return await insert_once(
        session,
        SlaAlert(
            ticket_id=ticket.id,
            inbox_id=ticket.inbox_id,
            policy_id=policy_id,
            user_id=holder,
            target=target,
            kind=kind,
            due_at=due_at,
            since=since,
            created_at=utcnow(),
        ),
    )


async def _warned(
    session: AsyncSession, *, ticket_id: int, target: Target, due_at: datetime
) -> bool:
    found = await session.scalar(
        select(SlaAlert.id).where(
            SlaAlert.ticket_id == ticket_id,
            SlaAlert.target == target,
            SlaAlert.due_at == due_at,
            SlaAlert.kind == AlertKind.warning,
        )
    )
    return found is not None


# --- the timer's round -----------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    claimed: int  # tickets whose time had come
    written: int  # alerts written


async def check_due(session: AsyncSession, *, now: datetime, limit: int) -> Checked:
    """Sends the warnings and records the breaches whose time has come, for up to `limit`
    tickets. Rows are claimed with SKIP LOCKED where the store has it (PostgreSQL); the unique
    alert key keeps every other case (SQLite, a request refreshing the ticket) to once."""
    query = (
        select(TicketSla)
        .where(TicketSla.check_at <= now)
        .order_by(TicketSla.check_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = (await session.scalars(query)).all()
    written = 0
    for row in rows:
        ticket = await session.get(Ticket, row.ticket_id)
        if ticket is None:
            continue
        running = _stored(row)
        # Who sees the ticket: asked once, for the first target whose time has come.
        audience: notifications_service.SlaAudience | None = None
        for target, times in sorted(running.items()):
            if times.due <= now:
                kind = AlertKind.breach
            elif times.warn <= now:
                kind = AlertKind.warning
            else:
                continue
            if audience is None:
                audience = await _audience(session, ticket=ticket, assignee_id=ticket.assignee_id)
            wrote = await _alert(
                session,
                ticket=ticket,
                policy_id=row.policy_id,
                target=target,
                kind=kind,
                due_at=times.due,
                since=times.since,
                holder=audience.holder_id,
            )
            if wrote:
                written += 1
                # People hear of a due time once: by its warning, or, when no warning went out
                # for it (no timer round ran in the warning's window: a deploy, a stopped
                # server), by the breach itself.
                if kind is AlertKind.warning or not await _warned(
                    session, ticket_id=ticket.id, target=target, due_at=times.due
                ):
                    await _tell(
                        session,
                        ticket=ticket,
                        target=target,
                        breached=kind is AlertKind.breach,
                        audience=audience,
                    )
        row.check_at = min(
            (t.warn if t.warn > now else t.due for t in running.values() if t.due > now),
            default=None,
        )
    await session.flush()
    return Checked(claimed=len(rows), written=written)


# --- what the desk shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class TargetState:
    target: Target
    due_at: datetime
    breached: bool


async def ticket_targets(
    session: AsyncSession, *, ticket: Ticket
) -> tuple[int | None, str | None, list[TargetState]]:
    """The policy and each running target of the ticket, breached or not."""
    row = await session.get(TicketSla, ticket.id)
    if row is None:
        return None, None, []
    policy = await session.get(SlaPolicy, row.policy_id) if row.policy_id is not None else None
    now = utcnow()
    states = [
        TargetState(target=target, due_at=times.due, breached=times.due <= now)
        for target, times in _stored(row).items()
    ]
    name = policy.name if policy else None
    return row.policy_id, name, sorted(states, key=lambda s: s.due_at)
