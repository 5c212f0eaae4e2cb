"""Actions on tickets: assign, label, set state, snooze, send a reply (text or saved reply), add
a note, move to another inbox. One function each, called alike by the desk and the API (one
ticket), bulk actions and macros (many), and automation rules: every path writes the same
timeline lines and events, because each function goes through the ticket service that writes
them.

The actor is the agent applying them, or None for the system (an automation rule): the system
sees every ticket, a "me" assignee means nobody, and the timeline names the rule (its `Source`)
where it would name the agent. A rule's reply is signed by the inbox and names the rule on the
thread; it uses team saved replies only and has no agent variables (rules/service.py checks
both when the rule is saved, and `send_reply` again when it runs).

A list of actions is applied to one ticket at a time, under the ticket's row lock, inside a
savepoint: all of a ticket's actions happen or none does. Applied to many tickets, each ticket
is its own savepoint, so one refusal (a ticket the agent may not see, a reply to a customer with
no address) leaves the others done, and the result says, per ticket, what was done or why not.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.actions.kinds import (
    Action,
    Assign,
    Label,
    Note,
    Reply,
    SetInbox,
    SetState,
    Snooze,
    snooze_end,
)
from frontdesk.db.context import settings_of
from frontdesk.db.session import drop_hooks_since, hooks_mark
from frontdesk.errors import Conflict, FrontdeskError, Invalid, NotFound
from frontdesk.kit.clock import utcnow
from frontdesk.labels import service as labels_service
from frontdesk.replies import service as replies_service
from frontdesk.replies.variables import VARIABLES, braced, fill, first_word
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets import transfers
from frontdesk.tickets.models import Ticket, TicketState
from frontdesk.tickets.service import AfterReply
from frontdesk.users import service as users_service
from frontdesk.users.models import User

MAX_TICKETS = 100

THEN = {
    TicketState.open: AfterReply.send,
    TicketState.hold: AfterReply.hold,
    TicketState.closed: AfterReply.close,
}


@dataclass(frozen=True)
class Source:
    """What applied the actions, named on the ticket's timeline: a macro or a rule."""

    kind: str
    id: int
    name: str


@dataclass
class Outcome:
    """One ticket's result: the types of the actions that changed it (an action that found the
    ticket as asked already changes nothing), or the error that refused it."""

    ticket_id: int
    ticket: Ticket | None = None
    applied: list[str] = field(default_factory=list)
    error: FrontdeskError | None = None


async def assign(
    session: AsyncSession, *, actor: User | None, ticket: Ticket, action: Assign
) -> bool:
    if action.assignee is None:
        if ticket.assignee_id is None:
            return False
        await tickets_service.update_ticket(session, actor=actor, ticket=ticket, unassign=True)
        return True
    if action.assignee == "me":
        if actor is None:
            raise Invalid("assignee", "A rule runs as nobody: name the user to assign.")
        assignee = actor
    else:
        try:
            assignee = await users_service.get_user(session, user_id=action.assignee)
        except NotFound:
            raise Invalid("assignee", "No such user to assign.") from None
    if assignee.id == ticket.assignee_id:
        return False
    await tickets_service.update_ticket(session, actor=actor, ticket=ticket, assignee=assignee)
    return True


async def label(
    session: AsyncSession, *, actor: User | None, ticket: Ticket, action: Label
) -> bool:
    adding = await labels_service.labels_by_ids(session, label_ids=action.add)
    current = (await tickets_service.labels_of(session, ticket_ids=[ticket.id]))[ticket.id]
    kept = {each.id: each for each in current if each.id not in set(action.remove)}
    wanted = list((kept | {each.id: each for each in adding}).values())
    if {each.id for each in wanted} == {each.id for each in current}:
        return False
    await tickets_service.update_ticket(session, actor=actor, ticket=ticket, labels=wanted)
    return True


async def set_state(
    session: AsyncSession, *, actor: User | None, ticket: Ticket, action: SetState
) -> bool:
    if ticket.state is action.target:
        return False
    await tickets_service.update_ticket(session, actor=actor, ticket=ticket, state=action.target)
    return True


async def snooze(
    session: AsyncSession, *, actor: User | None, ticket: Ticket, action: Snooze
) -> bool:
    until = snooze_end(action, now=utcnow())
    await tickets_service.update_ticket(
        session, actor=actor, ticket=ticket, state=TicketState.snoozed, snoozed_until=until
    )
    return True


async def send_reply(
    session: AsyncSession,
    *,
    actor: User | None,
    ticket: Ticket,
    action: Reply,
    then: AfterReply | None = AfterReply.send,
    source: Source | None = None,
) -> bool:
    """The text, or the saved reply, with its variables filled for this ticket. A variable this
    ticket has no value for refuses the reply: nobody reads it over before it goes, and a
    customer must never get "Hello {{customer.first_name}}". Without an actor (a rule) the
    system sends it: a team saved reply only, counted as nobody's use, and no agent variables."""
    if actor is None:
        if action.saved_reply_id is not None:
            saved = await replies_service.get_team_reply(session, reply_id=action.saved_reply_id)
            template = saved.text
        else:
            template = action.text or ""
        filled = fill(
            template, await replies_service.ticket_values(session, user=None, ticket=ticket)
        )
        text, unfilled, unknown = filled.text, filled.unfilled, filled.unknown
    elif action.saved_reply_id is not None:
        reply = await replies_service.get_reply(session, user=actor, reply_id=action.saved_reply_id)
        done = await replies_service.insert_reply(
            session,
            user=actor,
            reply=reply,
            use_id=f"action-{uuid.uuid4().hex}",
            ticket_id=ticket.id,
        )
        text, unfilled, unknown = done.filled.text, done.filled.unfilled, done.filled.unknown
    else:
        values = await replies_service.ticket_values(session, user=actor, ticket=ticket)
        values |= {"agent.first_name": first_word(actor.name), "agent.name": actor.name or None}
        filled = fill(action.text or "", values)
        text, unfilled, unknown = filled.text, filled.unfilled, filled.unknown
    if unknown:
        # A saved reply may have changed since the macro was saved: a typo is never sent.
        raise Invalid("reply", f"No such variable: {braced(unknown)}; the reply was not sent.")
    if unfilled:
        names = braced(name for name in unfilled if name in VARIABLES)
        raise Invalid("reply", f"This ticket has no value for {names}; the reply was not sent.")
    settings = settings_of(session)
    await tickets_service.add_reply(
        session,
        ticket=ticket,
        author=actor,
        text=text,
        then=then,
        limit=settings.max_text_length,
        cc=ticket.cc,
        data={f"{source.kind}_id": source.id, f"{source.kind}_name": source.name}
        if source is not None and actor is None
        else None,
    )
    return True


async def add_note(
    session: AsyncSession, *, actor: User | None, ticket: Ticket, action: Note
) -> bool:
    await tickets_service.add_note(
        session,
        ticket=ticket,
        author=actor,
        text=action.text,
        limit=settings_of(session).max_text_length,
    )
    return True


async def set_inbox(
    session: AsyncSession,
    *,
    actor: User | None,
    ticket: Ticket,
    action: SetInbox,
    then_assign: Assign | None = None,
) -> bool:
    """`then_assign`: an assign action after this one, which then replaces an assignee who
    cannot see the new inbox (instead of the move unassigning them first)."""
    inbox = await transfers.target_inbox(session, actor=actor, inbox_id=action.inbox_id)
    named = then_assign.assignee if then_assign is not None else None
    if named == "me":
        named = actor.id if actor is not None else None
    return await transfers.move_to_inbox(
        session,
        actor=actor,
        ticket=ticket,
        inbox=inbox,
        reassigning=named not in (None, ticket.assignee_id),
    )


async def apply_actions(
    session: AsyncSession,
    *,
    actor: User | None,
    ticket: Ticket,
    actions: Sequence[Action],
    source: Source | None = None,
) -> list[str]:
    """The actions, in order, on a ticket the caller has locked. A reply followed by a state
    goes out with that state as its "then" (Send and close), as the reply box would send it.
    Without an actor (a rule), the lines the actions write are the system's, under the rule's
    own line that names it."""
    if source is not None:
        said = (
            f"{actor.name} applied the {source.kind} “{source.name}”"
            if actor is not None
            else f"The {source.kind} “{source.name}” ran"
        )
        await tickets_service.log_event(
            session,
            ticket=ticket,
            actor=actor,
            text=said,
            **{f"{source.kind}_id": source.id, f"{source.kind}_name": source.name},
        )
    state = next((a for a in actions if isinstance(a, SetState)), None)
    applied: list[str] = []
    replied_state = False
    for at, action in enumerate(actions):
        match action:
            case Assign():
                changed = await assign(session, actor=actor, ticket=ticket, action=action)
            case Label():
                changed = await label(session, actor=actor, ticket=ticket, action=action)
            case SetState():
                changed = await set_state(session, actor=actor, ticket=ticket, action=action)
            case Snooze():
                changed = await snooze(session, actor=actor, ticket=ticket, action=action)
            case Reply():
                # The system's reply leaves the state alone unless the rule sets one.
                default = AfterReply.send if actor is not None else None
                then = THEN[state.target] if state is not None else default
                before = ticket.state
                changed = await send_reply(
                    session, actor=actor, ticket=ticket, action=action, then=then, source=source
                )
                # The reply set the state ("Send & Close"): the state action then finds nothing
                # left to do, yet it is what changed it.
                replied_state = state is not None and ticket.state is not before
            case Note():
                changed = await add_note(session, actor=actor, ticket=ticket, action=action)
            case SetInbox():
                then_assign = next((a for a in actions[at + 1 :] if isinstance(a, Assign)), None)
                changed = await set_inbox(
                    session, actor=actor, ticket=ticket, action=action, then_assign=then_assign
                )
        if changed and action.type not in applied:
            applied.append(action.type)
        if isinstance(action, Reply) and replied_state and state is not None:
            applied.append(state.type)
    if source is not None and not applied:
        # Nothing else announces the line just written.
        ticket.updated_at = utcnow()
        await session.flush()
        tickets_service.record_updated(session, ticket=ticket, changes=[source.kind])
    return applied


async def apply_to_ticket(
    session: AsyncSession,
    *,
    actor: User,
    ticket_id: int,
    actions: Sequence[Action],
    source: Source | None = None,
    inbox_id: int | None = None,
) -> Outcome:
    """One ticket `actor` sees, locked; refusals raise. With `inbox_id` (a team macro's inbox),
    only a ticket of that inbox."""
    ticket = await tickets_service.lock_visible_ticket(session, user=actor, ticket_id=ticket_id)
    if inbox_id is not None and ticket.inbox_id != inbox_id:
        raise Conflict(
            "This macro belongs to another inbox than this ticket's.", code="other_inbox"
        )
    applied = await apply_actions(
        session, actor=actor, ticket=ticket, actions=actions, source=source
    )
    return Outcome(ticket_id=ticket.id, ticket=ticket, applied=applied)


async def apply_to_many(
    session: AsyncSession,
    *,
    actor: User,
    ticket_ids: Sequence[int],
    actions: Sequence[Action],
    source: Source | None = None,
    inbox_id: int | None = None,
) -> list[Outcome]:
    """Each ticket in its own savepoint, in id order (the order row locks are taken in); a
    refused ticket is reported with its error, and what it recorded is dropped with it."""
    if not ticket_ids:
        raise Invalid("ticket_ids", "Select at least one ticket.", field_code="required")
    if len(ticket_ids) > MAX_TICKETS:
        raise Invalid(
            "ticket_ids",
            f"At most {MAX_TICKETS} tickets at once.",
            field_code="too_long",
            limit=MAX_TICKETS,
        )
    outcomes: dict[int, Outcome] = {}
    for ticket_id in sorted(set(ticket_ids)):
        mark = hooks_mark(session)
        try:
            async with session.begin_nested():
                outcomes[ticket_id] = await apply_to_ticket(
                    session,
                    actor=actor,
                    ticket_id=ticket_id,
                    actions=actions,
                    source=source,
                    inbox_id=inbox_id,
                )
        except FrontdeskError as error:
            drop_hooks_since(session, mark)
            outcomes[ticket_id] = Outcome(ticket_id=ticket_id, error=error)
    # In the order asked, once each.
    return [outcomes[ticket_id] for ticket_id in dict.fromkeys(ticket_ids)]
