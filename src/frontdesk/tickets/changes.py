"""What a ticket's change was, for those outside the desk: each field's value before the
transaction's first change of the ticket, and who made each change. Webhooks tell both
(webhooks/changes.py, docs/webhooks.md "ticket.updated"); the desk's own event names the fields
only, since a desk reads the ticket again.

- **Before.** The code that changes a ticket remembers its fields first (`remember`,
  `remember_labels`): `tickets/service.update_ticket`, `wake_snoozed`, `tickets/transfers.py`,
  `tickets/merging.py`. The first call of a transaction wins, so several changes in one
  transaction (an agent's, then a rule's answering it) are told from what the ticket was before
  all of them. Forgotten when the transaction ends.
- **Who.** Decided with the audit log's words for the same people (audit/context.py): an agent;
  a macro (and the agent who applied it) or an automation rule, named for what they did inside
  `acting`; the customer, when their email reached the ticket in the transaction of a change no
  agent made (their reply reopened it); else the system (a timer, auto-assignment, a snooze that
  ended). A change whose caller names nobody (a merge) is the request's agent, as the audit log
  records it, or the system outside a request.
- **Deleted.** What deletes tickets (privacy: an erasure, retention) says which (`deleted`), for
  webhooks' `ticket.deleted`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from frontdesk.audit import context as audit_context
from frontdesk.db.session import after_commit
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User

_BEFORE = "ticket_changes_before"
_LABELS = "ticket_changes_labels"
_CUSTOMER = "ticket_changes_customer"
_ACTING = "ticket_changes_acting"
_FIELDS = "ticket_changes_fields"
# What one transaction remembered; forgotten when it ends (`_forget`).
_PER_TRANSACTION = (_BEFORE, _LABELS, _CUSTOMER, _FIELDS)


@dataclass(frozen=True, slots=True)
class Before:
    """A ticket's fields as they were before the transaction changed them."""

    state: str
    snoozed_until: datetime | None
    subject: str
    assignee_id: int | None
    priority: str
    inbox_id: int
    merged_into_id: int | None
    status_id: int | None = None


def remember(session: AsyncSession, ticket: Ticket) -> None:
    """Called before changing `ticket`: its fields as they are, unless this transaction
    remembered them already."""
    remembered: dict[int, Before] = session.info.setdefault(_BEFORE, {})
    if ticket.id not in remembered:
        remembered[ticket.id] = Before(
            state=ticket.state.value,
            snoozed_until=ticket.snoozed_until,
            subject=ticket.subject,
            assignee_id=ticket.assignee_id,
            priority=ticket.priority.value,
            inbox_id=ticket.inbox_id,
            merged_into_id=ticket.merged_into_id,
            status_id=ticket.status_id,
        )


def remember_labels(session: AsyncSession, *, ticket_id: int, label_ids: Iterable[int]) -> None:
    """Called before changing the ticket's labels (a table of their own): their ids as they
    are, unless this transaction remembered them already."""
    remembered: dict[int, frozenset[int]] = session.info.setdefault(_LABELS, {})
    if ticket_id not in remembered:
        remembered[ticket_id] = frozenset(label_ids)


def remembers_fields(session: AsyncSession, *, ticket_id: int) -> bool:
    return ticket_id in session.info.get(_FIELDS, {})


def remember_fields(session: AsyncSession, *, ticket_id: int, values: Mapping[str, Any]) -> None:
    """Called before changing the ticket's custom field values (rows of their own): its
    `fields` as they are, unless this transaction remembered them already."""
    remembered: dict[int, dict[str, Any]] = session.info.setdefault(_FIELDS, {})
    remembered.setdefault(ticket_id, dict(values))


def fields_before(session: AsyncSession, *, ticket_id: int) -> dict[str, Any] | None:
    found: dict[str, Any] | None = session.info.get(_FIELDS, {}).get(ticket_id)
    return found


def before(session: AsyncSession, *, ticket_id: int) -> Before | None:
    found: Before | None = session.info.get(_BEFORE, {}).get(ticket_id)
    return found


def labels_before(session: AsyncSession, *, ticket_id: int) -> frozenset[int] | None:
    found: frozenset[int] | None = session.info.get(_LABELS, {}).get(ticket_id)
    return found


# --- who -----------------------------------------------------------------------------------------


class ActorKind(StrEnum):
    agent = "agent"
    macro = "macro"
    rule = "rule"
    customer = "customer"
    system = "system"


@dataclass(frozen=True, slots=True)
class ChangeActor:
    """Who made a change, by id: names are read when it is told (webhooks/changes.py)."""

    kind: ActorKind
    # The agent; for a macro, the agent who applied it.
    user_id: int | None = None
    # The macro or rule, with its name as it ran.
    source_id: int | None = None
    source_name: str | None = None
    # The customer, and the address their email came from.
    customer_id: int | None = None
    email: str | None = None


SYSTEM = ChangeActor(ActorKind.system)


def agent(user: User) -> ChangeActor:
    return ChangeActor(ActorKind.agent, user_id=user.id)


@contextmanager
def acting(session: AsyncSession, actor: ChangeActor) -> Iterator[None]:
    """Every change of a ticket inside is `actor`'s (a macro's or a rule's), whatever agent or
    nobody the functions it calls are given."""
    stack: list[ChangeActor] = session.info.setdefault(_ACTING, [])
    stack.append(actor)
    try:
        yield
    finally:
        stack.pop()


def customer_wrote(
    session: AsyncSession, *, ticket_id: int, customer_id: int | None, email: str | None
) -> None:
    """The customer's message reached the ticket in this transaction."""
    session.info.setdefault(_CUSTOMER, {})[ticket_id] = ChangeActor(
        ActorKind.customer, customer_id=customer_id, email=email
    )


class Unsaid:
    """The caller did not say who acted (not even "nobody")."""


UNSAID = Unsaid()


def actor_of(session: AsyncSession, *, ticket_id: int, user: User | Unsaid | None) -> ChangeActor:
    """Who made a change of the ticket now: see the module's docstring. `user` is the agent the
    changing function was given, None for nobody, UNSAID when it was given none."""
    stack: list[ChangeActor] = session.info.get(_ACTING, [])
    if stack:
        return stack[-1]
    if isinstance(user, User):
        return agent(user)
    if isinstance(user, Unsaid):
        acting_now = audit_context.current_actor()
        if acting_now.user_id is not None:
            return ChangeActor(ActorKind.agent, user_id=acting_now.user_id)
        return SYSTEM
    customer: ChangeActor | None = session.info.get(_CUSTOMER, {}).get(ticket_id)
    return customer or SYSTEM


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        for key in _PER_TRANSACTION:
            session.info.pop(key, None)


def private_data(actor: ChangeActor) -> dict[str, Any]:
    """What a `ticket.updated` publication carries for webhooks alone (never published)."""
    return {"actor": actor}


def actor_in(private: Mapping[str, Any]) -> ChangeActor | None:
    """Who made the change a `ticket.updated` publication carries (`private_data`)."""
    found = private.get("actor")
    return found if isinstance(found, ChangeActor) else None


# --- deleted -------------------------------------------------------------------------------------


@dataclass(eq=False)
class Deleted:
    """A ticket deleted (an erasure, retention), waiting for the commit, where it does nothing:
    webhooks read it before (`ticket.deleted`). On the after-commit list, so that a savepoint
    rolled back drops it with the deletion."""

    ticket_id: int
    number: int
    reason: str
    # The inbox it was in: webhooks for some inboxes only hear of their own tickets' deletion.
    inbox_id: int | None = None
    seen: bool = field(default=False)

    async def __call__(self) -> None:
        return None


def deleted(session: AsyncSession, *, tickets: Iterable[tuple[int, int, int]], reason: str) -> None:
    """Called by what deletes tickets (privacy/deletion.py), with their (id, number, inbox)."""
    for ticket_id, number, inbox_id in tickets:
        after_commit(session, Deleted(ticket_id, number, reason, inbox_id))
