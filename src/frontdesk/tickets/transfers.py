"""Moving a ticket to another inbox, and what the move reconsiders (docs/desk.md, "Moving a
ticket to another inbox"; docs/routing.md for the SLA and assignment rules).

The ticket keeps its number, customer, thread, labels, followers and reply address: the
customer's answers to earlier mail still continue it. What belongs to an inbox is taken again
from the new one: who may be assigned (an assignee who cannot see it is unassigned, and an
unassigned open ticket is handed out by the new inbox's auto-assignment), the SLA policy and
business hours, the address later mail is sent from, and the moments reports count from now on.

The caller holds the ticket's row lock (`tickets/service.lock_visible_ticket`), so a move and
any other change of the same ticket happen one after the other, and the second sees the first.

Who hears of it: an assignee the move unassigns is told (they lose sight of the ticket, so the
notification keeps none of its words: notifications/service.py `unassigned_by_move`); a target
already late recorded as the old inbox's breach is told like any breach nobody was warned of,
to whoever has the ticket after the move, or the new inbox's members while nobody does.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.assignment import service as assignment_service
from frontdesk.audit import context as audit_context
from frontdesk.audit import service as audit
from frontdesk.errors import Conflict
from frontdesk.inboxes import service as inboxes_service
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.mail import outbound as mail_outbound
from frontdesk.metrics import record as metrics
from frontdesk.notifications import service as notifications_service
from frontdesk.sla import service as sla_service
from frontdesk.tickets import changes as ticket_changes
from frontdesk.tickets import service, viewers
from frontdesk.tickets.events import TicketEvent, record_ticket_event
from frontdesk.tickets.models import Ticket
from frontdesk.users.models import User


async def target_inbox(session: AsyncSession, *, actor: User | None, inbox_id: int) -> Inbox:
    """The inbox a ticket is to move to: one `actor` sees (404 otherwise, as for anything they
    may not see); the system (a rule) may name any."""
    if actor is None:
        return await inboxes_service.get_inbox_by_id(session, inbox_id=inbox_id)
    return await inboxes_service.get_inbox(session, user=actor, inbox_id=inbox_id)


async def move_to_inbox(
    session: AsyncSession,
    *,
    actor: User | None,
    ticket: Ticket,
    inbox: Inbox,
    reassigning: bool = False,
) -> bool:
    """Moves the locked `ticket` (which `actor` sees) to `inbox` (which they see too: see
    `target_inbox`); False when it is there already. With `reassigning`, the caller assigns
    someone right after (the same request), so an assignee who cannot see the new inbox is left
    for that to replace instead of being unassigned first."""
    if ticket.inbox_id == inbox.id:
        return False
    if ticket.merged_into_id is not None:
        raise Conflict(
            f"Ticket #{ticket.number} was merged into another ticket; move that one instead.",
            code="ticket_merged",
        )
    # Its inbox and assignee before, for webhooks (from what to what).
    ticket_changes.remember(session, ticket)
    old = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    # Late targets the timer had not come to yet are the old team's.
    breached = await sla_service.record_breaches(session, ticket=ticket)
    ticket.inbox_id = inbox.id
    changes = ["inbox"]
    unassigned: User | None = None
    # Who has the ticket once it is in the new inbox: told of its late targets.
    holder: int | None = None
    if ticket.assignee_id is not None:
        assignee = await session.get(User, ticket.assignee_id)
        sees = assignee is not None and await inboxes_service.is_member(
            session, user=assignee, inbox_id=inbox.id
        )
        if sees:
            holder = ticket.assignee_id
        elif not reassigning:
            unassigned = assignee
            ticket.assignee_id = None
            changes.append("assignee")
    who = actor.name if actor is not None else "frontdesk"
    said = f"{who} moved the ticket from {old.name} to {inbox.name}"
    if unassigned is not None:
        said += f" and unassigned {unassigned.name}, who is not a member of {inbox.name}"
    await service.log_event(
        session,
        ticket=ticket,
        actor=actor,
        text=said,
        inbox_id=inbox.id,
        from_inbox_id=old.id,
        **({"unassigned_id": unassigned.id} if unassigned is not None else {}),
    )
    await assignment_service.forget_ticket(session, ticket_id=ticket.id)
    await metrics.ticket_moved(session, ticket=ticket)
    await sla_service.refresh(session, ticket=ticket)
    await mail_outbound.send_unsent_from(session, ticket=ticket, inbox=inbox)
    await viewers.drop_unseeing(session, ticket=ticket)
    ticket.updated_at = utcnow()
    await session.flush()
    record_ticket_event(
        session, TicketEvent.updated, ticket, changes=changes, from_inbox_id=old.id, by=actor
    )
    await sla_service.tell_breached(session, ticket=ticket, targets=breached, assignee_id=holder)
    if unassigned is not None:
        await notifications_service.unassigned_by_move(
            session,
            user_id=unassigned.id,
            from_inbox_id=old.id,
            number=ticket.number,
            actor=actor,
        )
    audit.record(
        session,
        action="ticket.moved",
        target=audit.Target("ticket", ticket.id, f"ticket #{ticket.number}"),
        changes={"inbox": [old.name, inbox.name], "inbox_id": [old.id, inbox.id]},
        # A rule's move is the system's, even inside the request whose change set it off.
        actor=audit_context.system() if actor is None else None,
    )
    return True
