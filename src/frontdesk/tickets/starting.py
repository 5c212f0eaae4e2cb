"""An agent files a ticket (`POST /tickets`), optionally emailing the customer first: the ticket
and its first reply are written in one transaction, or nothing is (docs/desk.md, "Starting a
conversation")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.customers import service as customers_service
from frontdesk.errors import Invalid
from frontdesk.inboxes import service as inboxes_service
from frontdesk.labels import service as labels_service
from frontdesk.statuses import service as statuses_service
from frontdesk.statuses.models import TicketStatus
from frontdesk.tickets import service
from frontdesk.tickets.models import Ticket, TicketPriority, TicketState, TicketType
from frontdesk.users.models import User


@dataclass(frozen=True, slots=True)
class FirstMessage:
    """The email that opens the conversation, sent as the agent's reply on the new ticket."""

    text: str
    then: service.AfterReply = service.AfterReply.send
    signature: bool = True


@dataclass(frozen=True, slots=True)
class NewTicket:
    inbox_id: int
    subject: str
    customer_id: int | None = None
    customer_email: str | None = None
    customer_name: str = ""
    type: TicketType = TicketType.email
    state: TicketState | None = None
    # A custom status, which sets the state (statuses/).
    status_id: int | None = None
    priority: TicketPriority = TicketPriority.normal
    assignee_id: int | None = None
    label_ids: Sequence[int] = ()
    note: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    message: FirstMessage | None = None


async def start_ticket(session: AsyncSession, *, user: User, new: NewTicket, limit: int) -> Ticket:
    """The ticket `user` files. With a `message`, it is the ticket's first entry: sent through
    `service.add_reply` like any reply of the agent's (signature, outbox, threading headers,
    metric moments, the author assigned when nobody is, the state its `then` says), at once,
    never held for Undo send: a new ticket has no thread to take it back from. A refusal of
    the reply raises inside the request's transaction, so no ticket is left without it.
    `state` is the ticket's without a message; with one, `then` decides it (422 for both).
    `status_id` sets the state as `PATCH` does (with a message, one of the state its `then`
    says, which keeps it): checked before anything is written."""
    if new.message is not None:
        _ensure_message(new.message, state=new.state, limit=limit)
    status = await _status(session, new=new)
    state = TicketState(status.state.value) if status is not None else new.state
    inbox = await inboxes_service.get_inbox(session, user=user, inbox_id=new.inbox_id)
    customer = await customers_service.customer_for_ticket(
        session,
        user=user,
        customer_id=new.customer_id,
        email=new.customer_email,
        name=new.customer_name,
    )
    if (
        new.message is not None
        and await customers_service.primary_email(session, customer=customer) is None
    ):
        raise Invalid(
            "customer",
            "This customer has no email address, so the message cannot reach them. Give an "
            "address, or create the ticket without a message.",
            field_code="required",
        )
    assignee = (
        await service.assignee_by_id(session, user_id=new.assignee_id)
        if new.assignee_id is not None
        else None
    )
    ticket = await service.create_ticket(
        session,
        inbox=inbox,
        customer=customer,
        subject=new.subject,
        type=new.type,
        state=state or TicketState.open,
        status=status,
        assignee=assignee,
        labels=await labels_service.labels_by_ids(session, label_ids=list(new.label_ids)),
        filed_by=user,
        priority=new.priority,
        fields=new.fields,
        # The address the agent wrote to (To), when they gave one: their message goes there.
        reply_address=new.customer_email,
    )
    if new.message is not None:
        await service.add_reply(
            session,
            ticket=ticket,
            author=user,
            text=new.message.text,
            then=new.message.then,
            limit=limit,
            signature=new.message.signature,
        )
    if new.note:
        await service.add_note(
            session, ticket=ticket, author=user, text=new.note, limit=limit, field="note"
        )
    return ticket


async def _status(session: AsyncSession, *, new: NewTicket) -> TicketStatus | None:
    if new.status_id is None:
        return None
    status = await statuses_service.status_to_set(session, status_id=new.status_id)
    if new.message is None:
        statuses_service.state_of(status, state=new.state)  # they agree, or 422
        return status
    # With a message, its `then` decides the state, as after any reply: the status must be one
    # of that state's (a hold status goes with `then: hold`), which the reply then keeps.
    if service.AFTER_REPLY_STATE[new.message.then].value != status.state.value:
        then = next(
            k for k, v in service.AFTER_REPLY_STATE.items() if v.value == status.state.value
        )
        raise Invalid(
            "status_id",
            f"The status “{status.name}” is one of the state {status.state.value}: with a "
            f"message, send it with `then: {then.value}`, or leave status_id out.",
        )
    return status


def _ensure_message(message: FirstMessage, *, state: TicketState | None, limit: int) -> None:
    """Checked before anything is written, and named as the request names it."""
    if not message.text.strip():
        raise Invalid("message.text", "Write the message first.", field_code="required")
    if len(message.text) > limit:
        raise Invalid(
            "message.text", f"At most {limit} characters.", field_code="too_long", limit=limit
        )
    if state is not None:
        raise Invalid(
            "state",
            "With a message, the ticket's state follows `then`, as after any reply: leave "
            "state out.",
        )
