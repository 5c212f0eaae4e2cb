"""What a `ticket.updated` webhook tells of a change beyond the names of the fields: each field
from what to what, and who changed it (docs/webhooks.md, "ticket.updated").

The values before are the ticket's before the transaction's first change of it, kept by the
code that changes tickets (tickets/changes.py); the values after are the ticket's as the
transaction commits it. A field is in `diff` when the two differ: one changed and changed back
in the same transaction (named in `changes`) has no entry. People and things are shown as the
API names them: an agent by id, name and email; an inbox by id and name; a label as in the
ticket's `labels`; a ticket by id and number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.inboxes.models import Inbox
from frontdesk.labels import service as labels_service
from frontdesk.labels.schemas import LabelRead
from frontdesk.realtime.envelope import iso
from frontdesk.statuses import service as statuses_service
from frontdesk.statuses.schemas import StatusRef
from frontdesk.tickets import changes as ticket_changes
from frontdesk.tickets.changes import ActorKind, ChangeActor
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User

# The change names of `changes` (the desk's words) each field of `diff` belongs to.
CHANGE_OF = {
    "state": "state",
    "snoozed_until": "state",
    "subject": "subject",
    "assignee": "assignee",
    "labels": "labels",
    "priority": "priority",
    "inbox": "inbox",
    "merged": "merged",
    "fields": "fields",
    "status": "status",
}


@dataclass(frozen=True)
class Told:
    """One change of the transaction, in order: who made it, and the fields it names."""

    actor: ChangeActor
    changes: Sequence[str]


async def described(
    session: AsyncSession,
    *,
    ticket_id: int,
    told: Sequence[Told],
    labels_now: list[Any],
    fields_now: dict[str, Any],
) -> dict[str, Any]:
    """`{"actor": …, "diff": {field: {"from", "to", "by"}}}` for the ticket's changes in this
    transaction. `actor` is who made the first of them (what set the others off, such as a
    rule answering an agent's change); each field's `by` who changed it last. `labels_now`: the
    ticket's labels and `fields_now` its custom fields, as its payload shows them."""
    first = told[0].actor if told else ticket_changes.SYSTEM
    ticket = await session.get(Ticket, ticket_id)
    before = ticket_changes.before(session, ticket_id=ticket_id)
    diff: dict[str, dict[str, Any]] = {}
    if ticket is not None and before is not None:
        diff |= await _fields(session, ticket, before)
    labels_then = ticket_changes.labels_before(session, ticket_id=ticket_id)
    if labels_then is not None and labels_then != {label["id"] for label in labels_now}:
        then = await labels_service.labels_by_ids(session, label_ids=sorted(labels_then))
        diff["labels"] = {
            "from": [
                LabelRead.model_validate(label).model_dump(mode="json")
                for label in sorted(then, key=lambda label: (label.name, label.id))
            ],
            "to": labels_now,
        }
    # Custom fields as the payload shows them, every key (a field archived or added meanwhile
    # shows as it is now on both sides, so it differs only by its values).
    fields_then = ticket_changes.fields_before(session, ticket_id=ticket_id)
    if fields_then is not None:
        fields_from = {key: fields_then.get(key, fields_now[key]) for key in fields_now}
        if fields_from != fields_now:
            diff["fields"] = {"from": fields_from, "to": fields_now}
    for name, entry in diff.items():
        entry["by"] = await actor_payload(session, _last_by(told, CHANGE_OF[name]) or first)
    return {"actor": await actor_payload(session, first), "diff": diff}


def _last_by(told: Sequence[Told], change: str) -> ChangeActor | None:
    return next((each.actor for each in reversed(told) if change in each.changes), None)


async def _fields(
    session: AsyncSession, ticket: Ticket, before: ticket_changes.Before
) -> dict[str, dict[str, Any]]:
    diff: dict[str, dict[str, Any]] = {}

    def compare(name: str, then: Any, now: Any) -> None:
        if then != now:
            diff[name] = {"from": then, "to": now}

    compare("state", before.state, ticket.state.value)
    compare("snoozed_until", _moment(before.snoozed_until), _moment(ticket.snoozed_until))
    compare("subject", before.subject, ticket.subject)
    compare("priority", before.priority, ticket.priority.value)
    if before.assignee_id != ticket.assignee_id:
        diff["assignee"] = {
            "from": await _agent(session, before.assignee_id),
            "to": await _agent(session, ticket.assignee_id),
        }
    if before.inbox_id != ticket.inbox_id:
        diff["inbox"] = {
            "from": await _inbox(session, before.inbox_id),
            "to": await _inbox(session, ticket.inbox_id),
        }
    if before.status_id != ticket.status_id:
        # As the payload's `status`: {"id", "name", "state"}, null for the plain status.
        refs = await statuses_service.refs_of(
            session, status_ids=[before.status_id, ticket.status_id]
        )
        diff["status"] = {
            "from": _status(refs, before.status_id),
            "to": _status(refs, ticket.status_id),
        }
    if before.merged_into_id != ticket.merged_into_id:
        diff["merged"] = {
            "from": await _ticket(session, before.merged_into_id),
            "to": await _ticket(session, ticket.merged_into_id),
        }
    return diff


def _status(refs: dict[int, StatusRef], status_id: int | None) -> dict[str, Any] | None:
    if status_id is None:
        return None
    ref = refs.get(status_id)
    return ref.model_dump(mode="json") if ref is not None else {"id": status_id}


def _moment(at: datetime | None) -> str | None:
    return iso(at) if at is not None else None


async def _agent(session: AsyncSession, user_id: int | None) -> dict[str, Any] | None:
    if user_id is None:
        return None
    user = await session.get(User, user_id)
    if user is None:
        return {"id": user_id}
    return {"id": user.id, "name": user.name, "email": user.email}


async def _inbox(session: AsyncSession, inbox_id: int) -> dict[str, Any]:
    inbox = await session.get(Inbox, inbox_id)
    return {"id": inbox_id, "name": inbox.name if inbox is not None else None}


async def _ticket(session: AsyncSession, ticket_id: int | None) -> dict[str, Any] | None:
    if ticket_id is None:
        return None
    ticket = await session.get(Ticket, ticket_id)
    return {"id": ticket_id, "number": ticket.number if ticket is not None else None}


async def actor_payload(session: AsyncSession, actor: ChangeActor) -> dict[str, Any]:
    """Who, as a webhook names them (docs/webhooks.md): `{"type": "agent", "id", "name",
    "email"}`, `{"type": "macro", "id", "name", "agent": {…}}`, `{"type": "rule", "id",
    "name"}`, `{"type": "customer", "id", "email"}` or `{"type": "system"}`."""
    match actor.kind:
        case ActorKind.agent:
            return {"type": "agent"} | (await _agent(session, actor.user_id) or {})
        case ActorKind.macro:
            return {
                "type": "macro",
                "id": actor.source_id,
                "name": actor.source_name,
                "agent": await _agent(session, actor.user_id),
            }
        case ActorKind.rule:
            return {"type": "rule", "id": actor.source_id, "name": actor.source_name}
        case ActorKind.customer:
            return {"type": "customer", "id": actor.customer_id, "email": actor.email}
        case ActorKind.system:
            return {"type": "system"}
