"""The author's pending replies (Undo send, Send later): listed, sent now, and taken back; a
ticket's scheduled replies, listed for every agent who sees it. A reply is held by
`POST /api/v1/tickets/{id}/replies` (tickets/api.py)."""

from __future__ import annotations

from fastapi import APIRouter, status

from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.pending_replies import scheduled, service
from frontdesk.pending_replies.schemas import PendingReplyRead, ScheduledReplyRead
from frontdesk.pending_replies.views import pending_reads, scheduled_reads

router = APIRouter(tags=["tickets"], route_class=AuthenticateFirst)


@router.get("/tickets/{ticket_id}/pending-replies", response_model=list[PendingReplyRead])
async def list_ticket_pending(
    ticket_id: Id, user: CurrentAgent, session: SessionDep
) -> list[PendingReplyRead]:
    """The caller's own replies on this ticket still waiting to be sent (`pending`) or refused
    at their due time (`failed`); other agents' are never listed."""
    pending = await service.list_pending(session, author=user, ticket_id=ticket_id)
    return await pending_reads(session, pending)


@router.get("/me/pending-replies", response_model=list[PendingReplyRead])
async def list_my_pending(user: CurrentAgent, session: SessionDep) -> list[PendingReplyRead]:
    """The caller's pending and failed replies on every ticket, also those of tickets they no
    longer see (taken out of the inbox meanwhile): how they learn such a reply was not sent."""
    pending = await service.list_pending(session, author=user)
    return await pending_reads(session, pending)


@router.get("/tickets/{ticket_id}/pending-replies/{pending_id}", response_model=PendingReplyRead)
async def read_pending(
    ticket_id: Id, pending_id: Id, user: CurrentAgent, session: SessionDep
) -> PendingReplyRead:
    """One of the caller's replies in any state: what became of one that left the list (`sent`,
    or `undone` in another tab) for about an hour; 404 once swept, or gone with its ticket."""
    pending = await service.get(session, author=user, ticket_id=ticket_id, pending_id=pending_id)
    (read,) = await pending_reads(session, [pending])
    return read


@router.delete("/tickets/{ticket_id}/pending-replies/{pending_id}", response_model=PendingReplyRead)
async def undo_pending(
    ticket_id: Id, pending_id: Id, user: CurrentAgent, session: SessionDep
) -> PendingReplyRead:
    """Undo send: the reply is not sent, and its text, Cc, Bcc, attachments and `then` are
    answered for the reply box. A failed reply is taken back the same way; an undone one is
    answered again (a repeated undo whose first answer was lost). Once sent: 409
    `reply_already_sent`. Another agent's: 404."""
    pending = await service.undo(session, author=user, ticket_id=ticket_id, pending_id=pending_id)
    (read,) = await pending_reads(session, [pending])
    return read


@router.post(
    "/tickets/{ticket_id}/pending-replies/{pending_id}/send",
    response_model=PendingReplyRead,
    status_code=status.HTTP_202_ACCEPTED,
)
async def send_pending_now(
    ticket_id: Id, pending_id: Id, user: CurrentAgent, session: SessionDep
) -> PendingReplyRead:
    """Send now: one of the caller's waiting replies (a scheduled one, or one in its Undo send
    window) made due at once; the timer sends it within a second, with the checks of its due
    time. Answered `202` with `due_at` now. Sent already: 409 `reply_already_sent`; cancelled or
    failed: 409 `reply_not_pending`. Another agent's: 404."""
    pending = await scheduled.send_now(
        session, author=user, ticket_id=ticket_id, pending_id=pending_id
    )
    (read,) = await pending_reads(session, [pending])
    return read


@router.get("/tickets/{ticket_id}/scheduled-replies", response_model=list[ScheduledReplyRead])
async def list_ticket_scheduled(
    ticket_id: Id, user: CurrentAgent, session: SessionDep
) -> list[ScheduledReplyRead]:
    """Replies scheduled on this ticket with Send later (`send_at`) and still waiting, by any
    agent, soonest first: every agent who sees the ticket sees them, their text included."""
    found = await scheduled.list_scheduled(session, user=user, ticket_id=ticket_id)
    return await scheduled_reads(session, found)
