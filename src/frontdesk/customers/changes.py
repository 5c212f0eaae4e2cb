"""What happened to customers in a transaction, for those outside the desk: created, changed
(each field's value before the transaction's first change, and who changed it), merged into
another, deleted. Webhooks tell them (webhooks/capture.py, docs/webhooks.md "Customers"); the
desk hears none of it (an agent reads the customer again).

- **Before.** The code that changes a customer remembers the fields it is about to change first
  (`remember`, called by customers/service.py): the first value a transaction remembers of a
  field wins, so several changes are told from what the customer was before all of them.
  Forgotten when the transaction ends.
- **What happened.** Each change is a `Told` on the session's after-commit list, beside the
  realtime events: a savepoint rolled back drops it with them (db/session.drop_hooks_since), so
  a change undone is never told.
- **Who.** As for tickets (tickets/changes.py): a macro or rule acting, else the agent of the
  request (desk or API), else the system (mail from a new address, a chat, the messenger).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from frontdesk.customers.models import ContactKind, Customer, CustomerContact
from frontdesk.db.session import after_commit
from frontdesk.organisations import queries as organisation_queries
from frontdesk.tickets import changes as ticket_changes
from frontdesk.tickets.changes import ChangeActor

_BEFORE = "customer_changes_before"
# The fields a change of a customer is told by (webhooks' `diff`), as the API names them.
# `fields` (custom fields' values) is remembered by what changes them (`remember_values`).
FIELDS = ("name", "emails", "phones", "attributes", "notes", "verified", "fields", "organisation")


class Kind(enum.StrEnum):
    created = "created"
    updated = "updated"
    merged = "merged"
    deleted = "deleted"


@dataclass(eq=False)
class Told:
    """One thing that happened to a customer, waiting for the commit (where it does nothing:
    webhooks read it before)."""

    kind: Kind
    customer_id: int
    actor: ChangeActor
    # merged: the customer folded into `customer_id`, which is gone now.
    merged_id: int | None = None
    # deleted: "erasure" or "retention".
    reason: str | None = None
    seen: bool = field(default=False)

    async def __call__(self) -> None:
        return None


def actor(session: AsyncSession) -> ChangeActor:
    """Who is changing customers now (the module's docstring): the tickets' rule, whose
    `ticket_id` matters only for a caller that names nobody, which this one never is."""
    return ticket_changes.actor_of(session, ticket_id=0, user=ticket_changes.UNSAID)


def _told(session: AsyncSession, told: Told) -> None:
    after_commit(session, told)


def created(session: AsyncSession, *, customer_id: int) -> None:
    _told(session, Told(Kind.created, customer_id, actor(session)))


async def remember(session: AsyncSession, customer: Customer, *fields: str) -> None:
    """Called before changing `fields` of `customer` (all of them when none is named): their
    values as they are, each unless this transaction remembered it already."""
    remembered: dict[int, dict[str, Any]] = session.info.setdefault(_BEFORE, {})
    values = remembered.setdefault(customer.id, {})
    wanted = [name for name in (fields or FIELDS) if name not in values]
    if not wanted:
        return
    if "emails" in wanted or "phones" in wanted:
        contacts = await contacts_of(session, customer_id=customer.id)
        values.setdefault("emails", contacts[ContactKind.email])
        values.setdefault("phones", contacts[ContactKind.phone])
    scalars = {
        "name": customer.name,
        "attributes": dict(customer.attributes),
        "notes": customer.notes,
        "verified": customer.verified,
    }
    for name in wanted:
        if name in scalars:
            values.setdefault(name, scalars[name])
    if "organisation" in wanted:
        values.setdefault("organisation", await organisation_of(session, customer.organisation_id))


async def organisation_of(session: AsyncSession, organisation_id: int | None) -> Any:
    """A customer's organisation as the API shows it (`{"id", "name"}`), or None."""
    if organisation_id is None:
        return None
    names = await organisation_queries.names_by_id(session, ids=[organisation_id])
    if organisation_id not in names:
        return None
    return {"id": organisation_id, "name": names[organisation_id]}


def remember_values(session: AsyncSession, *, customer_id: int, values: dict[str, Any]) -> None:
    """`remember` for a change made without loading the customer (a guarded update)."""
    remembered: dict[int, dict[str, Any]] = session.info.setdefault(_BEFORE, {})
    kept = remembered.setdefault(customer_id, {})
    for name, value in values.items():
        kept.setdefault(name, value)


def updated(session: AsyncSession, *, customer_id: int, by: ChangeActor | None = None) -> None:
    """`by`: who, when not who is changing customers now (a domain's joining is the system's,
    whoever added the domain)."""
    _told(session, Told(Kind.updated, customer_id, by or actor(session)))


def merged(session: AsyncSession, *, survivor_id: int, merged_id: int) -> None:
    _told(session, Told(Kind.merged, survivor_id, actor(session), merged_id=merged_id))


def deleted(session: AsyncSession, *, customer_ids: Iterable[int], reason: str) -> None:
    """Called by what deletes customers (privacy: an erasure, retention), with their ids."""
    who = actor(session)
    for customer_id in sorted(set(customer_ids)):
        _told(session, Told(Kind.deleted, customer_id, who, reason=reason))


def before(session: AsyncSession, *, customer_id: int) -> dict[str, Any]:
    found: dict[str, Any] = session.info.get(_BEFORE, {}).get(customer_id, {})
    return found


async def contacts_of(session: AsyncSession, *, customer_id: int) -> dict[ContactKind, list[str]]:
    """The customer's addresses and phones, in the order they were added (as the API lists
    them)."""
    found: dict[ContactKind, list[str]] = {ContactKind.email: [], ContactKind.phone: []}
    rows = await session.execute(
        select(CustomerContact.kind, CustomerContact.value)
        .where(CustomerContact.customer_id == customer_id)
        .order_by(CustomerContact.id)
    )
    for kind, value in rows.all():
        found[kind].append(value)
    return found


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_BEFORE, None)
