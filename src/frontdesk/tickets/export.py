"""A ticket list as a CSV file: every ticket the list's filters find, not just a page, in the
list's order (docs/desk.md, "Exporting a list").

The tickets are read in batches of the list's own pages (`service.list_tickets` and its cursor),
each in a short transaction of its own: a file of 200,000 tickets never sits in memory, and on
SQLite the process's one connection is free between two batches. The first batch is read in the
request, so that a refusal (a bad sort, an inbox the agent does not see) is an error answer,
not a broken file. Each batch is re-read as the agent it is for: a ticket they stop seeing
while the file is written is left out, and their deactivation ends the download."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.audit import service as audit
from frontdesk.db.session import unit_of_work
from frontdesk.errors import FrontdeskError
from frontdesk.fields.models import FieldObject
from frontdesk.fields.service import list_fields
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.spreadsheet import safe_cell
from frontdesk.tickets import service
from frontdesk.tickets.listing import ListFilters
from frontdesk.tickets.models import Ticket
from frontdesk.tickets.queries import TicketFilter
from frontdesk.tickets.schemas import TicketRead
from frontdesk.users.models import User

# Tickets per batch: a page of the list at its largest (service.MAX_PAGE).
BATCH = service.MAX_PAGE
COLUMNS = (
    "number",
    "subject",
    "state",
    # The custom status's name (docs/desk.md, "Ticket statuses"); empty for the plain one.
    "status",
    "inbox",
    "assignee",
    "customer_name",
    "customer_email",
    "type",
    "priority",
    "labels",
    "created_at",
    "updated_at",
    "closed_at",
    "sla_due_at",
    "checklist_done",
    "checklist_total",
    "time_spent_minutes",
)
# A custom field's column: its key after this (`fields.plan`), as the API names its value.
FIELD_PREFIX = "fields."


class Reads(Protocol):
    """How the list shows tickets to an agent (tickets/api.py `ticket_reads`): the file shows
    them the same way, a customer hidden from the agent included."""

    async def __call__(
        self, session: AsyncSession, tickets: Sequence[Ticket], *, user: User
    ) -> list[TicketRead]: ...


class ExportStopped(FrontdeskError):
    """Its agent was deactivated (or deleted) while the file was written: the download breaks off
    rather than end as if complete."""

    status_code = 403
    code = "export_stopped"


@dataclass(frozen=True)
class Export:
    user_id: int
    criteria: TicketFilter
    sort: str | None
    field_keys: tuple[str, ...]
    batch: int


@dataclass
class _Names:
    """Inboxes' and agents' names, read once for the whole file: there are few of them."""

    inboxes: dict[int, str]
    users: dict[int, str]

    async def fill(self, session: AsyncSession, reads: Sequence[TicketRead]) -> None:
        inbox_ids = {read.inbox_id for read in reads} - self.inboxes.keys()
        if inbox_ids:
            rows = await session.execute(
                select(Inbox.id, Inbox.name).where(Inbox.id.in_(inbox_ids))
            )
            self.inboxes.update(dict(rows.all()))
        user_ids = {read.assignee_id for read in reads if read.assignee_id} - self.users.keys()
        if user_ids:
            rows = await session.execute(select(User.id, User.name).where(User.id.in_(user_ids)))
            self.users.update(dict(rows.all()))


def file_name(now: datetime) -> str:
    return f"frontdesk-tickets-{now.strftime('%Y%m%d-%H%M%S')}.csv"


def _when(value: datetime | None) -> str | None:
    # UTC, ISO 8601 to the second: a file is read far from the desk, by programs as much as by
    # people, and the reports' and audit log's files speak UTC too.
    return None if value is None else value.astimezone(UTC).isoformat(timespec="seconds")


def _value(value: object) -> object:
    # A checkbox as the API writes it; a number as written (no "5.0" for 5).
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _row(read: TicketRead, export: Export, names: _Names) -> list[str]:
    checklist = read.checklist
    values: list[object] = [
        read.number,
        read.subject,
        read.state.value,
        read.status.name if read.status else "",
        names.inboxes.get(read.inbox_id, ""),
        names.users.get(read.assignee_id, "") if read.assignee_id else "",
        read.customer_name,
        read.customer_email,
        read.type.value,
        read.priority.value,
        ", ".join(label.name for label in read.labels),
        _when(read.created_at),
        _when(read.updated_at),
        _when(read.closed_at),
        _when(read.sla_due_at),
        checklist.done if checklist else None,
        checklist.total if checklist else None,
        read.time_spent_minutes,
        *(_value(read.fields.get(key)) for key in export.field_keys),
    ]
    return [safe_cell(value) for value in values]


async def _text(
    session: AsyncSession,
    tickets: Sequence[Ticket],
    *,
    user: User,
    export: Export,
    names: _Names,
    reads: Reads,
    header: bool = False,
) -> str:
    shown = await reads(session, tickets, user=user)
    await names.fill(session, shown)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if header:
        writer.writerow([*COLUMNS, *(FIELD_PREFIX + key for key in export.field_keys)])
    writer.writerows(_row(read, export, names) for read in shown)
    return out.getvalue()


async def start_export(
    session: AsyncSession,
    *,
    user: User,
    chosen: ListFilters,
    criteria: TicketFilter,
    sort: str | None,
    reads: Reads,
    batch: int | None = None,
) -> tuple[Export, str, str | None]:
    """The export, its first piece (the header and the first batch) and where the next batch
    starts (None: nothing more), read in the request; recorded in the audit log, since the file
    can carry many customers' names and addresses."""
    fields = await list_fields(session, object=FieldObject.ticket, archived=False)
    export = Export(
        user_id=user.id,
        criteria=criteria,
        sort=sort,
        field_keys=tuple(field.key for field in fields),
        batch=batch or BATCH,
    )
    page = await service.list_tickets(
        session, user=user, criteria=criteria, sort=sort, limit=export.batch
    )
    names = _Names({}, {})
    first = await _text(
        session, page.tickets, user=user, export=export, names=names, reads=reads, header=True
    )
    audit.record(
        session,
        action="tickets.exported",
        changes={"filters": chosen.plain(), "sort": sort},
    )
    return export, first, page.next_cursor


async def rest_of_export(
    sessionmaker: async_sessionmaker[AsyncSession],
    export: Export,
    *,
    first: str,
    cursor: str | None,
    reads: Reads,
) -> AsyncIterator[str]:
    """The file's pieces: `first`, then a batch at a time, each in a transaction of its own."""
    yield first
    names = _Names({}, {})
    while cursor is not None:
        async with unit_of_work(sessionmaker) as session:
            user = await session.get(User, export.user_id)
            if user is None or not user.is_active:
                raise ExportStopped("The export stopped: its agent was deactivated.")
            page = await service.list_tickets(
                session,
                user=user,
                criteria=export.criteria,
                sort=export.sort,
                cursor=cursor,
                limit=export.batch,
            )
            text = await _text(
                session, page.tickets, user=user, export=export, names=names, reads=reads
            )
        cursor = page.next_cursor
        yield text
