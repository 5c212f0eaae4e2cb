"""Tickets: numbering, the state machine, assignment, labels, the thread, snoozes."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from frontdesk.assignment import tracking as assignment_tracking
from frontdesk.customers import service as customers_service
from frontdesk.customers.models import Customer
from frontdesk.db.context import settings_of
from frontdesk.db.planning import Unindexed
from frontdesk.errors import Conflict, Invalid, NotFound
from frontdesk.fields import values as field_values
from frontdesk.fields.models import FieldObject
from frontdesk.files import service as files_service
from frontdesk.files.models import StoredFile
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes import signatures
from frontdesk.inboxes.models import Inbox
from frontdesk.kit import cursors
from frontdesk.kit.clock import utcnow
from frontdesk.kit.text import normalize_email
from frontdesk.labels.models import Label
from frontdesk.mail import outbound as mail_outbound
from frontdesk.metrics import record as metrics
from frontdesk.notifications import service as notifications_service
from frontdesk.organisations import queries as organisations_queries
from frontdesk.search import highlights as search_highlights
from frontdesk.search import queries as search_queries
from frontdesk.search import reader as search_reader
from frontdesk.search import terms as search_terms
from frontdesk.sla import service as sla_service
from frontdesk.statuses import service as statuses_service
from frontdesk.statuses.models import TicketStatus
from frontdesk.tickets import changes as ticket_changes
from frontdesk.tickets import counts, queries, statements, sync
from frontdesk.tickets.events import TicketEvent, record_ticket_event
from frontdesk.tickets.models import (
    Counter,
    Direction,
    EntryKind,
    Ticket,
    TicketEntry,
    TicketPriority,
    TicketState,
    TicketType,
    ticket_labels,
)
from frontdesk.tickets.staleness import StaleThread, ensure_fresh
from frontdesk.tickets.triggers import TriggerKind, record_trigger
from frontdesk.tickets.viewers import connection_left, set_presence, viewers_of
from frontdesk.users.light_agents import ensure_full_agent
from frontdesk.users.models import User

__all__ = ["StaleThread", "connection_left", "set_presence", "viewers_of"]

TICKET_COUNTER = "tickets"
MAX_PAGE = 100


class AfterReply(StrEnum):
    """The three buttons under the reply box."""

    send = "send"
    hold = "hold"
    close = "close"


AFTER_REPLY_STATE = {
    AfterReply.send: TicketState.open,
    AfterReply.hold: TicketState.hold,
    AfterReply.close: TicketState.closed,
}


@dataclass(frozen=True, slots=True)
class EntryRef:
    """An entry as other domains refer to it, without loading it: enough to link to it, to find
    its ticket and to announce it."""

    id: int
    ticket_id: int
    kind: EntryKind
    direction: Direction


@dataclass(frozen=True)
class TicketPage:
    tickets: Sequence[Ticket]
    next_cursor: str | None
    # Search results only: each ticket's subject and snippet with the matches marked.
    highlights: Mapping[int, search_highlights.Highlights] = dataclasses.field(default_factory=dict)


async def next_ticket_number(session: AsyncSession) -> int:
    number: int | None = await session.scalar(
        update(Counter)
        .where(Counter.name == TICKET_COUNTER)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    )
    if number is None:
        raise RuntimeError("the ticket counter row is missing; run `frontdesk migrate`")
    return number


async def get_ticket(session: AsyncSession, *, user: User, ticket_id: int) -> Ticket:
    ticket = await session.scalar(queries.visible_tickets(user).where(Ticket.id == ticket_id))
    if ticket is None:
        raise NotFound("No such ticket.")
    return ticket


async def get_ticket_by_id(session: AsyncSession, *, ticket_id: int) -> Ticket | None:
    return await session.get(Ticket, ticket_id)


async def get_tickets_by_id(
    session: AsyncSession, *, ticket_ids: Collection[int]
) -> dict[int, Ticket]:
    """For system paths: several tickets with one query; ids of no ticket are left out."""
    if not ticket_ids:
        return {}
    tickets = await session.scalars(statements.TICKETS_BY_ID, {"p_ids": list(ticket_ids)})
    return {ticket.id: ticket for ticket in tickets}


async def hidden_customers(
    session: AsyncSession, *, user: User, tickets: Sequence[Ticket]
) -> set[int]:
    """The customers of these tickets (which `user` sees) whose record `user` may not see. A
    ticket that shows its customer shows them to everyone who sees the ticket, so only the
    others are looked up."""
    unsure = {ticket.customer_id for ticket in tickets if not ticket.shows_customer}
    return unsure - await customers_service.visible_ids(session, user=user, customer_ids=unsure)


async def list_tickets(
    session: AsyncSession,
    *,
    user: User,
    criteria: queries.TicketFilter,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 25,
    updated_since: datetime | None = None,
) -> TicketPage:
    """With `criteria.text`, the tickets it finds, best first unless another `sort` is asked
    for (docs/search.md). On SQLite the search runs on a read-only connection of its own, off
    the event loop (search/reader.py); the page's tickets are then loaded by id. A cursor
    continues only the list that gave it: same sort (which it supplies when `sort` is left
    out) and same filters. `updated_since`, or a sync's cursor: a sync (`_sync_page`)."""
    limit = max(1, min(limit, MAX_PAGE))
    kinds = (*queries.SORTS, queries.RELEVANCE)
    if sort is not None and sort not in kinds:
        raise Invalid("sort", f"Sort by one of: {', '.join(queries.SORTS)}.")
    digest = queries.filters_digest(criteria)
    given = cursors.decode(cursor) if cursor else None
    if given is not None and given.kind not in (*kinds, queries.SYNC):
        raise Invalid("cursor", cursors.NOT_A_CURSOR)
    if updated_since is not None or (given is not None and given.kind == queries.SYNC):
        return await _sync_page(
            session,
            user=user,
            criteria=criteria,
            sort=sort,
            given=given,
            updated_since=updated_since,
            digest=digest,
            limit=limit,
        )
    if given is not None:
        sort = sort or given.kind
        cursors.ensure_continues(given, kind=sort, filters_digest=digest)
    if not criteria.text:
        sort = sort or "-updated_at"
        if sort == queries.RELEVANCE:
            raise Invalid("sort", "Results are sorted by relevance only when searching (q).")
        after = (
            queries.position_of(given, sort=sort)
            if given
            else queries.first_position(sort, dialect=session.get_bind().dialect.name)
        )
        walk = (
            await organisations_queries.walks(session, organisation_id=criteria.organisation_id)
            if criteria.organisation_id is not None
            else None
        )
        statement = queries.page(
            queries.filtered(user, criteria, walk=walk), sort=sort, after=after, limit=limit
        )
        rows = (await session.scalars(statement)).all()
        more = len(rows) > limit
        tickets = rows[:limit]
        next_cursor = (
            queries.cursor_after(tickets[-1], sort=sort, filters_digest=digest) if more else None
        )
        return TicketPage(tickets=tickets, next_cursor=next_cursor)

    sort = sort or queries.RELEVANCE
    dialect = session.get_bind().dialect.name
    terms = search_terms.parse(criteria.text)
    found = queries.text_search(user, terms, dialect=dialect)
    if found is None:
        # Only punctuation: no word to look for.
        return TicketPage(tickets=[], next_cursor=None)
    query = queries.filtered(user, criteria, found=found)
    offset = 0
    if sort == queries.RELEVANCE:
        offset = queries.rank_offset(given) if given else 0
        statement = queries.ranked_page(query, found, offset=offset, limit=limit)
    else:
        after = queries.position_of(given, sort=sort) if given else None
        statement = queries.page(query, sort=sort, after=after, limit=limit)
    (found_rows,) = await search_reader.read(
        session,
        statement.with_only_columns(Ticket.id, maintain_column_froms=True),
        parameters=search_queries.values(terms, dialect=dialect),
    )
    ids = [row[0] for row in found_rows]
    more = len(ids) > limit
    ids = ids[:limit]
    loaded = await get_tickets_by_id(session, ticket_ids=ids)
    # A ticket deleted between the search and now is left out.
    tickets = [loaded[ident] for ident in ids if ident in loaded]
    next_cursor = None
    if more and tickets:
        if sort == queries.RELEVANCE:
            next_cursor = queries.rank_cursor(offset + limit, filters_digest=digest)
        else:
            next_cursor = queries.cursor_after(tickets[-1], sort=sort, filters_digest=digest)
    return TicketPage(
        tickets=tickets,
        next_cursor=next_cursor,
        highlights=await search_highlights.highlights(session, terms=terms, tickets=tickets),
    )


async def _sync_page(
    session: AsyncSession,
    *,
    user: User,
    criteria: queries.TicketFilter,
    sort: str | None,
    given: cursors.Cursor | None,
    updated_since: datetime | None,
    digest: str,
    limit: int,
) -> TicketPage:
    """The tickets changed since the position, oldest change first, up to the horizon past which
    a transaction may still be writing (tickets/sync.py); the cursor is never null, even on the
    last page: it is where the next sync starts. A ticket changed again moves to its new place
    and comes again."""
    if updated_since is not None and given is not None:
        raise Invalid(
            "cursor", "Give updated_since only to start a sync; continue it with cursor alone."
        )
    if criteria.text:
        # Search results are capped: a sync through them could leave changes out.
        raise Invalid("q", "A sync (updated_since) cannot be combined with q.")
    if sort not in (None, "updated_at"):
        raise Invalid(
            "sort", "A sync (updated_since) is sorted by updated_at, oldest change first."
        )
    if given is not None:
        cursors.ensure_continues(given, kind=queries.SYNC, filters_digest=digest)
        after = queries.position_of(given, sort="updated_at")
    else:
        # Started by `updated_since` (the caller's test): every ticket updated then or later,
        # since ids start at 1.
        after = (updated_since, 0)
    until = await sync.horizon(session)
    statement = queries.page(
        queries.filtered(user, criteria, sync=True),
        sort="updated_at",
        after=after,
        limit=limit,
        until=until,
    )
    rows = (await session.scalars(statement)).all()
    tickets = rows[:limit]
    position = (tickets[-1].updated_at, tickets[-1].id) if tickets else after
    return TicketPage(
        tickets=tickets,
        next_cursor=queries.keyset_cursor(position, kind=queries.SYNC, filters_digest=digest),
    )


async def count_tickets(
    session: AsyncSession, *, user: User, inbox_id: int | None
) -> dict[str, int]:
    """The desk's folder counts: one per state, plus open tickets that are mine, unassigned and
    breaching soon. Read from the counters triggers keep (tickets/counts.py), not by counting
    tickets: a count of all a desk's tickets costs O(tickets) on either store."""
    return await counts.folder_counts(
        session,
        user=user,
        inbox_id=inbox_id,
        breaching_before=utcnow() + sla_service.BREACHING_SOON,
    )


async def create_ticket(
    session: AsyncSession,
    *,
    inbox: Inbox,
    customer: Customer,
    subject: str,
    type: TicketType,
    state: TicketState = TicketState.open,
    assignee: User | None = None,
    labels: Sequence[Label] = (),
    filed_by: User | None = None,
    priority: TicketPriority = TicketPriority.normal,
    refresh_sla: bool = True,
    fields: Mapping[str, Any] | None = None,
    reply_address: str | None = None,
    status: TicketStatus | None = None,
) -> Ticket:
    """`filed_by` is the agent filing it by hand; without one, the customer opened it (a chat, an
    email, the contact form). `refresh_sla=False`: the caller works its SLA out once its
    messages are in (a split: `tickets/merging.split_ticket`). `fields`: custom field values
    it is created with, checked as a PATCH checks them (a refusal creates nothing).
    `reply_address`: the customer's address the conversation begins with (the mail's sender,
    New ticket's To, the address a visitor gave), where email replies go while it is one of the
    customer's (mail/outbound.py `recipient_for`); kept as given, checked when mail is sent.
    `status`: a custom status of `state` (checked by the caller, tickets/starting.py)."""
    ensure_full_agent(filed_by)
    if state is TicketState.snoozed:
        # A snooze needs an end time, which only update_ticket checks; without one it never wakes.
        raise Invalid("state", "Create the ticket first, then snooze it until a time.")
    if state is TicketState.spam and filed_by is not None:
        raise Invalid("state", "An agent's ticket is not spam: file it, then mark it spam.")
    if assignee is not None:
        await ensure_assignable(session, inbox_id=inbox.id, user=assignee)
    # Filed on someone the agent cannot see, the ticket reaches them without opening their
    # record to the inbox; whoever could see them was free to share them with it.
    shows_customer = filed_by is None or customer.id in await customers_service.visible_ids(
        session, user=filed_by, customer_ids=[customer.id]
    )
    now = utcnow()
    ticket = Ticket(
        number=await next_ticket_number(session),
        inbox_id=inbox.id,
        customer_id=customer.id,
        subject=subject.strip() or "(no subject)",
        type=type,
        state=state,
        priority=priority,
        assignee_id=assignee.id if assignee else None,
        created_at=now,
        updated_at=now,
        closed_at=now if state is TicketState.closed else None,
        # A blocked sender's message arrives as spam (spam/senders.py).
        spam_at=now if state is TicketState.spam else None,
        shows_customer=shows_customer,
        reply_address=normalize_email(reply_address) if reply_address else None,
    )
    # After the constructor set the state: the model's rule drops a status when the state is set.
    if status is not None:
        ticket.status_id = status.id
    session.add(ticket)
    await session.flush()
    if labels:
        await set_labels(session, ticket=ticket, labels=labels)
    if fields:
        # Before the rules that answer its creation, which may read them.
        await field_values.set_values(
            session, object=FieldObject.ticket, record_id=ticket.id, given=fields
        )
    metrics.ticket_created(session, ticket=ticket, filed_by_id=filed_by.id if filed_by else None)
    if refresh_sla:
        await sla_service.refresh(session, ticket=ticket)
    record_ticket_event(session, TicketEvent.created, ticket)
    # Automation rules (rules/engine.py) answer these before the transaction commits.
    record_trigger(session, TriggerKind.created, ticket_id=ticket.id, by_agent=filed_by is not None)
    if labels:
        ids = tuple(label.id for label in labels)
        record_trigger(session, TriggerKind.label_added, ticket_id=ticket.id, label_ids=ids)
    # Filed by hand for someone else, they are told. A ticket the system writes (a chat's end)
    # goes to the agent who ended it: nobody to tell.
    if assignee is not None and filed_by is not None:
        await _tell_assignee(session, ticket=ticket, actor=filed_by)
    return ticket


async def _tell_assignee(session: AsyncSession, *, ticket: Ticket, actor: User | None) -> None:
    if ticket.assignee_id is None:
        return
    await notifications_service.ticket_assigned(
        session,
        ticket_id=ticket.id,
        inbox_id=ticket.inbox_id,
        number=ticket.number,
        subject=ticket.subject,
        assignee_id=ticket.assignee_id,
        actor=actor,
    )


async def tell_customer_replied(
    session: AsyncSession, *, replies: Sequence[tuple[Ticket, str]]
) -> None:
    """Customers' messages that reached these tickets: their assignees and followers are told."""
    await notifications_service.customers_replied(
        session,
        replies=[
            notifications_service.CustomerReply(
                ticket_id=ticket.id,
                inbox_id=ticket.inbox_id,
                number=ticket.number,
                subject=ticket.subject,
                assignee_id=ticket.assignee_id,
                text=text,
            )
            for ticket, text in replies
            # Nobody is told of spam (docs/desk.md, "Spam").
            if ticket.state is not TicketState.spam
        ],
    )


async def assignee_by_id(session: AsyncSession, *, user_id: int) -> User:
    """The user a request names as assignee: an unknown one is a bad value of its body (422 on
    `assignee_id`, like an unknown label), not a missing page."""
    user = await session.get(User, user_id)
    if user is None:
        raise Invalid("assignee_id", f"No user has the id {user_id}.")
    return user


async def ensure_assignable(session: AsyncSession, *, inbox_id: int, user: User) -> None:
    if not user.is_active:
        raise Invalid("assignee_id", f"{user.name} is deactivated.")
    if user.is_light_agent:
        raise Invalid(
            "assignee_id",
            f"{user.name} is a light agent: light agents add notes and are never assigned tickets.",
        )
    if not await inboxes_service.is_member(session, user=user, inbox_id=inbox_id):
        raise Invalid("assignee_id", f"{user.name} is not a member of this ticket's inbox.")


def ensure_not_spam(ticket: Ticket, *, doing: str) -> None:
    """Spam is left only by "Not spam" (spam/service.py), which decides what it becomes."""
    if ticket.state is TicketState.spam:
        raise Conflict(
            f"This ticket is spam: mark it not spam before {doing}.", code="ticket_is_spam"
        )


def ensure_not_merged(ticket: Ticket, *, write: str) -> None:
    """What an agent writes on a ticket merged into another (by a merge, or an undone split,
    maybe while they wrote) would stay on a closed ticket nobody reads: refused, as a reply is.
    `ticket` read under its row lock, so that the merge comes wholly before or after."""
    if ticket.merged_into_id is not None:
        raise Conflict(
            f"This ticket was merged into another one; write the {write} there.",
            code="ticket_merged",
        )


def ensure_transition(ticket: Ticket, *, to: TicketState, snoozed_until: datetime | None) -> None:
    """Every state is reachable from every other, but a snooze needs a time in the future; spam
    is entered and left only through spam/service.py (blocking, audit, no rules)."""
    if to is TicketState.spam and ticket.state is not TicketState.spam:
        raise Invalid(
            "state",
            "Mark the ticket spam with POST /api/v1/tickets/{id}/spam, not by its state.",
        )
    if to is not TicketState.spam:
        ensure_not_spam(ticket, doing="changing its state")
    if to is TicketState.snoozed:
        if snoozed_until is None:
            raise Invalid("snoozed_until", "Say until when the ticket is snoozed.")
        if snoozed_until <= utcnow():
            raise Invalid("snoozed_until", "The snooze must end in the future.")
    elif snoozed_until is not None:
        raise Invalid("snoozed_until", "Only a snoozed ticket has a snooze time.")


async def update_ticket(
    session: AsyncSession,
    *,
    actor: User | None,
    ticket: Ticket,
    subject: str | None = None,
    state: TicketState | None = None,
    snoozed_until: datetime | None = None,
    assignee: User | None = None,
    unassign: bool = False,
    labels: Sequence[Label] | None = None,
    priority: TicketPriority | None = None,
    fields: Mapping[str, Any] | None = None,
    state_line: str | None = None,
    status: TicketStatus | None = None,
    plain_status: bool = False,
) -> Ticket:
    """`state_line`: the timeline's words for a state change made by nobody in the desk (the
    customer's "This is solved" in the portal), instead of "frontdesk set the state to …".
    `status`: a custom status (checked by the caller: statuses/service.py `status_to_set`),
    which sets its state too; `plain_status`: back to the state's plain status. A change to
    another state leaves the custom status (the ticket model's `_state_set`)."""
    ensure_full_agent(actor)
    changes: list[str] = []
    reopened = False
    # What it was before, for webhooks (from what to what): this transaction's first change.
    ticket_changes.remember(session, ticket)
    status_before = ticket.status_id
    if status is not None:
        state = statuses_service.state_of(status, state=state)
    if snoozed_until is not None and state is None:
        state = TicketState.snoozed
    if state is not None:
        # Checked even when the state stays, so a snooze time on an open ticket is refused.
        ensure_transition(ticket, to=state, snoozed_until=snoozed_until)
    if state is not None and (state is not ticket.state or state is TicketState.snoozed):
        await _log(
            session,
            ticket,
            actor,
            (
                f"{_who(actor)} set the status to {status.name}"
                if status is not None
                else state_line
                or f"{_who(actor)} set the state to {statuses_service.plain_name(state)}"
            ),
            state=state.value,
            **({"status_id": status.id} if status is not None else {}),
        )
        closed_before = ticket.closed_at is not None
        _apply_state(ticket, state, snoozed_until)
        reopened = closed_before and ticket.closed_at is None
        record_trigger(session, TriggerKind.state_changed, ticket_id=ticket.id, state=state.value)
        await metrics.ticket_state_changed(
            session,
            ticket=ticket,
            closed_before=closed_before,
            user_id=actor.id if actor else None,
            at=ticket.closed_at or utcnow(),
        )
        changes.append("state")
    if status is not None and ticket.status_id != status.id:
        if "state" not in changes:
            await _log(
                session,
                ticket,
                actor,
                f"{_who(actor)} set the status to {status.name}",
                status_id=status.id,
            )
        ticket.status_id = status.id
    elif plain_status and status is None and ticket.status_id is not None:
        ticket.status_id = None
        plain = statuses_service.plain_name(ticket.state)
        await _log(
            session, ticket, actor, f"{_who(actor)} set the status to {plain}", status_id=None
        )
    if ticket.status_id != status_before:
        changes.append("status")
    if subject is not None and subject.strip() != ticket.subject:
        if not subject.strip():
            raise Invalid("subject", "The subject cannot be empty.", field_code="required")
        ticket.subject = subject.strip()
        changes.append("subject")
    if (unassign and ticket.assignee_id is not None) or (
        assignee is not None and assignee.id != ticket.assignee_id
    ):
        # Nobody works on spam: an assignment would notify someone of junk (docs/desk.md).
        ensure_not_spam(ticket, doing="assigning it")
    if unassign and ticket.assignee_id is not None:
        ticket.assignee_id = None
        await _log(session, ticket, actor, f"{_who(actor)} unassigned the ticket", assignee_id=None)
        changes.append("assignee")
    elif assignee is not None and assignee.id != ticket.assignee_id:
        await ensure_assignable(session, inbox_id=ticket.inbox_id, user=assignee)
        ticket.assignee_id = assignee.id
        await _log(
            session,
            ticket,
            actor,
            f"{_who(actor)} assigned the ticket to {assignee.name}",
            assignee_id=assignee.id,
        )
        changes.append("assignee")
        await _tell_assignee(session, ticket=ticket, actor=actor)
    elif reopened and await _unassign_unseeing(session, ticket, actor):
        changes.append("assignee")
    if labels is not None and await _relabel(session, ticket, actor, labels):
        changes.append("labels")
    if priority is not None and priority is not ticket.priority:
        ticket.priority = priority
        await _log(
            session,
            ticket,
            actor,
            f"{_who(actor)} set the priority to {priority.value}",
            priority=priority.value,
        )
        changes.append("priority")
    if fields and await _set_fields(session, ticket, actor, fields):
        changes.append("fields")
    if {"labels", "priority"} & set(changes):
        # SLA policies are chosen by priority and label (a state change refreshed already).
        await sla_service.refresh(session, ticket=ticket)
    if "assignee" in changes or ("state" in changes and ticket.state is not TicketState.open):
        # Put aside or handed to someone: frontdesk never moves it on again, even once it is
        # open with the same assignee (auto-assignment re-tracks what it assigns itself).
        await assignment_tracking.forget_ticket(session, ticket_id=ticket.id)
    if changes:
        ticket.updated_at = utcnow()
        await session.flush()
        record_ticket_event(session, TicketEvent.updated, ticket, changes=changes, by=actor)
    return ticket


async def _unassign_unseeing(session: AsyncSession, ticket: Ticket, actor: User | None) -> bool:
    """A closed ticket keeps an assignee who no longer sees it (tickets/departures.py): who
    handled it stays on record. Opened again, it opens unassigned, for its inbox to take."""
    if ticket.assignee_id is None or await inboxes_service.who_sees(
        session, user_ids=[ticket.assignee_id], inbox_id=ticket.inbox_id
    ):
        return False
    gone = await session.get(User, ticket.assignee_id)
    inbox = await session.get(Inbox, ticket.inbox_id)
    name = gone.name if gone is not None else "the assignee"
    if gone is not None and not gone.is_active:
        said = f"Unassigned: {name} is deactivated"
    else:
        said = f"Unassigned: {name} is not a member of {inbox.name if inbox else 'the inbox'}"
    ticket.assignee_id = None
    await _log(
        session,
        ticket,
        actor,
        said,
        assignee_id=None,
    )
    return True


async def _relabel(
    session: AsyncSession, ticket: Ticket, actor: User | None, labels: Sequence[Label]
) -> bool:
    """Sets the ticket's labels, with one timeline line naming what was added and removed;
    False, and nothing written, when the set stays the same."""
    before = {
        label.id: label for label in (await labels_of(session, ticket_ids=[ticket.id]))[ticket.id]
    }
    after = {label.id: label for label in labels}
    added = [after[i].name for i in after if i not in before]
    removed = [before[i].name for i in before if i not in after]
    if not added and not removed:
        return False
    ticket_changes.remember_labels(session, ticket_id=ticket.id, label_ids=before)
    await set_labels(session, ticket=ticket, labels=labels)
    if added:
        added_ids = tuple(i for i in after if i not in before)
        record_trigger(session, TriggerKind.label_added, ticket_id=ticket.id, label_ids=added_ids)
    said = [_labels_phrase("added", added)] if added else []
    said += [_labels_phrase("removed", removed)] if removed else []
    await _log(
        session,
        ticket,
        actor,
        f"{_who(actor)} {' and '.join(said)}",
        labels_added=sorted(added),
        labels_removed=sorted(removed),
    )
    return True


async def _set_fields(
    session: AsyncSession, ticket: Ticket, actor: User | None, given: Mapping[str, Any]
) -> bool:
    """Sets the custom field values given, with one timeline line naming each change; False,
    and nothing written, when none changes."""
    await remember_fields(session, ticket_id=ticket.id)
    changed = await field_values.set_values(
        session, object=FieldObject.ticket, record_id=ticket.id, given=given
    )
    if not changed:
        return False
    await _log(
        session,
        ticket,
        actor,
        f"{_who(actor)} {', '.join(field_values.described(each) for each in changed)}",
        fields={each.field.key: [each.before, each.after] for each in changed},
    )
    return True


async def remember_fields(session: AsyncSession, *, ticket_id: int) -> None:
    """The ticket's `fields` as they are, for the webhook's diff (tickets/changes.py), before
    the transaction's first change of them."""
    if not ticket_changes.remembers_fields(session, ticket_id=ticket_id):
        values = await field_values.values_of(session, object=FieldObject.ticket, ids=[ticket_id])
        ticket_changes.remember_fields(session, ticket_id=ticket_id, values=values[ticket_id])


def _labels_phrase(verb: str, names: list[str]) -> str:
    noun = "label" if len(names) == 1 else "labels"
    return f"{verb} the {noun} {', '.join(sorted(names))}"


def record_updated(session: AsyncSession, *, ticket: Ticket, changes: list[str]) -> None:
    record_ticket_event(session, TicketEvent.updated, ticket, changes=changes)


async def log_event(
    session: AsyncSession, *, ticket: Ticket, actor: User | None, text: str, **data: Any
) -> TicketEntry:
    """A line of the ticket's timeline written by another domain (a macro applied, a merge or
    split, later a rule run), beside the lines each change writes itself."""
    return await _log(session, ticket, actor, text, **data)


async def lock_ticket(session: AsyncSession, *, ticket_id: int) -> Ticket | None:
    """The ticket re-read under a row lock, so that changes to one ticket are applied one after
    the other (SQLite: the process's single connection and BEGIN IMMEDIATE serialise)."""
    return await session.scalar(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def lock_visible_ticket(session: AsyncSession, *, user: User, ticket_id: int) -> Ticket:
    """A ticket `user` sees, locked. What another transaction committed while this one waited
    for the lock is what the caller acts on: a ticket moved meanwhile to an inbox `user` does
    not see is "no such ticket", as it would have been a moment later."""
    seen = await get_ticket(session, user=user, ticket_id=ticket_id)
    inbox_id = seen.inbox_id
    ticket = await lock_ticket(session, ticket_id=ticket_id)
    if ticket is None:
        raise NotFound("No such ticket.")
    if ticket.inbox_id != inbox_id:
        await get_ticket(session, user=user, ticket_id=ticket_id)
    return ticket


async def lock_tickets(session: AsyncSession, *, ticket_ids: Sequence[int]) -> dict[int, Ticket]:
    """Each ticket still there, re-read under a row lock, by id: `lock_ticket` for many. In
    order of id, so that two processes locking the same tickets cannot deadlock."""
    tickets = await session.scalars(
        select(Ticket)
        .where(Ticket.id.in_(ticket_ids))
        .order_by(Ticket.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {ticket.id: ticket for ticket in tickets}


def _apply_state(ticket: Ticket, state: TicketState, snoozed_until: datetime | None) -> None:
    ticket.state = state
    ticket.snoozed_until = snoozed_until if state is TicketState.snoozed else None
    ticket.closed_at = utcnow() if state is TicketState.closed else None


def _who(actor: User | None) -> str:
    return actor.name if actor else "frontdesk"


async def merge_chain(session: AsyncSession, *, ticket_id: int) -> list[int]:
    """`ticket_id` and the tickets it was merged into, in turn, along `merged_into_id` to the
    one that holds its thread now (tickets/merging.py); a loop, which the merge guards prevent,
    ends the walk."""
    chain = [ticket_id]
    while True:
        next_id = await session.scalar(select(Ticket.merged_into_id).where(Ticket.id == chain[-1]))
        if next_id is None or next_id in chain:
            return chain
        chain.append(next_id)


async def final_ticket_id(session: AsyncSession, *, ticket_id: int) -> int:
    """Where mail that names `ticket_id` goes: the end of its `merge_chain`."""
    return (await merge_chain(session, ticket_id=ticket_id))[-1]


async def lock_final_ticket(session: AsyncSession, *, user: User, ticket_id: int) -> Ticket:
    """The ticket that holds `ticket_id`'s thread now (itself, or the one it was merged into),
    for a change made through a ticket `user` sees (time logged, a checklist's items). Every
    ticket of the merge chain is locked, in id order as a merge and its undo lock theirs, so that
    neither waits for the other in a circle; a chain that changed while this waited (an undo) is
    locked again as it is now. 404 when the ticket moved meanwhile to an inbox `user` does not
    see, or was deleted."""
    await get_ticket(session, user=user, ticket_id=ticket_id)
    locked: set[int] = set()
    chain = await merge_chain(session, ticket_id=ticket_id)
    while not set(chain) <= locked:
        await lock_tickets(session, ticket_ids=sorted(set(chain) - locked))
        locked |= set(chain)
        chain = await merge_chain(session, ticket_id=ticket_id)
    await get_ticket(session, user=user, ticket_id=ticket_id)
    return await get_ticket(session, user=user, ticket_id=chain[-1])


async def _log(
    session: AsyncSession, ticket: Ticket, actor: User | None, text: str, **data: Any
) -> TicketEntry:
    entry = TicketEntry(
        ticket_id=ticket.id,
        kind=EntryKind.event,
        direction=Direction.outbound,
        author_user_id=actor.id if actor else None,
        text=text,
        data=data,
    )
    session.add(entry)
    return entry


async def set_labels(session: AsyncSession, *, ticket: Ticket, labels: Sequence[Label]) -> None:
    await session.execute(delete(ticket_labels).where(ticket_labels.c.ticket_id == ticket.id))
    if labels:
        await session.execute(
            insert(ticket_labels),
            [
                {"ticket_id": ticket.id, "label_id": label.id}
                for label in {each.id: each for each in labels}.values()
            ],
        )


async def labels_of(session: AsyncSession, *, ticket_ids: Sequence[int]) -> dict[int, list[Label]]:
    result: dict[int, list[Label]] = {ticket_id: [] for ticket_id in ticket_ids}
    if not ticket_ids:
        return result
    rows = await session.execute(
        select(ticket_labels.c.ticket_id, Label)
        .join(Label, Label.id == ticket_labels.c.label_id)
        .where(ticket_labels.c.ticket_id.in_(ticket_ids))
        .order_by(Label.name)
    )
    for ticket_id, label in rows:
        result[ticket_id].append(label)
    return result


@dataclass(frozen=True)
class Timeline:
    """A ticket's newest entries, oldest first, and how many came before them."""

    entries: Sequence[TicketEntry]
    earlier: int
    # What the first entry of all holds, shown or not.
    first_data: Mapping[str, Any] | None

    @property
    def claimed_email(self) -> str | None:
        """The address a website visitor typed when the ticket began, if nothing proved it
        theirs (the chat's transcript says so)."""
        data = self.first_data or {}
        email = data.get("email")
        return email if data.get("verified") is False and isinstance(email, str) else None


async def list_entries(session: AsyncSession, *, ticket: Ticket, newest: int) -> Timeline:
    """The ticket's newest `newest` entries: a ticket's page costs the same whatever its age
    (at 5,000 entries the whole history took 0.34 s to send, docs/performance.md)."""
    in_ticket = TicketEntry.ticket_id == ticket.id
    shown = list(
        await session.scalars(
            select(TicketEntry)
            .where(in_ticket)
            .order_by(TicketEntry.created_at.desc(), TicketEntry.id.desc())
            .limit(newest)
        )
    )
    shown.reverse()
    if len(shown) < newest:
        return Timeline(shown, 0, shown[0].data if shown else None)
    earlier = await session.scalar(
        select(func.count())
        .select_from(TicketEntry)
        .where(
            in_ticket,
            tuple_(TicketEntry.created_at, TicketEntry.id)
            < tuple_(shown[0].created_at, shown[0].id),
        )
    )
    if not earlier:
        return Timeline(shown, 0, shown[0].data)
    first_data = await session.scalar(
        select(TicketEntry.data)
        .where(in_ticket)
        .order_by(TicketEntry.created_at, TicketEntry.id)
        .limit(1)
    )
    return Timeline(shown, earlier, first_data)


def sender_of(direction: Direction, data: Mapping[str, Any] | None) -> str | None:
    """The address an incoming mail came from, as an erasure or an export looks it up
    (`TicketEntry.sender`)."""
    if direction is not Direction.inbound or not data:
        return None
    address = str(data.get("from_address") or "").strip().lower()
    return address[:998] or None


async def add_entry(
    session: AsyncSession,
    *,
    ticket: Ticket,
    kind: EntryKind,
    direction: Direction,
    text: str,
    html: str | None = None,
    author_user: User | None = None,
    author_customer: Customer | None = None,
    message_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> TicketEntry:
    # The ticket's row locked before the entry takes its id, as in `append_entry` (said here,
    # not left to the order in which the flush writes the two; a no-op under a caller's lock).
    await session.execute(select(Ticket.id).where(Ticket.id == ticket.id).with_for_update())
    entry = TicketEntry(
        ticket_id=ticket.id,
        kind=kind,
        direction=direction,
        text=text,
        html=html,
        author_user_id=author_user.id if author_user else None,
        author_customer_id=author_customer.id if author_customer else None,
        message_id=message_id,
        data=data or {},
        sender=sender_of(direction, data),
        created_at=utcnow(),
    )
    session.add(entry)
    ticket.updated_at = entry.created_at
    await session.flush()
    record_ticket_event(session, TicketEvent.entry_added, ticket, entry=entry)
    if kind is EntryKind.reply and direction is Direction.inbound:
        _customer_wrote(session, ticket, customer_id=entry.author_customer_id, data=entry.data)
        await tell_customer_replied(session, replies=[(ticket, text)])
        record_trigger(session, TriggerKind.customer_replied, ticket_id=ticket.id, text=text)
    return entry


async def entries_by_message_id(
    session: AsyncSession, *, message_ids: Sequence[str]
) -> dict[str, EntryRef]:
    """The entries sent or received as these emails, the oldest one for each Message-ID."""
    if not message_ids:
        return {}
    rows = await session.execute(statements.ENTRIES_BY_MESSAGE_ID, {"p_ids": list(message_ids)})
    found: dict[str, EntryRef] = {}
    for message_id, entry_id, ticket_id, kind, direction in rows:
        if message_id is not None and message_id not in found:
            found[message_id] = EntryRef(entry_id, ticket_id, kind, direction)
    return found


async def append_entry(
    session: AsyncSession,
    *,
    ticket: Ticket,
    kind: EntryKind,
    direction: Direction,
    text: str,
    html: str | None = None,
    author_customer_id: int | None = None,
    message_id: str | None = None,
    data: dict[str, Any] | None = None,
    automatic: bool = False,
) -> EntryRef:
    """`add_entry` for the inbound-mail path, which never needs the entry as an object: two Core
    statements instead of a flush of the unit of work. An `automatic` message (an out-of-office,
    a bounce) is no customer's reply: rules do not answer it."""
    now = utcnow()
    # The ticket's row first: its lock orders the entries of a ticket, so an entry's id is
    # larger than that of every entry committed before it (a list's `last_public_entry_id`,
    # tickets/staleness.py); inserted first, its id could be taken before a reply's that
    # commits earlier.
    await session.execute(statements.TOUCH_TICKET, {"p_ticket": ticket.id, "p_at": now})
    entry_id: int = (
        await session.execute(
            statements.INSERT_ENTRY,
            {
                "ticket_id": ticket.id,
                "kind": kind,
                "direction": direction,
                "text": text,
                "html": html,
                "author_user_id": None,
                "author_customer_id": author_customer_id,
                "message_id": message_id,
                "data": data or {},
                "sender": sender_of(direction, data),
                "created_at": now,
            },
        )
    ).scalar_one()
    # The loaded ticket says what the row now says, without the ORM writing it again.
    set_committed_value(ticket, "updated_at", now)
    entry = EntryRef(entry_id, ticket.id, kind, direction)
    record_ticket_event(session, TicketEvent.entry_added, ticket, entry=entry)
    if kind is EntryKind.reply and direction is Direction.inbound:
        _customer_wrote(session, ticket, customer_id=author_customer_id, data=data)
        if not automatic:
            record_trigger(session, TriggerKind.customer_replied, ticket_id=ticket.id, text=text)
    # The inbound path tells the assignee and followers once per batch (mail/receiving.py).
    return entry


def _customer_wrote(
    session: AsyncSession, ticket: Ticket, *, customer_id: int | None, data: dict[str, Any] | None
) -> None:
    """A change nobody else makes in this transaction (their reply reopening the ticket) is the
    customer's, by the address their mail came from (tickets/changes.py)."""
    address = (data or {}).get("from_address")
    ticket_changes.customer_wrote(
        session,
        ticket_id=ticket.id,
        customer_id=customer_id,
        email=address if isinstance(address, str) else None,
    )


async def set_entry_data(session: AsyncSession, *, entry: EntryRef, data: dict[str, Any]) -> None:
    await session.execute(statements.SET_ENTRY_DATA, {"p_entry": entry.id, "p_data": data})


def _ensure_text(text: str, *, limit: int, field: str = "text") -> str:
    if not text.strip():
        raise Invalid(field, "Write something first.", field_code="required")
    if len(text) > limit:
        raise Invalid(field, f"At most {limit} characters.", field_code="too_long", limit=limit)
    return text


async def add_note(
    session: AsyncSession,
    *,
    ticket: Ticket,
    author: User | None,
    text: str,
    limit: int,
    field: str = "text",
    attachment_ids: Sequence[int] = (),
    attachment_limit: int = 0,
) -> TicketEntry:
    """A private note; the agents it @mentions who may see the ticket follow it and are told.
    The entry keeps who was told and whom it named in vain (`mentioned`, `not_notified`), so
    the author sees both. `field`: what the request calls the text, for a refusal.

    `attachment_ids` are uploads of the author on this ticket, checked and taken as a reply
    takes them (files/service.py): the entry lists them (`data.attachments`) and they are read
    through the ticket by its agents only. A note is never mailed, and the customer's pages
    list no note, so none of its files reaches the customer. Like a reply, a note needs text."""
    text = _ensure_text(text, limit=limit, field=field)
    files = (
        await files_service.pending_uploads(
            session, ticket=ticket, author=author, file_ids=attachment_ids, limit=attachment_limit
        )
        if author is not None
        else []
    )
    mentions = await notifications_service.resolve_mentions(
        session, text=text, inbox_id=ticket.inbox_id
    )
    data: dict[str, Any] = {}
    if mentions.told:
        data["mentioned"] = [{"id": user.id, "name": user.name} for user in mentions.told]
    if mentions.refused:
        data["not_notified"] = mentions.refused
    if files:
        data["attachments"] = files_service.summaries(files)
    entry = await add_entry(
        session,
        ticket=ticket,
        kind=EntryKind.note,
        direction=Direction.outbound,
        text=text,
        author_user=author,
        data=data,
    )
    await files_service.attach(session, files=files, entry_id=entry.id)
    if mentions.told:
        await notifications_service.mentioned(
            session,
            mentions=mentions,
            ticket_id=ticket.id,
            inbox_id=ticket.inbox_id,
            number=ticket.number,
            subject=ticket.subject,
            author=author,
            text=text,
            entry_id=entry.id,
        )
    return entry


async def _copied(
    session: AsyncSession,
    *,
    ticket: Ticket,
    lists: dict[str, Sequence[str]],
    leave_out: Collection[str],
) -> dict[str, list[str]]:
    """Each named list of addresses (already valid addresses, normalised by the schema) without
    repeats and without `leave_out` (the main recipients): an address is mailed once. Our own
    addresses are refused (the mail would come back as a new message), and so is a mail to more
    than MAX_EXTRA_RECIPIENTS people besides the main ones."""
    settings = settings_of(session)
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    own = [inbox.email_address] if inbox.email_address else []
    seen = {normalize_email(address) for address in leave_out}
    kept: dict[str, list[str]] = {}
    for field, addresses in lists.items():
        kept[field] = []
        for address in addresses:
            if mail_outbound.is_own_address(settings, address, inbox_addresses=own):
                raise Invalid(field, f"{address} is this desk's own address; it cannot be copied.")
            if normalize_email(address) not in seen:
                seen.add(normalize_email(address))
                kept[field].append(address)
    total = sum(len(addresses) for addresses in kept.values())
    if total > mail_outbound.MAX_EXTRA_RECIPIENTS:
        limit = mail_outbound.MAX_EXTRA_RECIPIENTS
        raise Invalid(
            next(iter(lists)),
            f"At most {limit} recipients besides the customer; this mail has {total}.",
            field_code="too_long",
            limit=limit,
        )
    return kept


@dataclass(frozen=True)
class PreparedReply:
    """A reply checked and not yet written: what `add_reply` writes, or what a held reply
    (pending_replies/service.py) will send at its due time."""

    text: str
    recipient: str
    copied: dict[str, list[str]]
    files: list[StoredFile]


async def prepare_reply(
    session: AsyncSession,
    *,
    ticket: Ticket,
    author: User | None,
    text: str,
    then: AfterReply | None,
    limit: int,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    attachment_ids: Sequence[int] = (),
    attachment_limit: int = 0,
    seen_entry_id: int | None = None,
    snooze_until: datetime | None = None,
) -> PreparedReply:
    """Every check of `add_reply`, in its order, writing nothing: a reply held for "Undo send" is
    refused at once for what would refuse it sent now."""
    text = _ensure_text(text, limit=limit)
    _ensure_snooze(then, snooze_until)
    ensure_not_spam(ticket, doing="replying")
    if ticket.merged_into_id is not None:
        raise Conflict(
            "This ticket was merged into another one; reply there.", code="ticket_merged"
        )
    await ensure_fresh(session, ticket=ticket, seen_entry_id=seen_entry_id)
    recipient = await mail_outbound.recipient_for(session, ticket=ticket)
    if recipient is None:
        raise Conflict(
            "This customer has no email address, so a reply cannot reach them. "
            "Add an address to the customer, or write a note.",
            code="no_recipient",
        )
    copied = await _copied(
        session, ticket=ticket, lists={"cc": cc, "bcc": bcc}, leave_out=[recipient]
    )
    files = (
        await files_service.pending_uploads(
            session, ticket=ticket, author=author, file_ids=attachment_ids, limit=attachment_limit
        )
        if author is not None
        else []
    )
    return PreparedReply(text=text, recipient=recipient, copied=copied, files=files)


async def add_reply(
    session: AsyncSession,
    *,
    ticket: Ticket,
    author: User | None,
    text: str,
    then: AfterReply | None,
    limit: int,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    attachment_ids: Sequence[int] = (),
    attachment_limit: int = 0,
    seen_entry_id: int | None = None,
    data: Mapping[str, Any] | None = None,
    snooze_until: datetime | None = None,
    signature: bool = True,
) -> TicketEntry:
    """The entry, its outbox row and the state change happen together or not at all. The Cc
    given becomes the ticket's: the next reply offers it again. `attachment_ids` are uploads of
    the author on this ticket (files/service.py), sent with the mail. With `seen_entry_id`, a
    thread that gained public entries after it refuses the reply (tickets/staleness.py).

    Without an author, the system sends it (an automation rule; `data` names the rule): signed
    by the inbox alone, and it answers nothing a person must answer, so it is no response in
    the reports nor for SLAs, verifies no address, assigns nobody, and with `then` None leaves
    the state as it is (docs/routing.md, "Then").

    With `snooze_until` (then `send` only), the ticket is snoozed once the reply is sent: a
    macro's snooze that waited for its drafted reply (actions/service.py) ends as it would have
    had the macro sent the reply.

    An author's reply ends with the inbox's email signature filled for them, unless
    `signature` is False: the mail carries it below a "-- " line, the entry keeps the text as
    written and the signature it went with (`data.signature`). A rule's reply has none: no agent
    wrote it (docs/email.md, "Signatures")."""
    ensure_full_agent(author)
    prepared = await prepare_reply(
        session,
        ticket=ticket,
        author=author,
        text=text,
        then=then,
        limit=limit,
        cc=cc,
        bcc=bcc,
        attachment_ids=attachment_ids,
        attachment_limit=attachment_limit,
        seen_entry_id=seen_entry_id,
        snooze_until=snooze_until,
    )
    text, recipient, copied, files = (
        prepared.text,
        prepared.recipient,
        prepared.copied,
        prepared.files,
    )
    signed = await _signature_for(session, ticket=ticket, author=author) if signature else None
    entry = await add_entry(
        session,
        ticket=ticket,
        kind=EntryKind.reply,
        direction=Direction.outbound,
        text=text,
        author_user=author,
        data={
            **(data or {}),
            "to": [recipient],
            "cc": copied["cc"],
            "bcc": copied["bcc"],
            "attachments": files_service.summaries(files),
            **({"signature": signed} if signed else {}),
        },
    )
    await files_service.attach(session, files=files, entry_id=entry.id)
    if author is not None:
        await metrics.agent_replied(session, ticket=ticket, user_id=author.id, at=entry.created_at)
    await mail_outbound.queue_reply(
        session,
        ticket=ticket,
        entry=entry,
        author=author,
        cc=copied["cc"],
        bcc=copied["bcc"],
        files=files,
        signature=signed,
    )
    if ticket.cc != copied["cc"]:
        ticket.cc = copied["cc"]
    if author is None:
        if snooze_until is not None:
            await update_ticket(session, actor=None, ticket=ticket, snoozed_until=snooze_until)
        elif then is not None and ticket.state is not AFTER_REPLY_STATE[then]:
            await update_ticket(session, actor=None, ticket=ticket, state=AFTER_REPLY_STATE[then])
        return entry
    # An agent who answers by email judged the address to be the customer's.
    await customers_service.mark_verified(session, customer_id=ticket.customer_id)
    if ticket.assignee_id is None:
        await update_ticket(session, actor=author, ticket=ticket, assignee=author)
    target = AFTER_REPLY_STATE[then or AfterReply.send]
    if snooze_until is not None:
        await update_ticket(session, actor=author, ticket=ticket, snoozed_until=snooze_until)
    elif ticket.state is not target:
        await update_ticket(session, actor=author, ticket=ticket, state=target)
    return entry


async def _signature_for(
    session: AsyncSession, *, ticket: Ticket, author: User | None
) -> str | None:
    """The inbox's signature filled for the author (their own where the inbox has none), or
    None (a rule's reply, no signature)."""
    if author is None:
        return None
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    return signatures.filled(
        inbox.email_signature,
        author_name=author.name,
        inbox_name=inbox.name,
        author_signature=author.email_signature,
    )


def _ensure_snooze(then: AfterReply | None, snooze_until: datetime | None) -> None:
    """Checked before anything is written: a refused snooze sends no reply either."""
    if snooze_until is None:
        return
    if then not in (None, AfterReply.send):
        raise Invalid(
            "snooze_until",
            "A reply snoozes the ticket only with then: send; hold and close set a state of "
            "their own. Leave snooze_until out, or send with then: send.",
        )
    if snooze_until <= utcnow():
        raise Invalid(
            "snooze_until",
            "The snooze must end in the future: choose a later time, or send without it.",
        )


async def forward_entry(
    session: AsyncSession,
    *,
    ticket: Ticket,
    entry_id: int,
    author: User,
    to: Sequence[str],
    cc: Sequence[str] = (),
    note: str = "",
    limit: int,
    attachment_limit: int = 0,
) -> TicketEntry:
    """An email of the ticket sent on to someone else, recorded on the ticket as an outgoing
    entry that names what it forwards. Its files go along while they fit `attachment_limit`
    together; the others are named in the text. The ticket's state and customer are left as
    they are."""
    ensure_full_agent(author)
    original = await session.scalar(
        select(TicketEntry).where(TicketEntry.id == entry_id, TicketEntry.ticket_id == ticket.id)
    )
    if original is None:
        raise NotFound("No such entry on this ticket.")
    if original.kind is not EntryKind.reply:
        raise Invalid("entry_id", "Only an email of the ticket can be forwarded.")
    if len(note) > limit:
        raise Invalid("text", f"At most {limit} characters.", field_code="too_long", limit=limit)
    if not to:
        raise Invalid("to", "Say whom to forward it to.", field_code="required")
    copied = await _copied(session, ticket=ticket, lists={"to": to, "cc": cc}, leave_out=())
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    files = await mail_outbound.forwarded_files(session, original=original, limit=attachment_limit)
    text = mail_outbound.forwarded_text(
        note=note,
        original=original,
        ticket=ticket,
        sender=inbox.name,
        left_out=files.left_out,
        limit=attachment_limit,
    )
    entry = await add_entry(
        session,
        ticket=ticket,
        kind=EntryKind.reply,
        direction=Direction.outbound,
        text=text,
        author_user=author,
        data={
            "forward_of": original.id,
            "to": copied["to"],
            "cc": copied["cc"],
            "attachments": files.sent,
            "attachments_left_out": files.left_out,
        },
    )
    await mail_outbound.queue_forward(
        session,
        ticket=ticket,
        entry=entry,
        original=original,
        author=author,
        to=copied["to"],
        cc=copied["cc"],
        files=files.outbox,
    )
    return entry


async def claim_due_snoozes(
    session: AsyncSession, *, now: datetime, limit: int
) -> Sequence[Ticket]:
    """Due snoozed tickets, locked so that a second process skips them instead of waking twice."""
    statement = (
        select(Ticket)
        # Only a snoozed ticket has a snooze time: its index gives the due ones, where SQLite
        # without statistics read every snoozed ticket by the state's.
        .where(Unindexed(Ticket.state) == TicketState.snoozed, Ticket.snoozed_until <= now)
        .order_by(Ticket.snoozed_until)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.scalars(statement)).all()


async def wake_snoozed(session: AsyncSession, *, now: datetime, limit: int) -> int:
    woken = 0
    for ticket in await claim_due_snoozes(session, now=now, limit=limit):
        ticket_changes.remember(session, ticket)
        # Guarded by state so a ticket changed since the claim is left alone.
        result = await session.execute(
            update(Ticket)
            .where(Ticket.id == ticket.id, Ticket.state == TicketState.snoozed)
            .values(
                state=TicketState.open, snoozed_until=None, updated_at=now, status_changed_at=now
            )
            .execution_options(synchronize_session="fetch")
        )
        if result.rowcount:  # type: ignore[attr-defined]
            woken += 1
            await _log(
                session, ticket, None, "The snooze ended; the ticket is open again", state="open"
            )
            record_trigger(session, TriggerKind.state_changed, ticket_id=ticket.id, state="open")
            record_ticket_event(session, TicketEvent.updated, ticket, changes=["state"], by=None)
    return woken
