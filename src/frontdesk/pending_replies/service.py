"""Undo send: an agent's email reply held for a few seconds, then sent exactly as an immediate
reply is (tickets/service.py `add_reply`), or taken back by its author meanwhile.

- Holding writes only the pending reply: every check of a reply is made at once
  (`prepare_reply`), nothing the reply does (entry, mail, state, webhooks, metrics, SLA) happens
  until it is sent.
- Sending (`send_next`, run by pending_replies/timers.py) claims one due reply under its row lock
  (SKIP LOCKED: another process takes another), checks again that its author may reply (active,
  still seeing the ticket) and that nobody else answered meanwhile (`seen_entry_id`, the stale
  thread check, the author's own replies aside), and sends it acting as its author (audit,
  webhooks); it becomes `sent` with its entry, in the same transaction. A refusal, or an
  unexpected error, rolls that transaction back and records why (`failed`), for its author,
  who is also notified (`reply_not_sent`, notifications/service.py) and whose desks hear it at
  once whatever they chose for that notification (`pending_reply.failed`, events.py).
- Undoing (`undo`) locks the same row and waits for a sending in progress: a reply is either
  undone and never sent, or sent and the undo refused (409 `reply_already_sent`). An undone
  row is kept a while (`undone`): the same undo again answers the text again.

Only the author sees, undoes or takes back a pending reply; to anyone else it does not exist,
but for a reply scheduled with Send later (`send_at`, `scheduled`): held until the time its
author chose, it is shown to every agent who sees the ticket while it waits (scheduled.py), and
its thread is always checked again at its sending ("cancel if they reply").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import context as audit_context
from frontdesk.audit.models import ActorKind
from frontdesk.db.context import settings_of
from frontdesk.db.session import (
    after_commit,
    database_unreachable,
    drop_hooks_since,
    hooks_mark,
)
from frontdesk.errors import Conflict, FrontdeskError, Invalid, NotFound
from frontdesk.files.models import StoredFile
from frontdesk.kit.clock import utcnow
from frontdesk.notifications import service as notifications_service
from frontdesk.pending_replies import due, moves
from frontdesk.pending_replies.events import record_failed, scheduled_changed
from frontdesk.pending_replies.models import PendingReply, PendingReplyFile, PendingState
from frontdesk.realtime.catalogue import ScheduledChange
from frontdesk.tickets import service as tickets_service
from frontdesk.tickets.models import Ticket, TicketEntry
from frontdesk.tickets.service import AfterReply
from frontdesk.tickets.staleness import StaleThread, ensure_fresh, last_public_entries
from frontdesk.users import service as users_service
from frontdesk.users.models import User

logger = logging.getLogger(__name__)

# The choices of the "Undo send" preference, in seconds; 0 is off.
UNDO_SECONDS = users_service.UNDO_SEND_SECONDS
# A sent reply's row is kept this long, so that an undo arriving late is told it was sent.
KEEP_SENT = timedelta(hours=1)
# A reply that could not be sent waits this long for its author to take its text back.
KEEP_FAILED = timedelta(days=7)
# What its author is told of a reply that met an unexpected error at its sending (the error
# itself is logged): its text waits, failed, as any refused one's.
INTERNAL_ERROR = "internal_error"


class NotSent(Exception):
    """A due reply refused at its sending: `error` says why (the same error an immediate reply
    would have met)."""

    def __init__(self, pending_id: int, error: FrontdeskError) -> None:
        super().__init__(pending_id, error.code)
        self.pending_id = pending_id
        self.error = error


async def hold_reply(
    session: AsyncSession,
    *,
    ticket: Ticket,
    author: User,
    delay_seconds: int,
    text: str,
    then: AfterReply,
    limit: int,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    attachment_ids: Sequence[int] = (),
    attachment_limit: int = 0,
    seen_entry_id: int | None = None,
    snooze_until: datetime | None = None,
    signature: bool = True,
    send_at: datetime | None = None,
) -> PendingReply:
    """The reply checked as if sent now, then kept until `delay_seconds` from now, or until
    `send_at` (Send later, checked by scheduled.py `checked_send_at`). The caller has locked the
    ticket and checked that `author` sees it."""
    prepared = await tickets_service.prepare_reply(
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
    file_ids = [stored.id for stored in prepared.files]
    await _keep_files(session, file_ids)
    now = utcnow()
    scheduled = send_at is not None
    if scheduled and seen_entry_id is None:
        # Cancelled if they reply, whoever schedules it: without the entry its author saw (an
        # API client), the thread as it is now (0: none yet) is what its sending checks against.
        newest = await last_public_entries(session, ticket_ids=[ticket.id])
        seen_entry_id = newest.get(ticket.id, 0)
    pending = PendingReply(
        ticket_id=ticket.id,
        author_id=author.id,
        state=PendingState.pending,
        text=prepared.text,
        then=then.value,
        snooze_until=snooze_until,
        cc=prepared.copied["cc"],
        bcc=prepared.copied["bcc"],
        attachment_ids=file_ids,
        created_at=now,
        due_at=send_at if send_at is not None else now + timedelta(seconds=delay_seconds),
        seen_entry_id=seen_entry_id,
        signature=signature,
        scheduled=scheduled,
    )
    session.add(pending)
    await session.flush()
    session.add_all(PendingReplyFile(pending_reply_id=pending.id, file_id=i) for i in file_ids)
    await session.flush()
    expect_after_commit(session, pending.due_at)
    if scheduled:
        scheduled_changed(session, pending=pending, inbox_id=ticket.inbox_id, change="scheduled")
    return pending


def expect_after_commit(session: AsyncSession, due_at: datetime) -> None:
    """The app's sending loop told of a reply due at `due_at` once it is committed."""
    known = due.of_session(session)
    if known is not None:

        async def expected() -> None:
            known.expect(due_at)

        after_commit(session, expected)


async def _keep_files(session: AsyncSession, file_ids: Sequence[int]) -> None:
    """The uploads locked until the pending reply holding them is committed: the sweep of
    unsent uploads (files/cleanup.py, SKIP LOCKED) then leaves them, and one it deleted just
    now is refused as the immediate path refuses it (422), not by a foreign key (500)."""
    if not file_ids:
        return
    kept = set(
        await session.scalars(
            select(StoredFile.id).where(StoredFile.id.in_(file_ids)).with_for_update()
        )
    )
    missing = [file_id for file_id in file_ids if file_id not in kept]
    if missing:
        raise Invalid(
            "attachment_ids",
            f"No upload {missing[0]} waits on this ticket: upload the file again.",
        )


async def send_next(session: AsyncSession, *, now: datetime) -> int | None:
    """Sends one due pending reply; its id, or None when none is due (or every due one is being
    sent by another process). Raises NotSent when the reply may no longer be sent: the caller
    rolls back and records it (`record_failure`)."""
    pending = await session.scalar(
        select(PendingReply)
        .where(PendingReply.state == PendingState.pending, PendingReply.due_at <= now)
        .order_by(PendingReply.due_at, PendingReply.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if pending is None:
        return None
    try:
        entry = await _send(session, pending)
        if entry is None:
            # Handed to the original of an undone split (moves.py `follow`), still due: sent
            # from there by the next claim, in a transaction of its own.
            return pending.id
        pending.state = PendingState.sent
        pending.sent_at = entry.created_at
        pending.entry_id = entry.id
        await session.flush()
        if pending.scheduled:
            await _tell_colleagues(session, pending=pending, change="sent")
    except FrontdeskError as error:
        raise NotSent(pending.id, error) from error
    except Exception as error:
        # The database gone for now: the same reply is tried again next round.
        if database_unreachable(error):
            raise
        # A fault of ours with this reply: recorded, so that it does not block those after it.
        raise NotSent(
            pending.id,
            FrontdeskError(
                "An error on our side stopped this reply; it was not sent. Take it back to "
                "the reply box and send it again.",
                code=INTERNAL_ERROR,
                status_code=500,
            ),
        ) from error
    return pending.id


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest pending reply is due (pending_replies/due.py)."""
    return await session.scalar(
        select(func.min(PendingReply.due_at)).where(PendingReply.state == PendingState.pending)
    )


async def _send(session: AsyncSession, pending: PendingReply) -> TicketEntry | None:
    """The reply as its author would send it now: the same checks and the same path. None when
    its ticket was a split folded back meanwhile: handed over to the original, not sent yet."""
    author = await session.get(User, pending.author_id)
    if author is None or not author.is_active:
        raise Conflict(
            "Your account was deactivated before this reply went out, so it was not sent.",
            code="author_deactivated",
        )
    try:
        ticket = await tickets_service.lock_visible_ticket(
            session, user=author, ticket_id=pending.ticket_id
        )
    except NotFound:
        raise Conflict(
            "You no longer have access to this ticket's inbox, so the reply was not sent.",
            code="ticket_not_visible",
        ) from None
    if ticket.merged_into_id is not None:
        if await moves.follow(session, pending=pending, ticket=ticket):
            return None
        # Said before the thread's check, which the merge's line would fail as "answered".
        raise Conflict(
            "This ticket was merged into another one meanwhile, so the reply was not sent; "
            "reply there.",
            code="ticket_merged",
        )
    try:
        await _ensure_unanswered(session, pending=pending, ticket=ticket)
    except StaleThread:
        if not pending.scheduled:
            raise
        # Send later's "cancel if they reply": said as such, hours after it was written.
        raise Conflict(
            "The customer wrote, or another agent replied, after you scheduled this reply, so it "
            "was not sent. Read the thread, then send it again.",
            code="answered_since_scheduled",
        ) from None
    # Its uploads let go, for `add_reply` to take them as any reply's (rolled back if refused).
    await session.execute(
        delete(PendingReplyFile).where(PendingReplyFile.pending_reply_id == pending.id)
    )
    settings = settings_of(session)
    # Sent by its author, not by the system: the audit trail and webhooks (customer.updated,
    # ticket.updated) name them, as for an immediate reply.
    with audit_context.acting(audit_context.Actor(ActorKind.user, author.email, user_id=author.id)):
        return await tickets_service.add_reply(
            session,
            ticket=ticket,
            author=author,
            text=pending.text,
            then=AfterReply(pending.then),
            limit=settings.max_text_length,
            cc=pending.cc,
            bcc=pending.bcc,
            attachment_ids=pending.attachment_ids,
            attachment_limit=settings.max_attachment_bytes,
            snooze_until=pending.snooze_until,
            signature=pending.signature,
        )


async def _ensure_unanswered(
    session: AsyncSession, *, pending: PendingReply, ticket: Ticket
) -> None:
    """The stale thread check of the reply box (tickets/staleness.py) made again at the sending:
    what others wrote since the entry its author had seen (another agent answered, the
    customer wrote again) refuses it (`stale_thread`); the author's own entries do not, such as
    their earlier held reply sent a moment before. Held without `seen_entry_id` (an API client
    that asked for none), nothing is checked, as for an immediate reply."""
    await ensure_fresh(
        session, ticket=ticket, seen_entry_id=pending.seen_entry_id, author_id=pending.author_id
    )


async def record_failure(session: AsyncSession, *, pending_id: int, error: FrontdeskError) -> bool:
    """`failed`, with the error's code and words, and its author notified (`reply_not_sent`);
    False when it is no longer pending (undone meanwhile, or another process recorded it first),
    and nobody is told twice."""
    pending = await session.scalar(
        select(PendingReply)
        .where(PendingReply.id == pending_id, PendingReply.state == PendingState.pending)
        .with_for_update(skip_locked=True)
    )
    if pending is None:
        return False
    pending.state = PendingState.failed
    pending.error_code = error.code
    pending.error_message = error.message
    # Its uploads wait in the author's box again, swept as any unsent upload is.
    await session.execute(
        delete(PendingReplyFile).where(PendingReplyFile.pending_reply_id == pending.id)
    )
    # Before the notification's savepoint: a fault of the telling does not take it away.
    record_failed(session, pending=pending)
    if pending.scheduled:
        await _tell_colleagues(session, pending=pending, change="failed")
    await _tell_author(session, pending=pending, error=error)
    return True


async def _tell_author(
    session: AsyncSession, *, pending: PendingReply, error: FrontdeskError
) -> None:
    """Told as well as listed: the author has usually left the ticket by then (the reply was held
    for them to move on), and may not look at the desk before the customer wonders. In a
    savepoint: a fault of the telling (logged) loses the notification, not the `failed` state,
    which would otherwise be rolled back with it and the reply tried first every round, before
    every other due reply, for ever."""
    mark = hooks_mark(session)
    try:
        async with session.begin_nested():
            author = await session.get(User, pending.author_id)
            ticket = await session.get(Ticket, pending.ticket_id)
            if author is not None and ticket is not None:
                await notifications_service.reply_not_sent(
                    session,
                    author=author,
                    ticket=ticket,
                    reason=error.message,
                    reason_code=error.code,
                    pending_reply_id=pending.id,
                )
    except Exception as fault:
        # The database gone for now: nothing is recorded, the next round tries again.
        if database_unreachable(fault):
            raise
        # Its live event and anything else queued for the commit go with the savepoint.
        drop_hooks_since(session, mark)
        logger.exception("pending reply %s: its author could not be notified", pending.id)


async def _tell_colleagues(
    session: AsyncSession, *, pending: PendingReply, change: ScheduledChange
) -> None:
    """The ticket's desks read its scheduled replies again (scheduled.py)."""
    ticket = await session.get(Ticket, pending.ticket_id)
    if ticket is not None:
        scheduled_changed(session, pending=pending, inbox_id=ticket.inbox_id, change=change)


async def list_pending(
    session: AsyncSession, *, author: User, ticket_id: int | None = None
) -> Sequence[PendingReply]:
    """The author's replies still waiting or not sent, oldest first; of one ticket, or all."""
    statement = (
        select(PendingReply)
        .where(
            PendingReply.author_id == author.id,
            PendingReply.state.in_((PendingState.pending, PendingState.failed)),
        )
        .order_by(PendingReply.id)
    )
    if ticket_id is not None:
        statement = statement.where(PendingReply.ticket_id == ticket_id)
    return (await session.scalars(statement)).all()


async def _own(
    session: AsyncSession, *, author: User, ticket_id: int, pending_id: int, lock: bool = False
) -> PendingReply:
    """One of the author's replies on the ticket, or 404: to anyone else it does not exist.
    Locked, its row is re-read under its lock (a sending of it in progress is waited for). Named
    by a ticket it left, folded since into the one it is on now (an undone split moved it to its
    original, moves.py: the split ticket's toast and page still name it so), it is the same
    reply if its author sees that ticket now; else 404, as before it moved."""
    statement = select(PendingReply).where(
        PendingReply.id == pending_id, PendingReply.author_id == author.id
    )
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    pending = await session.scalar(statement)
    if pending is None or (
        pending.ticket_id != ticket_id
        and not await _folded_into(
            session, ticket_id=ticket_id, current_id=pending.ticket_id, seen_by=author
        )
    ):
        raise NotFound("No such pending reply.")
    return pending


async def _folded_into(
    session: AsyncSession, *, ticket_id: int, current_id: int, seen_by: User
) -> bool:
    """Whether the ticket `ticket_id` went into `current_id` (`merged_into_id`, through every
    ticket it went into in turn: a split of a split, both undone) and `seen_by` sees that one."""
    passed = {ticket_id}
    into = await session.scalar(select(Ticket.merged_into_id).where(Ticket.id == ticket_id))
    while into is not None and into != current_id and into not in passed:
        passed.add(into)
        into = await session.scalar(select(Ticket.merged_into_id).where(Ticket.id == into))
    if into != current_id:
        return False
    try:
        await tickets_service.get_ticket(session, user=seen_by, ticket_id=current_id)
    except NotFound:
        return False
    return True


async def lock_own(
    session: AsyncSession, *, author: User, ticket_id: int, pending_id: int
) -> PendingReply:
    """One of the author's replies re-read under its row's lock (a sending of it in progress is
    waited for), or 404."""
    return await _own(session, author=author, ticket_id=ticket_id, pending_id=pending_id, lock=True)


async def undo(
    session: AsyncSession, *, author: User, ticket_id: int, pending_id: int
) -> PendingReply:
    """Takes a pending reply back (or a failed one's text): `undone`, and answered whole so
    that the desk puts it back in the reply box; undone already (the answer was lost), answered
    again. Waits for a sending of it in progress, and then refuses: a reply is sent or undone,
    never both."""
    pending = await lock_own(session, author=author, ticket_id=ticket_id, pending_id=pending_id)
    if pending.state is PendingState.sent:
        raise Conflict(
            "This reply was already sent; it can no longer be undone.",
            code="reply_already_sent",
        )
    if pending.state is not PendingState.undone:
        failed = pending.state is PendingState.failed
        pending.state = PendingState.undone
        # Its uploads wait in the author's box again, swept as any unsent upload is.
        await session.execute(
            delete(PendingReplyFile).where(PendingReplyFile.pending_reply_id == pending.id)
        )
        await session.flush()
        if pending.scheduled and not failed:
            await _tell_colleagues(session, pending=pending, change="cancelled")
        if failed:
            # Taken back, the bell's "not sent" is done with: read, so it is not told twice.
            await notifications_service.reply_taken_back(
                session, author=author, pending_reply_id=pending.id
            )
    return pending


async def get(
    session: AsyncSession, *, author: User, ticket_id: int, pending_id: int
) -> PendingReply:
    """One of the author's replies in whatever state (the desk asks what became of one that left
    its list: sent, or undone elsewhere); a row swept or deleted with its ticket: 404."""
    return await _own(session, author=author, ticket_id=ticket_id, pending_id=pending_id)


async def attachments_of(
    session: AsyncSession, *, pending: Sequence[PendingReply]
) -> dict[int, StoredFile]:
    """The uploads the replies hold, by id (one statement for them all)."""
    ids = {file_id for reply in pending for file_id in reply.attachment_ids}
    if not ids:
        return {}
    files = await session.scalars(select(StoredFile).where(StoredFile.id.in_(ids)))
    return {stored.id: stored for stored in files}


async def sweep(session: AsyncSession, *, now: datetime, limit: int) -> int:
    """Deletes sent and undone replies' rows after KEEP_SENT and failed ones after
    KEEP_FAILED."""
    ids = (
        await session.scalars(
            select(PendingReply.id)
            .where(
                (
                    PendingReply.state.in_((PendingState.sent, PendingState.undone))
                    & (PendingReply.due_at < now - KEEP_SENT)
                )
                | (
                    (PendingReply.state == PendingState.failed)
                    & (PendingReply.due_at < now - KEEP_FAILED)
                )
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if ids:
        await session.execute(
            delete(PendingReply)
            .where(PendingReply.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    return len(ids)


def delay_for(author: User, *, asked: int | None, from_desk: bool) -> int:
    """Seconds to hold a reply: what the request asked (`undo_seconds`), else the author's "Undo
    send" preference for a desk session and none for an API token: a script that sends replies
    is not made to wait by a person's setting in the desk."""
    if asked is not None:
        return asked
    if not from_desk:
        return 0
    chosen = author.preferences.get("undo_send_seconds", 0)
    return chosen if isinstance(chosen, int) and chosen in UNDO_SECONDS else 0
