"""Actions on tickets: assign, label, set state, snooze, send a reply (text or saved reply), add
a note, move to another inbox. One function each, called alike by the desk and the API (one
ticket), bulk actions and macros (many), and automation rules: every path writes the same
timeline lines and events, because each function goes through the ticket service that writes
them.

The actor is the agent applying them, or None for the system (an automation rule): the system
sees every ticket, a "me" assignee means nobody, and the timeline names the rule (its `Source`)
where it would name the agent. A rule's reply is signed by the inbox and names the rule on the
thread; it uses team saved replies only and has no agent variables but with a fallback
(rules/service.py checks both when the rule is saved, and `send_reply` again when it runs). A
reply's and a note's variables are filled alike, and a text that would go out with one left as
written is refused.

A list of actions is applied to one ticket at a time, under the ticket's row lock, inside a
savepoint: all of a ticket's actions happen or none does. So the same macro applied twice at
once (two agents, a double click) runs twice one after the other, and the second finds the work
done: its reply is not sent again when the ticket's newest message is that macro's reply, sent
less than REPEAT_WINDOW ago (`_sent_just_now`). A reply sent by actions or a macro is checked
against the thread its agent saw (`seen_entry_id`, 409 `stale_thread`), as the reply box's is;
from a list, which shows no entries, against the ticket's `updated_at` the list showed
(`seen_at`).

The desk applies a macro on a ticket with its reply drafted (`draft`): the reply, filled, comes
back for the agent's composer instead of going out, with the state or the snooze the macro sets
as what its sending does (the button, `snooze_until`), and the other actions apply (docs/desk.md,
"Macros"): sent so, the ticket ends as the macro sending it would have left it.

Applied to many tickets, each ticket is its own savepoint, so one refusal (a ticket the agent may
not see, a reply to a customer with no address) leaves the others done, and the result says,
per ticket, what was done or why not.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.actions.kinds import (
    Action,
    Assign,
    Label,
    Note,
    Reply,
    SetFields,
    SetInbox,
    SetState,
    SetStatus,
    Snooze,
    snooze_end,
)
from frontdesk.db.context import settings_of
from frontdesk.db.session import drop_hooks_since, hooks_mark
from frontdesk.errors import Conflict, FrontdeskError, Invalid, NotFound
from frontdesk.fields import values as field_values
from frontdesk.fields.models import FieldObject
from frontdesk.kit.clock import utcnow
from frontdesk.labels import service as labels_service
from frontdesk.replies import service as replies_service
from frontdesk.replies.variables import (
    FALLBACK_EXAMPLE,
    VARIABLES,
    Filled,
    braced,
    fill,
    first_word,
)
from frontdesk.statuses import service as statuses_service
from frontdesk.statuses.models import TicketStatus
from frontdesk.tickets import changes as ticket_changes
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets import transfers
from frontdesk.tickets.models import Direction, EntryKind, Ticket, TicketEntry, TicketState
from frontdesk.tickets.service import AfterReply
from frontdesk.tickets.staleness import PUBLIC_KINDS, StaleThread, ensure_unchanged_since
from frontdesk.users import service as users_service
from frontdesk.users.light_agents import ensure_full_agent
from frontdesk.users.models import User

MAX_TICKETS = 100
# A macro's reply is not sent again to a ticket whose newest message is that same macro's reply,
# sent less than this long ago: long enough for two agents who apply it at the same moment, or
# a page applied again before it showed the first, short enough that a reminder sent on
# purpose later goes.
REPEAT_WINDOW = timedelta(minutes=5)

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

    def actor(self, applied_by: User | None) -> ticket_changes.ChangeActor:
        """Who the changes are told as (webhooks): the macro with the agent who applied it, or
        the rule."""
        return ticket_changes.ChangeActor(
            ticket_changes.ActorKind(self.kind),
            user_id=applied_by.id if applied_by is not None else None,
            source_id=self.id,
            source_name=self.name,
        )


@dataclass(frozen=True)
class Draft:
    """A macro's reply left for the agent to edit and send: its text, filled for the ticket,
    and the reply box's button that does what the macro's state would have (Send & Close), or,
    for a macro that snoozes, Send with the snooze's end (`snooze_until`)."""

    text: str
    then: AfterReply
    snooze_until: datetime | None = None


@dataclass
class Outcome:
    """One ticket's result: the types of the actions that changed it (an action that found the
    ticket as asked already changes nothing), or the error that refused it."""

    ticket_id: int
    ticket: Ticket | None = None
    applied: list[str] = field(default_factory=list)
    # Actions left out because their work was done already (a macro's reply just sent).
    skipped: list[str] = field(default_factory=list)
    # The reply left for the composer, when it was asked for instead of sending it.
    draft: Draft | None = None
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


async def set_status(
    session: AsyncSession, *, actor: User | None, ticket: Ticket, status: TicketStatus
) -> bool:
    """The custom status and its state. An archived or deleted one refuses the ticket (422), as
    a deleted label does; archiving and deleting refuse while a macro or rule sets it
    (statuses/usage.py), so only a race meets it."""
    if ticket.status_id == status.id:
        return False
    await tickets_service.update_ticket(session, actor=actor, ticket=ticket, status=status)
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
    seen_entry_id: int | None = None,
    seen_at: datetime | None = None,
) -> bool:
    """The text, or the saved reply, with its variables filled for this ticket. Without an actor
    (a rule) the system sends it: a team saved reply only, counted as nobody's use. The reply
    names the macro or rule that sent it; with `seen_entry_id` or `seen_at`, a thread that
    gained messages since refuses it (tickets/staleness.py)."""
    text = await reply_text(session, actor=actor, ticket=ticket, action=action)
    settings = settings_of(session)
    try:
        await ensure_unchanged_since(session, ticket=ticket, seen_at=seen_at)
        await tickets_service.add_reply(
            session,
            ticket=ticket,
            author=actor,
            text=text,
            then=then,
            limit=settings.max_text_length,
            cc=ticket.cc,
            seen_entry_id=seen_entry_id,
            data={f"{source.kind}_id": source.id, f"{source.kind}_name": source.name}
            if source is not None
            else None,
        )
    except StaleThread as stale:
        count = len(stale.new_entries)
        messages = f"{count} new message{'s' if count != 1 else ''}"
        if seen_at is not None:
            # Chosen from a list: nothing of the ticket was shown but its line.
            stale.message = (
                f"{messages} arrived on this ticket since the list you chose it from was "
                "shown; nothing was done to it. Open it, read them, then act on it again."
            )
        elif source is not None:
            # Nobody was writing: the agent chose a macro.
            stale.message = (
                f"{messages} arrived on this ticket since you chose the {source.kind} "
                f"“{source.name}”, which was not applied. Read them, then apply it again with "
                "the newest id as `seen_entry_id`."
            )
        raise
    return True


async def reply_text(
    session: AsyncSession, *, actor: User | None, ticket: Ticket, action: Reply
) -> str:
    """The reply action's text as it would go to this ticket's customer: its variables filled
    (a saved reply's use counted), or a refusal."""
    if actor is None:
        if action.saved_reply_id is not None:
            saved = await replies_service.get_team_reply(session, reply_id=action.saved_reply_id)
            template = saved.text
        else:
            template = action.text or ""
        text = await _filled(session, actor=None, ticket=ticket, template=template, what="reply")
    elif action.saved_reply_id is not None:
        reply = await replies_service.get_reply(session, user=actor, reply_id=action.saved_reply_id)
        done = await replies_service.insert_reply(
            session,
            user=actor,
            reply=reply,
            use_id=f"action-{uuid.uuid4().hex}",
            ticket_id=ticket.id,
        )
        text = _checked(done.filled, what="reply")
    else:
        text = await _filled(
            session, actor=actor, ticket=ticket, template=action.text or "", what="reply"
        )
    return text


async def _sent_just_now(session: AsyncSession, *, ticket: Ticket, source: Source) -> bool:
    """Whether the ticket's newest message is this macro's reply, sent less than REPEAT_WINDOW
    ago: applied again at once, the macro would send the customer the same reply twice. Read
    under the ticket's row lock, after the other application committed."""
    newest = await session.scalar(
        select(TicketEntry)
        .where(TicketEntry.ticket_id == ticket.id, TicketEntry.kind.in_(PUBLIC_KINDS))
        .order_by(TicketEntry.id.desc())
        .limit(1)
    )
    return (
        newest is not None
        and newest.kind is EntryKind.reply
        and newest.direction is Direction.outbound
        and newest.data.get(f"{source.kind}_id") == source.id
        and newest.created_at >= utcnow() - REPEAT_WINDOW
    )


async def _filled(
    session: AsyncSession, *, actor: User | None, ticket: Ticket, template: str, what: str
) -> str:
    """A macro's or a rule's text with its variables filled for this ticket: the agent's own
    for an agent, none for a rule (the system)."""
    values = await replies_service.ticket_values(session, user=actor, ticket=ticket)
    if actor is not None:
        values |= {"agent.first_name": first_word(actor.name), "agent.name": actor.name or None}
    return _checked(fill(template, values), what=what)


def _checked(filled: Filled, *, what: str) -> str:
    """The filled text, or a refusal: nobody reads a macro's or rule's text over before it goes,
    and a customer must never get "Hello {{customer.first_name}}" (nor the timeline a note
    saying "{{agent.name}}"). A saved reply may have changed since the macro was saved."""
    undone = "the reply was not sent" if what == "reply" else "the note was not written"
    if filled.unknown:
        raise Invalid(what, f"No such variable: {braced(filled.unknown)}; {undone}.")
    if filled.unfilled:
        names = braced(name for name in filled.unfilled if name in VARIABLES)
        raise Invalid(
            what,
            f"This ticket has no value for {names}; {undone}. A fallback after a bar is "
            f"written when there is none: {FALLBACK_EXAMPLE}.",
        )
    return filled.text


async def add_note(
    session: AsyncSession, *, actor: User | None, ticket: Ticket, action: Note
) -> bool:
    """A private note, its variables filled as a reply's are ("Refund approved by
    {{agent.name}}")."""
    text = await _filled(session, actor=actor, ticket=ticket, template=action.text, what="note")
    await tickets_service.add_note(
        session,
        ticket=ticket,
        author=actor,
        text=text,
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


async def set_fields(
    session: AsyncSession, *, actor: User | None, ticket: Ticket, action: SetFields
) -> bool:
    """The ticket's custom fields, checked and written as its PATCH does them (one timeline
    line naming each change); a field archived or deleted since refuses the whole list."""
    before = await field_values.values_of(session, object=FieldObject.ticket, ids=[ticket.id])
    await tickets_service.update_ticket(session, actor=actor, ticket=ticket, fields=action.fields)
    after = await field_values.values_of(session, object=FieldObject.ticket, ids=[ticket.id])
    return before != after


async def apply_actions(
    session: AsyncSession,
    *,
    actor: User | None,
    ticket: Ticket,
    actions: Sequence[Action],
    source: Source | None = None,
    seen_entry_id: int | None = None,
    seen_at: datetime | None = None,
    skipped: list[str] | None = None,
    drafts: list[Draft] | None = None,
) -> list[str]:
    """The actions, in order, on a ticket the caller has locked. A reply followed by a state
    goes out with that state as its "then" (Send and close), as the reply box would send it.
    Without an actor (a rule), the lines the actions write are the system's, under the rule's
    own line that names it. What a macro or rule changes is its change, also where the
    functions it calls are given the agent (tickets/changes.py). `seen_entry_id` and `seen_at`
    are checked by the reply; the types of the actions left out because their work was done
    are appended to `skipped`. With `drafts`, the reply is not sent but appended there, and the
    state that would have gone with it is left to it."""
    apply = functools.partial(
        _apply,
        session,
        actor=actor,
        ticket=ticket,
        actions=actions,
        seen_entry_id=seen_entry_id,
        seen_at=seen_at,
        skipped=skipped if skipped is not None else [],
        drafts=drafts,
    )
    if source is None:
        return await apply(source=None)
    with ticket_changes.acting(session, source.actor(actor)):
        return await apply(source=source)


def _draft(text: str, ending: SetState | Snooze | None, status: TicketStatus | None) -> Draft:
    if isinstance(ending, Snooze):
        return Draft(text, AfterReply.send, snooze_until=snooze_end(ending, now=utcnow()))
    if ending is None and status is not None:
        # The status is set at once; the reply's button keeps its state, so keeps it.
        return Draft(text, THEN[TicketState(status.state.value)])
    return Draft(text, THEN[ending.target] if ending is not None else AfterReply.send)


async def _apply(
    session: AsyncSession,
    *,
    actor: User | None,
    ticket: Ticket,
    actions: Sequence[Action],
    source: Source | None,
    seen_entry_id: int | None,
    seen_at: datetime | None,
    skipped: list[str],
    drafts: list[Draft] | None,
) -> list[str]:
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
    setting = next((a for a in actions if isinstance(a, SetStatus)), None)
    status = (
        await statuses_service.status_to_set(session, status_id=setting.status_id, field="actions")
        if setting is not None
        else None
    )
    # The state a sent reply goes with: the state action's, or the status's.
    target = (
        state.target
        if state is not None
        else TicketState(status.state.value)
        if status is not None
        else None
    )
    drafting = drafts is not None and any(isinstance(a, Reply) for a in actions)
    # Sent, the reply goes with the first state; a later state or snooze then has the last word.
    # Drafted, both wait for the reply, and its sending does what the last of them would.
    ending = next((a for a in reversed(actions) if isinstance(a, SetState | Snooze)), None)
    applied: list[str] = []
    replied_state = False
    for at, action in enumerate(actions):
        match action:
            case Assign():
                changed = await assign(session, actor=actor, ticket=ticket, action=action)
            case Label():
                changed = await label(session, actor=actor, ticket=ticket, action=action)
            case SetState() | Snooze() if drafting:
                # The agent sends the reply with it (Send & Close, Send and snooze), or chooses
                # another button. Applied now, the reply's sending would undo it.
                changed = False
            case SetState():
                changed = await set_state(session, actor=actor, ticket=ticket, action=action)
            case Snooze():
                changed = await snooze(session, actor=actor, ticket=ticket, action=action)
            case SetStatus():
                changed = status is not None and await set_status(
                    session, actor=actor, ticket=ticket, status=status
                )
            case Reply() if drafts is not None:
                text = await reply_text(session, actor=actor, ticket=ticket, action=action)
                drafts.append(_draft(text, ending, status))
                changed = False
            case Reply() if (
                source is not None
                and source.kind == "macro"
                and await _sent_just_now(session, ticket=ticket, source=source)
            ):
                changed = False
                skipped.append(action.type)
            case Reply():
                # The system's reply leaves the state alone unless the rule sets one.
                default = AfterReply.send if actor is not None else None
                then = THEN[target] if target is not None else default
                before = ticket.state
                changed = await send_reply(
                    session,
                    actor=actor,
                    ticket=ticket,
                    action=action,
                    then=then,
                    source=source,
                    seen_entry_id=seen_entry_id,
                    seen_at=seen_at,
                )
                # The reply set the state ("Send & Close"): the state action then finds nothing
                # left to do, yet it is what changed it.
                replied_state = state is not None and ticket.state is not before
            case Note():
                changed = await add_note(session, actor=actor, ticket=ticket, action=action)
            case SetFields():
                changed = await set_fields(session, actor=actor, ticket=ticket, action=action)
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
    seen_entry_id: int | None = None,
    seen_at: datetime | None = None,
    draft: bool = False,
) -> Outcome:
    """One ticket `actor` sees, locked; refusals raise. With `inbox_id` (a team macro's inbox),
    only a ticket of that inbox. With `seen_entry_id` or `seen_at`, a reply over messages the
    agent has not seen is refused (409 `stale_thread`), and with it the rest. With `draft`, the
    reply is not sent but comes back in the outcome (`Draft`). A light agent applies nothing
    (docs/desk.md, "Light agents")."""
    ensure_full_agent(actor)
    ticket = await tickets_service.lock_visible_ticket(session, user=actor, ticket_id=ticket_id)
    if inbox_id is not None and ticket.inbox_id != inbox_id:
        raise Conflict(
            "This macro belongs to another inbox than this ticket's.", code="other_inbox"
        )
    skipped: list[str] = []
    drafts: list[Draft] | None = [] if draft else None
    applied = await apply_actions(
        session,
        actor=actor,
        ticket=ticket,
        actions=actions,
        source=source,
        seen_entry_id=seen_entry_id,
        seen_at=seen_at,
        skipped=skipped,
        drafts=drafts,
    )
    return Outcome(
        ticket_id=ticket.id,
        ticket=ticket,
        applied=applied,
        skipped=skipped,
        draft=drafts[0] if drafts else None,
    )


async def apply_to_many(
    session: AsyncSession,
    *,
    actor: User,
    ticket_ids: Sequence[int],
    actions: Sequence[Action],
    source: Source | None = None,
    inbox_id: int | None = None,
    seen_entry_ids: Mapping[int, int] | None = None,
    seen_at: Mapping[int, datetime] | None = None,
) -> list[Outcome]:
    """Each ticket in its own savepoint, in id order (the order row locks are taken in); a
    refused ticket is reported with its error, and what it recorded is dropped with it.
    `seen_entry_ids`: for the tickets it names, the newest entry seen, as for one ticket;
    `seen_at`, the ticket's `updated_at` a list showed: a reply to a ticket whose thread
    gained messages since is refused with that ticket's other actions (`stale_thread`)."""
    ensure_full_agent(actor)
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
                    seen_entry_id=(seen_entry_ids or {}).get(ticket_id),
                    seen_at=(seen_at or {}).get(ticket_id),
                )
        except FrontdeskError as error:
            drop_hooks_since(session, mark)
            outcomes[ticket_id] = Outcome(ticket_id=ticket_id, error=error)
    # In the order asked, once each.
    return [outcomes[ticket_id] for ticket_id in dict.fromkeys(ticket_ids)]
