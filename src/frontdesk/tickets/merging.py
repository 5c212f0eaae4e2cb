"""Merge and split: moving a thread's entries between tickets, and undoing it exactly.

A merge moves every entry and file of the source ticket into the target (the thread reads in time
order because entries are listed by their time), adds the source's labels, followers and Cc to the
target's, closes the source and points it to the target (`merged_into_id`). A split moves one
message, or it and every message after it, into a new ticket of the same inbox and customer.

Each is a `TicketMove` row naming what it moved and changed, so `undo_move` puts back exactly
that within `UNDO_WINDOW`, as long as no later merge or split of the same tickets still stands;
less what an erasure took since (docs/privacy.md), which its timeline lines count. A split's
undo folds the whole new ticket back, as a merge of it would: what was written on it since
comes too, with the labels, followers, Cc and field values added to it since (`_fold_back`),
and the replies waiting to be sent on it, sent from the original (pending_replies/moves.py).

Concurrency: the tickets are locked in id order (`FOR UPDATE`, so two merges of the same pair
wait for each other instead of deadlocking) and every write that decides is guarded: a source
already merged, an entry already moved or a move already undone changes no row, and the request
is refused with a 409 and rolled back. Two concurrent merges give one merge and one refusal.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, insert, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.assignment import tracking as assignment_tracking
from frontdesk.checklists import moves as checklist_moves
from frontdesk.customers import service as customers_service
from frontdesk.errors import Conflict, Invalid, NotFound
from frontdesk.fields import values as field_values
from frontdesk.fields.models import FieldObject
from frontdesk.files.models import StoredFile
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.clock import utcnow
from frontdesk.links import moves as link_moves
from frontdesk.mail.models import InboundMessage, MailAttachment, OutboxMessage
from frontdesk.metrics import moves as clocks
from frontdesk.notifications import service as notifications_service
from frontdesk.pending_replies import moves as pending_moves
from frontdesk.side_conversations import moves as side_moves
from frontdesk.sla import service as sla_service
from frontdesk.statuses import service as statuses_service
from frontdesk.tickets import changes as ticket_changes
from frontdesk.tickets import service
from frontdesk.tickets.events import TicketEvent, record_ticket_event
from frontdesk.tickets.models import (
    EntryKind,
    MoveKind,
    Ticket,
    TicketEntry,
    TicketMove,
    TicketState,
    ticket_labels,
)
from frontdesk.timetracking import moves as time_moves
from frontdesk.users.light_agents import ensure_full_agent
from frontdesk.users.models import User

# Long enough to notice a wrong merge the next working day; short enough that what happened to
# the tickets since stays small. The toast offers undo at once, the timeline until then.
UNDO_WINDOW = timedelta(hours=24)
MESSAGE_KINDS = (EntryKind.reply, EntryKind.transcript, EntryKind.note)
# At most this many tickets merged in one go from the list (and moves undone in one go): a page's
# duplicates, not a clean-up of the whole inbox.
MAX_MERGED = 20


async def _lock(
    session: AsyncSession, ticket_ids: Sequence[int], *, seen_by: User
) -> dict[int, Ticket]:
    """The tickets, locked in id order, re-read so that what another transaction committed while
    this one waited is what the checks see: one moved meanwhile to an inbox `seen_by` does not
    see, or deleted, is "no such ticket", as it would have been a moment later. A light agent
    merges, splits and undoes nothing."""
    ensure_full_agent(seen_by)
    rows = await session.scalars(
        select(Ticket)
        .where(Ticket.id.in_(sorted(set(ticket_ids))))
        .order_by(Ticket.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    locked = {ticket.id: ticket for ticket in rows}
    for ticket_id in ticket_ids:
        await service.get_ticket(session, user=seen_by, ticket_id=ticket_id)
    for ticket in locked.values():
        # What they were, for webhooks (tickets/changes.py): every change here follows.
        ticket_changes.remember(session, ticket)
    return locked


def _not_merged(ticket: Ticket) -> None:
    if ticket.merged_into_id is not None:
        raise Conflict(
            f"Ticket #{ticket.number} was merged into another ticket; act on that one.",
            code="ticket_merged",
        )


def _not_spam(ticket: Ticket) -> None:
    # Spam merged into a ticket would bring its junk along; a ticket merged into spam would be
    # deleted with it (the Spam folder is emptied); a message split out of spam would open a
    # ticket of junk and run `created` rules. "Not spam" first, then merge or split.
    if ticket.state is TicketState.spam:
        raise Conflict(
            f"Ticket #{ticket.number} is spam: mark it not spam before merging or splitting it.",
            code="ticket_is_spam",
        )


async def _move_rows(
    session: AsyncSession, *, entry_ids: Sequence[int], file_ids: Sequence[int], src: int, dst: int
) -> None:
    """Guarded by the ticket each row is on now: a row moved meanwhile makes the count fall short
    and the whole request roll back."""
    if entry_ids:
        moved = await session.execute(
            update(TicketEntry)
            .where(TicketEntry.id.in_(entry_ids), TicketEntry.ticket_id == src)
            .values(ticket_id=dst)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != len(entry_ids):  # type: ignore[attr-defined]
            raise Conflict("The thread changed meanwhile; try again.", code="thread_changed")
        # The mail an entry was received or sent as goes with it: its attachments and original
        # open from the ticket it is on (they answered 404 there), a reply to it finds that
        # ticket, and retention or an erasure of the ticket it left does not take them.
        for model in (InboundMessage, MailAttachment, OutboxMessage):
            await session.execute(
                update(model)
                .where(model.entry_id.in_(entry_ids), model.ticket_id == src)
                .values(ticket_id=dst)
                .execution_options(synchronize_session=False)
            )
    if file_ids:
        await session.execute(
            update(StoredFile)
            .where(StoredFile.id.in_(file_ids), StoredFile.ticket_id == src)
            .values(ticket_id=dst)
            .execution_options(synchronize_session=False)
        )


async def _label_ids(session: AsyncSession, ticket_id: int) -> set[int]:
    rows = await session.scalars(
        select(ticket_labels.c.label_id).where(ticket_labels.c.ticket_id == ticket_id)
    )
    return set(rows)


async def merge_tickets(
    session: AsyncSession,
    *,
    actor: User,
    source: Ticket,
    target_id: int,
    other_customer: bool = False,
) -> TicketMove:
    """`source` (which `actor` sees) into the ticket `target_id` (which they must see too). Tickets
    of different customers are merged only with `other_customer`: the desk asks first, since the
    merged thread then shows one customer's mail to the other's agents' replies."""
    if target_id == source.id:
        raise Invalid("into_ticket_id", "A ticket cannot be merged into itself.")
    target = await service.get_ticket(session, user=actor, ticket_id=target_id)
    locked = await _lock(session, [source.id, target.id], seen_by=actor)
    source, target = locked[source.id], locked[target.id]
    _not_merged(source)
    _not_merged(target)
    _not_spam(source)
    _not_spam(target)
    if source.customer_id != target.customer_id and not other_customer:
        raise Conflict(
            f"#{source.number} and #{target.number} are of different customers. Confirm to merge "
            "them anyway (`other_customer`: true).",
            code="different_customers",
        )
    now = utcnow()
    entry_ids = list(
        await session.scalars(
            select(TicketEntry.id)
            .where(TicketEntry.ticket_id == source.id)
            .order_by(TicketEntry.id)
        )
    )
    file_ids = list(
        await session.scalars(select(StoredFile.id).where(StoredFile.ticket_id == source.id))
    )
    before = {
        "state": source.state.value,
        # Its custom status, given back by an undo when it may still be had (`_unmerge`).
        "status_id": source.status_id,
        "closed_at": source.closed_at.isoformat() if source.closed_at else None,
        "snoozed_until": source.snoozed_until.isoformat() if source.snoozed_until else None,
        "source_cc": list(source.cc),
        "target_cc": list(target.cc),
    }
    # The guard that makes a concurrent second merge of the same source change nothing.
    closed = await session.execute(
        update(Ticket)
        .where(Ticket.id == source.id, Ticket.merged_into_id.is_(None))
        .values(
            merged_into_id=target.id,
            state=TicketState.closed,
            # A statement bypasses the model's rule (`Ticket._state_set`): a custom status
            # stays only when it is one of closed.
            status_id=source.status_id if source.state is TicketState.closed else None,
            # Closed now: a new status as shown (Ticket._state_set), unless it was closed.
            status_changed_at=source.status_changed_at
            if source.state is TicketState.closed
            else now,
            closed_at=now,
            snoozed_until=None,
            updated_at=now,
        )
        .execution_options(synchronize_session="fetch")
    )
    if not closed.rowcount:  # type: ignore[attr-defined]
        raise Conflict(f"Ticket #{source.number} was merged meanwhile.", code="ticket_merged")
    await _move_rows(session, entry_ids=entry_ids, file_ids=file_ids, src=source.id, dst=target.id)
    time_entry_ids = await time_moves.merged(session, source_id=source.id, target_id=target.id)
    checklist_item_ids = await checklist_moves.merged(
        session, source_id=source.id, target_id=target.id
    )
    links = await link_moves.merged(session, source=source, target=target, actor=actor)
    side_conversation_ids = await side_moves.merged(
        session, source=source, target=target, actor=actor
    )
    brought = await _bring_over(session, source=source, target=target)
    target.updated_at = now
    # A customer waiting on the merged ticket now waits on this one (docs/reports.md).
    await clocks.joined(
        session, kept=target, joining=source, open=before["state"] != TicketState.closed.value
    )
    await _closed_away(session, source)
    # The labels it gained may select another policy, and someone may wait since earlier.
    await sla_service.refresh(session, ticket=target)
    move = TicketMove(
        kind=MoveKind.merge,
        source_ticket_id=source.id,
        target_ticket_id=target.id,
        actor_id=actor.id,
        entry_ids=entry_ids,
        file_ids=file_ids,
        data={
            **before,
            "added_label_ids": brought["added_label_ids"],
            "added_follower_ids": brought["added_follower_ids"],
            # With their values: an undo takes back only those still as filled.
            "added_fields": brought["added_fields"],
            "time_entry_ids": time_entry_ids,
            "checklist_item_ids": checklist_item_ids,
            "links": links,
            "side_conversation_ids": side_conversation_ids,
        },
        created_at=now,
        undo_until=now + UNDO_WINDOW,
    )
    session.add(move)
    await session.flush()
    await service.log_event(
        session,
        ticket=source,
        actor=actor,
        text=f"{actor.name} merged this ticket into #{target.number}",
        move_id=move.id,
        merged_into=target.id,
    )
    await service.log_event(
        session,
        ticket=target,
        actor=actor,
        text=f"{actor.name} merged #{source.number} into this ticket",
        move_id=move.id,
        merged_from=source.id,
    )
    await session.flush()
    record_ticket_event(session, TicketEvent.updated, source, changes=["merged", "state"])
    record_ticket_event(
        session,
        TicketEvent.updated,
        target,
        changes=["entries", "labels", *(["fields"] if brought["added_fields"] else [])],
    )
    return move


async def _bring_over(
    session: AsyncSession,
    *,
    source: Ticket,
    target: Ticket,
    started_label_ids: Collection[int] = (),
    started_cc: Collection[str] = (),
) -> dict[str, Any]:
    """What a merge brings to the ticket kept besides the thread: `source`'s labels, followers
    and Cc added to `target`'s, and its custom field values where `target` has none (the
    target's values stay). Both locked. `started_label_ids` and `started_cc`: what `source`
    started with as a copy of `target`'s (an undone split's ticket), not brought back, so that
    one taken off the original since stays off. What was added, as the move records it."""
    target_labels = await _label_ids(session, target.id)
    ticket_changes.remember_labels(session, ticket_id=target.id, label_ids=target_labels)
    added_labels = sorted(
        await _label_ids(session, source.id) - target_labels - set(started_label_ids)
    )
    if added_labels:
        await session.execute(
            insert(ticket_labels),
            [{"ticket_id": target.id, "label_id": label_id} for label_id in added_labels],
        )
    # The source's followers follow the merged ticket too; those added are remembered for undo.
    added_followers = sorted(
        set(await notifications_service.followers(session, ticket_id=source.id))
        - set(await notifications_service.followers(session, ticket_id=target.id))
    )
    for user_id in added_followers:
        await notifications_service.follow(session, ticket_id=target.id, user_id=user_id)
    added_cc = [
        address
        for address in dict.fromkeys(source.cc)
        if address not in target.cc and address not in started_cc
    ]
    target.cc = list(dict.fromkeys([*target.cc, *added_cc]))
    # Custom fields: the target's values stay; the source's fill those it has not set.
    await service.remember_fields(session, ticket_id=target.id)
    added_fields = await field_values.fill_gaps(
        session, object=FieldObject.ticket, source_id=source.id, target_id=target.id
    )
    return {
        "added_label_ids": added_labels,
        "added_follower_ids": added_followers,
        "added_cc": added_cc,
        "added_fields": added_fields,
    }


async def _closed_away(session: AsyncSession, ticket: Ticket) -> None:
    """A ticket a merge just closed and pointed elsewhere: as any closing, it stops its SLA
    targets (one already late is recorded as breached) and frontdesk no longer moves it on
    (docs/routing.md)."""
    await session.flush()
    await sla_service.refresh(session, ticket=ticket)
    await assignment_tracking.forget_ticket(session, ticket_id=ticket.id)


async def merge_many(
    session: AsyncSession,
    *,
    actor: User,
    ticket_ids: Sequence[int],
    into_id: int,
    other_customer: bool = False,
) -> list[TicketMove]:
    """The list's bulk Merge: every ticket of `ticket_ids` but `into_id` is merged into `into_id`,
    each exactly as `merge_tickets` does (the same checks and the same rules), in the order of
    their ids and all in this transaction: one refusal refuses them all. Every ticket is locked
    first, in id order, so that two bulk merges of overlapping tickets wait rather than
    deadlock. One move per merged ticket; `undo_moves` undoes them together."""
    ids = list(dict.fromkeys(ticket_ids))
    if len(ids) < 2:
        raise Invalid("ticket_ids", "Choose at least two tickets to merge.")
    if len(ids) > MAX_MERGED:
        raise Invalid(
            "ticket_ids",
            f"At most {MAX_MERGED} tickets can be merged at once.",
            field_code="too_long",
            limit=MAX_MERGED,
        )
    if into_id not in ids:
        raise Invalid("into_ticket_id", "The ticket that stays must be one of those merged.")
    for ticket_id in ids:
        await service.get_ticket(session, user=actor, ticket_id=ticket_id)
    locked = await _lock(session, ids, seen_by=actor)
    for ticket in locked.values():
        _not_merged(ticket)
    return [
        await merge_tickets(
            session,
            actor=actor,
            source=locked[ticket_id],
            target_id=into_id,
            other_customer=other_customer,
        )
        for ticket_id in sorted(ids)
        if ticket_id != into_id
    ]


async def split_ticket(
    session: AsyncSession, *, actor: User, ticket: Ticket, entry_id: int, with_later: bool = False
) -> TicketMove:
    """One message of `ticket` (with `with_later`, it and every message after it) into a new
    ticket of the same inbox and customer, with the same subject, assignee and labels. Timeline
    lines stay where they are."""
    ticket = (await _lock(session, [ticket.id], seen_by=actor))[ticket.id]
    _not_merged(ticket)
    _not_spam(ticket)
    entry = await session.scalar(
        select(TicketEntry).where(TicketEntry.id == entry_id, TicketEntry.ticket_id == ticket.id)
    )
    if entry is None:
        raise NotFound("No such entry on this ticket.")
    if entry.kind not in MESSAGE_KINDS:
        raise Invalid("entry_id", "Only a message or note can be split out, not a timeline line.")
    messages = select(TicketEntry.id).where(
        TicketEntry.ticket_id == ticket.id, TicketEntry.kind.in_(MESSAGE_KINDS)
    )
    if with_later:
        messages = messages.where(
            tuple_(TicketEntry.created_at, TicketEntry.id) >= (entry.created_at, entry.id)
        )
        entry_ids = list(await session.scalars(messages.order_by(TicketEntry.id)))
    else:
        entry_ids = [entry.id]
    remaining = await session.scalar(
        select(
            exists(
                select(TicketEntry.id).where(
                    TicketEntry.ticket_id == ticket.id,
                    TicketEntry.kind.in_(MESSAGE_KINDS),
                    TicketEntry.id.not_in(entry_ids),
                )
            )
        )
    )
    if not remaining:
        raise Invalid("entry_id", "Nothing would be left on this ticket; split out fewer messages.")
    file_ids = list(
        await session.scalars(select(StoredFile.id).where(StoredFile.entry_id.in_(entry_ids)))
    )
    inbox = await inboxes_service.get_inbox_by_id(session, inbox_id=ticket.inbox_id)
    customer = await customers_service.get_customer_by_id(session, customer_id=ticket.customer_id)
    labels = (await service.labels_of(session, ticket_ids=[ticket.id]))[ticket.id]
    # Filed by the agent who split it: nobody waits because a ticket was made; whether someone
    # does is the messages' to say (clocks.split_off).
    new = await service.create_ticket(
        session,
        inbox=inbox,
        customer=customer,
        subject=ticket.subject,
        type=ticket.type,
        labels=labels,
        filed_by=actor,
        # Worked out once, below, when its messages and their clock are in: before, it had
        # neither, and the first refresh was thrown away.
        refresh_sla=False,
    )
    new.shows_customer = ticket.shows_customer
    new.assignee_id = ticket.assignee_id
    new.cc = list(ticket.cc)
    new.reply_address = ticket.reply_address
    await _move_rows(session, entry_ids=entry_ids, file_ids=file_ids, src=ticket.id, dst=new.id)
    # The new ticket is about the same thing as the one it came from (docs/desk.md).
    await link_moves.split_off(session, ticket=ticket, new=new, actor=actor)
    await clocks.split_off(session, ticket=new, entry_ids=entry_ids, user_id=actor.id)
    await clocks.left(session, ticket=ticket, entry_ids=entry_ids)
    for changed in (ticket, new):
        await sla_service.refresh(session, ticket=changed)
    now = utcnow()
    ticket.updated_at = now
    move = TicketMove(
        kind=MoveKind.split_out,
        source_ticket_id=ticket.id,
        target_ticket_id=new.id,
        actor_id=actor.id,
        entry_ids=entry_ids,
        file_ids=file_ids,
        # What the new ticket started with as a copy of the original's: its undo brings back
        # only what was added to it since (`_fold_back`).
        data={"label_ids": sorted(label.id for label in labels), "cc": list(new.cc)},
        created_at=now,
        undo_until=now + UNDO_WINDOW,
    )
    session.add(move)
    await session.flush()
    count = len(entry_ids)
    what = "a message" if count == 1 else f"{count} messages"
    await service.log_event(
        session,
        ticket=ticket,
        actor=actor,
        text=f"{actor.name} split {what} out into #{new.number}",
        move_id=move.id,
        split_into=new.id,
    )
    await service.log_event(
        session,
        ticket=new,
        actor=actor,
        text=f"{actor.name} split {what} out of #{ticket.number} into this ticket",
        move_id=move.id,
        split_from=ticket.id,
    )
    await session.flush()
    record_ticket_event(session, TicketEvent.updated, ticket, changes=["entries"])
    return move


async def get_move(session: AsyncSession, *, user: User, move_id: int) -> TicketMove:
    """A merge or split whose tickets `user` may both see; any other is a 404."""
    move = await session.get(TicketMove, move_id)
    if move is None:
        raise NotFound("No such merge or split.")
    for ticket_id in (move.source_ticket_id, move.target_ticket_id):
        await service.get_ticket(session, user=user, ticket_id=ticket_id)
    return move


async def undo_move(session: AsyncSession, *, actor: User, move_id: int) -> TicketMove:
    move = await get_move(session, user=actor, move_id=move_id)
    locked = await _lock(session, [move.source_ticket_id, move.target_ticket_id], seen_by=actor)
    source, target = locked[move.source_ticket_id], locked[move.target_ticket_id]
    await session.refresh(move)
    now = utcnow()
    if move.undone_at is not None:
        raise Conflict("This was undone already.", code="already_undone")
    if now > move.undo_until:
        raise Conflict(
            "Too late to undo: a merge or split can be undone for "
            f"{int(UNDO_WINDOW.total_seconds() // 3600)} hours.",
            code="undo_expired",
        )
    ids = (source.id, target.id)
    later = await session.scalar(
        select(
            exists(
                select(TicketMove.id).where(
                    TicketMove.id > move.id,
                    TicketMove.undone_at.is_(None),
                    or_(TicketMove.source_ticket_id.in_(ids), TicketMove.target_ticket_id.in_(ids)),
                )
            )
        )
    )
    if later:
        raise Conflict(
            "A later merge or split of these tickets still stands; undo that one first.",
            code="undo_blocked",
        )
    if move.kind is MoveKind.split_out:
        # Checked before anything is written: a refusal leaves both tickets as they are.
        await checklist_moves.ensure_room(session, joining=target, kept=source)
    done = await session.execute(
        update(TicketMove)
        .where(TicketMove.id == move.id, TicketMove.undone_at.is_(None))
        .values(undone_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise Conflict("This was undone already.", code="already_undone")
    # What an erasure took since (a person's messages, or a thread it gave back to its own
    # ticket, docs/privacy.md) cannot come back; the rest does, and the timeline says so.
    entry_ids = list(
        await session.scalars(
            select(TicketEntry.id).where(
                TicketEntry.id.in_(list(move.entry_ids)), TicketEntry.ticket_id == target.id
            )
        )
    )
    erased = len(move.entry_ids) - len(entry_ids)
    fields_back = False
    # What else of the source changed (an undone split's original: labels, fields...).
    source_changes: list[str] = []
    if move.kind is MoveKind.merge:
        await _move_rows(
            session, entry_ids=entry_ids, file_ids=list(move.file_ids), src=target.id, dst=source.id
        )
        # The kept ticket no longer waits for what went back (docs/reports.md).
        await clocks.left(session, ticket=target, entry_ids=entry_ids)
        fields_back = await _unmerge(session, move=move, source=source, target=target, actor=actor)
        await link_moves.unmerged(
            session, record=move.data.get("links"), source=source, target=target, actor=actor
        )
        source_line = f"{actor.name} undid the merge into #{target.number}"
        target_line = f"{actor.name} undid the merge of #{source.number}"
    else:
        added, source_changes = await _fold_back(
            session,
            move=move,
            entry_ids=entry_ids,
            original=source,
            split=target,
            actor=actor,
            now=now,
        )
        source_line = f"{actor.name} undid the split into #{target.number}"
        target_line = f"{actor.name} undid the split; its messages are back on #{source.number}"
        if added:
            what = "entry" if added == 1 else "entries"
            source_line += f", with {added} {what} added there since"
            target_line += f", with {added} {what} added here since"
    if erased:
        what = "entry" if erased == 1 else "entries"
        gone = f"; {erased} {what} it had moved went with an erasure meanwhile"
        source_line, target_line = source_line + gone, target_line + gone
    # A ticket back from a merge runs its targets again as its conversation clock says (the
    # merge never touched it), and the kept one loses the labels the merge gave it and the
    # waiting it brought; the ticket an undone split closes stops its targets.
    for ticket in (source, target):
        await sla_service.refresh(session, ticket=ticket)
    source.updated_at = target.updated_at = now
    line = await service.log_event(
        session, ticket=source, actor=actor, text=source_line, move_id=move.id, undone=True
    )
    await service.log_event(
        session, ticket=target, actor=actor, text=target_line, move_id=move.id, undone=True
    )
    await session.flush()
    if move.kind is MoveKind.split_out:
        # The replies waiting to be sent on the split ticket (Send later, Undo send) are sent
        # from the original at their time: the same conversation, with the same customer. After
        # the line, which their thread's check at the sending does not count (`line_id`).
        pending_ids = await pending_moves.folded_back(
            session, split=target, original=source, line_id=line.id
        )
        move.data = {
            **move.data,
            "undo": {**move.data["undo"], "pending_reply_ids": pending_ids, "line_id": line.id},
        }
    await session.flush()
    record_ticket_event(
        session, TicketEvent.updated, source, changes=["entries", "state", *source_changes]
    )
    record_ticket_event(
        session,
        TicketEvent.updated,
        target,
        changes=["entries", "state", *(["fields"] if fields_back else [])],
    )
    return move


async def _fold_back(
    session: AsyncSession,
    *,
    move: TicketMove,
    entry_ids: Sequence[int],
    original: Ticket,
    split: Ticket,
    actor: User,
    now: datetime,
) -> tuple[int, list[str]]:
    """The undo of a split: the ticket it made goes back into the original as a merge of it
    would go (both locked). Not only the messages the split took (`entry_ids`, those still
    there) but everything written on it since (replies, notes, the customer's mail), with their
    files and mail, its side conversations, checklist items and time entries: closed and
    pointing to the original, it keeps none of the conversation. Its timeline lines stay: they
    are its own history. How many entries written since came back, and what else of the
    original changed (`changes` of its `ticket.updated`: "labels", "followers", "cc",
    "fields")."""
    taken = set(move.entry_ids)
    added = [
        entry_id
        for entry_id in await session.scalars(
            select(TicketEntry.id)
            .where(TicketEntry.ticket_id == split.id, TicketEntry.kind.in_(MESSAGE_KINDS))
            .order_by(TicketEntry.id)
        )
        if entry_id not in taken
    ]
    file_ids = list(
        await session.scalars(select(StoredFile.id).where(StoredFile.ticket_id == split.id))
    )
    await _move_rows(
        session,
        entry_ids=sorted([*entry_ids, *added]),
        file_ids=file_ids,
        src=split.id,
        dst=original.id,
    )
    # Its thread goes back as a merge's would: a customer still waiting on it waits here.
    await clocks.joined(
        session, kept=original, joining=split, open=split.state is not TicketState.closed
    )
    time_entry_ids = await time_moves.merged(session, source_id=split.id, target_id=original.id)
    checklist_item_ids = await checklist_moves.merged(
        session, source_id=split.id, target_id=original.id
    )
    side_conversation_ids = await side_moves.merged(
        session, source=split, target=original, actor=actor
    )
    # The ticket the split made is emptied; closed, it points back.
    split.state = TicketState.closed
    split.closed_at = now
    split.snoozed_until = None
    split.merged_into_id = original.id
    await assignment_tracking.forget_ticket(session, ticket_id=split.id)
    # Its links fold back as a merge's would (the split's own link to it is dropped).
    await link_moves.merged(session, source=split, target=original, actor=actor)
    # What was added to it since the split comes as a merge brings it: labels, followers, Cc
    # and the field values the original has none of (its own stay). Not what it started with
    # as a copy of the original's (a label taken off the original since stays off); a split
    # made before that was recorded brings back as a merge does.
    brought = await _bring_over(
        session,
        source=split,
        target=original,
        started_label_ids=[int(i) for i in move.data.get("label_ids", [])],
        started_cc=[str(address) for address in move.data.get("cc", [])],
    )
    # What came back besides the split's own messages, for the record.
    move.data = {
        **move.data,
        "undo": {
            "added_entry_ids": added,
            "file_ids": file_ids,
            "time_entry_ids": time_entry_ids,
            "checklist_item_ids": checklist_item_ids,
            "side_conversation_ids": side_conversation_ids,
            **brought,
        },
    }
    changes = [
        name
        for name, key in (
            ("labels", "added_label_ids"),
            ("followers", "added_follower_ids"),
            ("cc", "added_cc"),
            ("fields", "added_fields"),
        )
        if brought[key]
    ]
    return len(added), changes


async def undo_moves(
    session: AsyncSession, *, actor: User, move_ids: Sequence[int]
) -> list[TicketMove]:
    """Several moves undone together (a bulk merge's), the latest first so that each is the last
    that still stands when its turn comes; all in this transaction, or none."""
    ids = sorted(set(move_ids), reverse=True)
    return [await undo_move(session, actor=actor, move_id=move_id) for move_id in ids]


async def _unmerge(
    session: AsyncSession, *, move: TicketMove, source: Ticket, target: Ticket, actor: User
) -> bool:
    """Gives the source back what it was; True when custom field values left the target."""
    data = move.data
    added = [int(label_id) for label_id in data.get("added_label_ids", [])]
    if added:
        ticket_changes.remember_labels(
            session, ticket_id=target.id, label_ids=await _label_ids(session, target.id)
        )
        await session.execute(
            delete(ticket_labels).where(
                ticket_labels.c.ticket_id == target.id, ticket_labels.c.label_id.in_(added)
            )
        )
    for user_id in data.get("added_follower_ids", []):
        await notifications_service.unfollow(session, ticket_id=target.id, user_id=int(user_id))
    filled = data.get("added_fields", [])
    if filled:
        await service.remember_fields(session, ticket_id=target.id)
    fields_back = await field_values.remove_filled(
        session, object=FieldObject.ticket, record_id=target.id, filled=filled
    )
    await time_moves.unmerged(
        session,
        entry_ids=[int(i) for i in data.get("time_entry_ids", [])],
        source_id=source.id,
        target_id=target.id,
    )
    await checklist_moves.unmerged(
        session,
        item_ids=[int(i) for i in data.get("checklist_item_ids", [])],
        source_id=source.id,
        target_id=target.id,
    )
    await side_moves.unmerged(
        session,
        side_ids=[int(i) for i in data.get("side_conversation_ids", [])],
        source=source,
        target=target,
        actor=actor,
    )
    target.cc = list(data.get("target_cc", []))
    source.cc = list(data.get("source_cc", []))
    source.merged_into_id = None
    source.state = TicketState(data["state"])
    # Its custom status too, when the state change above dropped it (a ticket closed already
    # kept its own) and the status may still be had: else the plain one. Moves made before
    # the status was recorded have none.
    if source.status_id is None:
        source.status_id = await statuses_service.still_of(
            session, status_id=data.get("status_id"), state=source.state
        )
    source.closed_at = datetime.fromisoformat(data["closed_at"]) if data.get("closed_at") else None
    snoozed = data.get("snoozed_until")
    source.snoozed_until = datetime.fromisoformat(snoozed) if snoozed else None
    return fields_back
