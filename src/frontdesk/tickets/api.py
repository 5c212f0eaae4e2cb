"""Tickets: the desk's list, a ticket with its thread, edits, notes and replies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.checklists import service as checklists_service
from frontdesk.checklists.schemas import ChecklistProgress
from frontdesk.customers import service as customers_service
from frontdesk.customers.views import customer_reads
from frontdesk.deps import AuthenticateFirst, CurrentAgent, CurrentAuth, SessionDep, SettingsDep
from frontdesk.fields import values as field_values
from frontdesk.fields.models import FieldObject
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.clock import utcnow
from frontdesk.kit.schemas import Id, InUtc
from frontdesk.labels import service as labels_service
from frontdesk.labels.schemas import LabelRead
from frontdesk.mail import outbound as mail_outbound
from frontdesk.pending_replies import scheduled as scheduled_replies
from frontdesk.pending_replies import service as pending_service
from frontdesk.pending_replies.schemas import PendingReplyRead
from frontdesk.pending_replies.views import pending_reads
from frontdesk.search.highlights import Highlights
from frontdesk.search.terms import Part
from frontdesk.sla.views import sla_read
from frontdesk.statuses import service as statuses_service
from frontdesk.tickets import export, listing, service, staleness, starting, transfers
from frontdesk.tickets.deps import LoadedTicket
from frontdesk.tickets.listing import SORT_HELP, ListFiltersDep
from frontdesk.tickets.models import Ticket
from frontdesk.tickets.schemas import (
    EntryRead,
    ForwardCreate,
    NoteCreate,
    ReplyCreate,
    SearchHighlights,
    TextPart,
    TicketCounts,
    TicketCreate,
    TicketDetail,
    TicketPageRead,
    TicketRead,
    TicketRowRead,
    TicketUpdate,
)
from frontdesk.timetracking import service as time_service
from frontdesk.users.models import User

router = APIRouter(prefix="/tickets", tags=["tickets"], route_class=AuthenticateFirst)
# A ticket's newest entries, unless asked for more: its page costs the same whatever its age.
ENTRIES_SHOWN = 100
MAX_ENTRIES_SHOWN = 10_000


async def ticket_reads(
    session: AsyncSession, tickets: Sequence[Ticket], *, user: User
) -> list[TicketRead]:
    labels = await service.labels_of(session, ticket_ids=[ticket.id for ticket in tickets])
    hidden = await service.hidden_customers(session, user=user, tickets=tickets)
    shown = [t.customer_id for t in tickets if t.customer_id not in hidden]
    names = await customers_service.names_by_id(session, customer_ids=shown)
    # One statement for the page, not one per ticket: integrators list tickets to mail them.
    addresses = await mail_outbound.addresses_by_ticket(
        session, tickets=[t for t in tickets if t.customer_id not in hidden]
    )
    newest = await staleness.last_public_entries(session, ticket_ids=[t.id for t in tickets])
    fields = await field_values.values_of(
        session, object=FieldObject.ticket, ids=[t.id for t in tickets]
    )
    spent = await time_service.totals(session, ticket_ids=[t.id for t in tickets])
    # One statement for the page: the list's "2/5" badge.
    progress = await checklists_service.progress_of(session, ticket_ids=[t.id for t in tickets])
    statuses = await statuses_service.refs_of(session, status_ids=[t.status_id for t in tickets])
    return [
        TicketRead.model_validate(ticket).model_copy(
            update={
                "labels": [LabelRead.model_validate(label) for label in labels[ticket.id]],
                "status": statuses.get(ticket.status_id) if ticket.status_id else None,
                "customer_name": names.get(ticket.customer_id, ""),
                "customer_email": addresses.primary.get(ticket.customer_id),
                "reply_address": addresses.recipient.get(ticket.id),
                "last_public_entry_id": newest.get(ticket.id),
                "fields": fields[ticket.id],
                "time_spent_minutes": spent[ticket.id],
                "checklist": None
                if ticket.id not in progress
                else ChecklistProgress(
                    done=progress[ticket.id].done, total=progress[ticket.id].total
                ),
            }
        )
        for ticket in tickets
    ]


async def ticket_detail(
    session: AsyncSession, ticket: Ticket, *, user: User, entries: int = ENTRIES_SHOWN
) -> TicketDetail:
    (read,) = await ticket_reads(session, [ticket], user=user)
    customer = None
    if not await service.hidden_customers(session, user=user, tickets=[ticket]):
        found = await customers_service.get_customer_by_id(session, customer_id=ticket.customer_id)
        customer = (await customer_reads(session, [found]))[0]
    timeline = await service.list_entries(session, ticket=ticket, newest=entries)
    return TicketDetail(
        **read.model_dump(),
        customer=customer,
        entries=[EntryRead.model_validate(entry) for entry in timeline.entries],
        earlier_entries=timeline.earlier,
        claimed_email=timeline.claimed_email,
        sla=await sla_read(session, ticket=ticket),
    )


@router.get("", response_model=TicketPageRead)
async def list_tickets(
    user: CurrentAgent,
    session: SessionDep,
    chosen: ListFiltersDep,
    sort: Annotated[str | None, Query(description=SORT_HELP)] = None,
    cursor: Annotated[
        str | None,
        Query(
            max_length=500,
            description="The `next_cursor` of the previous page; it continues only the list that "
            "gave it (same sort, which it supplies when `sort` is left out, and same filters).",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    updated_since: Annotated[
        Annotated[datetime, InUtc] | None,
        Query(
            description="Start a sync: every ticket changed at or after this moment, oldest "
            "change first, then continue with `cursor` alone. Changes of the last seconds, and "
            "of transactions still running, are held back for a later page; `next_cursor` is "
            'never null, even on the last page (docs/api.md, "Syncing changes").'
        ),
    ] = None,
) -> TicketPageRead:
    criteria, sort = await listing.criteria_of(
        session,
        user=user,
        chosen=chosen,
        sort=sort,
        continued=cursor is not None or updated_since is not None,
    )
    page = await service.list_tickets(
        session,
        user=user,
        criteria=criteria,
        sort=sort,
        cursor=cursor,
        limit=limit,
        updated_since=updated_since,
    )
    reads = await ticket_reads(session, page.tickets, user=user)
    # One statement for the page: the rows' "Reply scheduled" mark (list rows only: webhooks'
    # ticket reads go without it).
    due = await scheduled_replies.next_due(session, ticket_ids=[t.id for t in page.tickets])
    items = [
        TicketRowRead(
            **{
                **dict(read),
                "scheduled_reply_at": due.get(read.id),
                "search": _search_read(page.highlights.get(read.id)),
            }
        )
        for read in reads
    ]
    return TicketPageRead(items=items, next_cursor=page.next_cursor)


def _search_read(found: Highlights | None) -> SearchHighlights | None:
    if found is None:
        return None

    def parts(values: list[Part] | None) -> list[TextPart] | None:
        if values is None:
            return None
        return [TextPart(text=part.text, match=part.match) for part in values]

    return SearchHighlights(subject=parts(found.subject), snippet=parts(found.snippet))


@router.get("/counts", response_model=TicketCounts)
async def count_tickets(
    user: CurrentAgent, session: SessionDep, inbox_id: Id | None = None
) -> TicketCounts:
    if inbox_id is not None:
        await inboxes_service.get_inbox(session, user=user, inbox_id=inbox_id)
    return TicketCounts(**await service.count_tickets(session, user=user, inbox_id=inbox_id))


@router.get(
    "/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The tickets as CSV"}},
)
async def export_tickets(
    request: Request,
    user: CurrentAgent,
    session: SessionDep,
    chosen: ListFiltersDep,
    sort: Annotated[str | None, Query(description=SORT_HELP)] = None,
) -> StreamingResponse:
    """Every ticket the list with these filters and sort shows, as a CSV file, in its order
    (docs/desk.md, "Exporting a list")."""
    criteria, sort = await listing.criteria_of(session, user=user, chosen=chosen, sort=sort)
    started, first, cursor = await export.start_export(
        session, user=user, chosen=chosen, criteria=criteria, sort=sort, reads=ticket_reads
    )
    return StreamingResponse(
        export.rest_of_export(
            request.app.state.sessionmaker, started, first=first, cursor=cursor, reads=ticket_reads
        ),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{export.file_name(utcnow())}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("", response_model=TicketDetail, status_code=status.HTTP_201_CREATED)
async def create_ticket(
    body: TicketCreate, user: CurrentAgent, session: SessionDep, settings: SettingsDep
) -> TicketDetail:
    """Files a ticket; with `message`, emails the customer first (docs/desk.md, "Starting a
    conversation")."""
    message = body.message
    ticket = await starting.start_ticket(
        session,
        user=user,
        new=starting.NewTicket(
            inbox_id=body.inbox_id,
            subject=body.subject,
            customer_id=body.customer.id,
            customer_email=body.customer.email,
            customer_name=body.customer.name,
            type=body.type,
            state=body.state if "state" in body.model_fields_set else None,
            status_id=body.status_id,
            priority=body.priority,
            assignee_id=body.assignee_id,
            label_ids=body.label_ids,
            note=body.note,
            fields=body.fields,
            message=starting.FirstMessage(
                text=message.text, then=message.then, signature=message.signature
            )
            if message is not None
            else None,
        ),
        limit=settings.max_text_length,
    )
    return await ticket_detail(session, ticket, user=user)


@router.get("/{ticket_id}", response_model=TicketDetail)
async def get_ticket(
    ticket: LoadedTicket,
    user: CurrentAgent,
    session: SessionDep,
    entries: Annotated[
        int,
        Query(
            ge=1,
            le=MAX_ENTRIES_SHOWN,
            description="How many of the newest entries to include (`earlier_entries` counts "
            "the rest)",
        ),
    ] = ENTRIES_SHOWN,
) -> TicketDetail:
    return await ticket_detail(session, ticket, user=user, entries=entries)


@router.patch("/{ticket_id}", response_model=TicketRead)
async def update_ticket(
    ticket_id: Id, body: TicketUpdate, user: CurrentAgent, session: SessionDep
) -> TicketRead:
    """Changes the fields given. With `inbox_id`, moves the ticket to that inbox first
    (docs/desk.md, "Moving a ticket to another inbox")."""
    ticket = await service.lock_visible_ticket(session, user=user, ticket_id=ticket_id)
    if body.inbox_id is not None:
        inbox = await transfers.target_inbox(session, actor=user, inbox_id=body.inbox_id)
        await transfers.move_to_inbox(
            session,
            actor=user,
            ticket=ticket,
            inbox=inbox,
            # The assignee named replaces whoever cannot see the new inbox; naming the one
            # already assigned is checked against the new inbox like any assignment.
            reassigning=body.assignee_id not in (None, ticket.assignee_id),
        )
    assignee = (
        await service.assignee_by_id(session, user_id=body.assignee_id)
        if body.assignee_id is not None
        else None
    )
    labels = (
        await labels_service.labels_by_ids(session, label_ids=body.label_ids)
        if body.label_ids is not None
        else None
    )
    status = (
        await statuses_service.status_to_set(session, status_id=body.status_id)
        if body.status_id is not None
        else None
    )
    await service.update_ticket(
        session,
        actor=user,
        ticket=ticket,
        status=status,
        plain_status="status_id" in body.model_fields_set and body.status_id is None,
        subject=body.subject,
        state=body.state,
        snoozed_until=body.snoozed_until,
        assignee=assignee,
        unassign=body.unassigns,
        labels=labels,
        priority=body.priority,
        fields=body.fields,
    )
    return (await ticket_reads(session, [ticket], user=user))[0]


@router.post("/{ticket_id}/notes", response_model=EntryRead, status_code=status.HTTP_201_CREATED)
async def add_note(
    ticket_id: Id,
    body: NoteCreate,
    user: CurrentAgent,
    session: SessionDep,
    settings: SettingsDep,
) -> EntryRead:
    # Locked and read again: a note sent as the ticket is merged away (an undone split) is
    # refused rather than left on the closed ticket.
    ticket = await service.lock_visible_ticket(session, user=user, ticket_id=ticket_id)
    service.ensure_not_merged(ticket, write="note")
    entry = await service.add_note(
        session,
        ticket=ticket,
        author=user,
        text=body.text,
        limit=settings.max_text_length,
        attachment_ids=body.attachment_ids,
        attachment_limit=settings.max_attachment_bytes,
    )
    return EntryRead.model_validate(entry)


@router.post(
    "/{ticket_id}/replies",
    response_model=EntryRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        status.HTTP_202_ACCEPTED: {
            "model": PendingReplyRead,
            "description": "Held for Undo send (`undo_seconds`, or the author's preference), or "
            "scheduled with Send later (`send_at`): sent at `due_at` unless undone. Nothing of "
            "the reply is written before then.",
        }
    },
)
async def add_reply(
    ticket_id: Id,
    body: ReplyCreate,
    auth: CurrentAuth,
    session: SessionDep,
    settings: SettingsDep,
) -> EntryRead | JSONResponse:
    user, login = auth
    # Locked: a reply assigns its author and is sent from the ticket's inbox, so a move of the
    # same ticket comes wholly before or after it.
    ticket = await service.lock_visible_ticket(session, user=user, ticket_id=ticket_id)
    send_at = (
        None
        if body.send_at is None
        else scheduled_replies.checked_send_at(
            body.send_at, snooze_until=body.snooze_until, undo_seconds=body.undo_seconds
        )
    )
    delay = pending_service.delay_for(user, asked=body.undo_seconds, from_desk=login is not None)
    if delay or send_at is not None:
        pending = await pending_service.hold_reply(
            session,
            ticket=ticket,
            author=user,
            delay_seconds=delay,
            text=body.text,
            then=body.then,
            snooze_until=body.snooze_until,
            limit=settings.max_text_length,
            cc=body.cc,
            bcc=body.bcc,
            attachment_ids=body.attachment_ids,
            attachment_limit=settings.max_attachment_bytes,
            seen_entry_id=body.seen_entry_id,
            signature=body.signature,
            send_at=send_at,
        )
        (held,) = await pending_reads(session, [pending])
        return JSONResponse(jsonable_encoder(held), status_code=status.HTTP_202_ACCEPTED)
    entry = await service.add_reply(
        session,
        ticket=ticket,
        author=user,
        text=body.text,
        then=body.then,
        snooze_until=body.snooze_until,
        limit=settings.max_text_length,
        cc=body.cc,
        bcc=body.bcc,
        attachment_ids=body.attachment_ids,
        attachment_limit=settings.max_attachment_bytes,
        seen_entry_id=body.seen_entry_id,
        signature=body.signature,
    )
    return EntryRead.model_validate(entry)


@router.post(
    "/{ticket_id}/entries/{entry_id}/forward",
    response_model=EntryRead,
    status_code=status.HTTP_201_CREATED,
)
async def forward_entry(
    entry_id: Id,
    body: ForwardCreate,
    ticket: LoadedTicket,
    user: CurrentAgent,
    session: SessionDep,
    settings: SettingsDep,
) -> EntryRead:
    """Sends one of the ticket's emails on to someone else, with an optional note above it."""
    entry = await service.forward_entry(
        session,
        ticket=ticket,
        entry_id=entry_id,
        author=user,
        to=body.to,
        cc=body.cc,
        note=body.text,
        limit=settings.max_text_length,
        attachment_limit=settings.max_attachment_bytes,
    )
    return EntryRead.model_validate(entry)
