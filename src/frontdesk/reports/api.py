"""Reports under /api/v1/reports: each table as JSON and as CSV, and the tickets behind a
figure. Every route takes the same filters; an agent's figures are always their own."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.reading import read
from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.errors import NotFound
from frontdesk.kit.clock import utcnow
from frontdesk.kit.schemas import Id
from frontdesk.kit.spreadsheet import safe_cell
from frontdesk.metrics.models import Channel
from frontdesk.reports import service
from frontdesk.reports.open_work import open_work, open_work_ticket_ids
from frontdesk.reports.schemas import (
    AgentRow,
    CommentRow,
    CsatDay,
    HourCell,
    OpenWorkRow,
    ReportTicket,
    SlaRow,
    TimeFigure,
    TimeTrackedRow,
    VolumeRow,
)
from frontdesk.reports.time_tracked import time_tracked as time_tracked_rows

router = APIRouter(prefix="/reports", tags=["reports"], route_class=AuthenticateFirst)


async def report_filter(
    user: CurrentAgent,
    since: Annotated[date, Query(description="First day (in the time zone)")],
    until: Annotated[date, Query(description="Last day, included")],
    time_zone: Annotated[
        str | None,
        Query(max_length=64, description="IANA zone; default: the viewer's preference, or UTC"),
    ] = None,
    inbox_id: Id | None = None,
    channel: Channel | None = None,
    agent_id: Annotated[
        Id | None, Query(description="Ignored for agents: always themselves")
    ] = None,
    label_id: Id | None = None,
    hours: Annotated[
        service.ReportHours,
        Query(
            description="How first response, response and resolution times count: every "
            "second (calendar), or only the business hours of the conversation's inbox "
            "(business). Chat wait and missed chats are always calendar time."
        ),
    ] = service.ReportHours.calendar,
) -> service.ReportFilter:
    return service.checked(
        user,
        service.ReportFilter(
            since=since,
            until=until,
            time_zone=service.viewer_zone(user, time_zone),
            inbox_id=inbox_id,
            channel=channel,
            agent_id=agent_id,
            label_id=label_id,
            hours=hours,
        ),
    )


FilterDep = Annotated[service.ReportFilter, Depends(report_filter)]


async def snapshot_filter(
    user: CurrentAgent,
    inbox_id: Id | None = None,
    channel: Channel | None = None,
    agent_id: Annotated[
        Id | None, Query(description="The assignee now; ignored for agents: always themselves")
    ] = None,
    label_id: Id | None = None,
) -> service.ReportFilter:
    """The filters of a table of now: no range (dates sent are ignored), checked as every
    report's."""
    today = utcnow().date()
    return service.checked(
        user,
        service.ReportFilter(
            since=today,
            until=today,
            inbox_id=inbox_id,
            channel=channel,
            agent_id=agent_id,
            label_id=label_id,
        ),
    )


SnapshotDep = Annotated[service.ReportFilter, Depends(snapshot_filter)]


def _viewer(user: CurrentAgent) -> int | None:
    """An agent's inboxes limit what a table of tickets counts; owners and admins see all."""
    return None if user.is_admin else user.id


# The figure of the tickets of a row of Open work by status.
OPEN_WORK = "open_work"

# The columns of each table's CSV.
TABLES: dict[str, type[BaseModel]] = {
    "volume": VolumeRow,
    "busiest_hours": HourCell,
    "times": TimeFigure,
    "agents": AgentRow,
    "csat": CsatDay,
    "comments": CommentRow,
    "sla": SlaRow,
    "time_tracked": TimeTrackedRow,
}


async def _table(
    session: AsyncSession, name: str, report: service.ReportFilter
) -> list[dict[str, Any]]:
    # In the reading process: a year's report is too much work for the process serving the desk.
    if name == "time_tracked":
        return await read(session, time_tracked_rows, report)
    return await read(session, service.table, name, report)


@router.get("/volume", response_model=list[VolumeRow])
async def volume(report: FilterDep, session: SessionDep) -> list[dict[str, Any]]:
    """Conversations begun per day, channel and inbox."""
    return await _table(session, "volume", report)


@router.get("/busiest_hours", response_model=list[HourCell])
async def busiest_hours(report: FilterDep, session: SessionDep) -> list[dict[str, Any]]:
    """Conversations begun per weekday and hour (168 cells)."""
    return await _table(session, "busiest_hours", report)


@router.get("/times", response_model=list[TimeFigure])
async def times(report: FilterDep, session: SessionDep) -> list[dict[str, Any]]:
    """First response, response, resolution and chat wait times, and missed chats' wait."""
    return await _table(session, "times", report)


@router.get("/agents", response_model=list[AgentRow])
async def agents(report: FilterDep, session: SessionDep) -> list[dict[str, Any]]:
    """Per agent: chats, tickets replied and closed, first response time, CSAT, time online."""
    return await _table(session, "agents", report)


@router.get("/csat", response_model=list[CsatDay])
async def csat(report: FilterDep, session: SessionDep) -> list[dict[str, Any]]:
    """Ratings per day and the share of good ones."""
    return await _table(session, "csat", report)


@router.get("/comments", response_model=list[CommentRow])
async def comments(report: FilterDep, session: SessionDep) -> list[dict[str, Any]]:
    """Rating comments, newest first."""
    return await _table(session, "comments", report)


@router.get("/sla", response_model=list[SlaRow])
async def sla(report: FilterDep, session: SessionDep) -> list[dict[str, Any]]:
    """SLA breaches per target (first response, next response, resolution), counted by the day
    the target was due; the agent is the ticket's assignee when it breached."""
    return await _table(session, "sla", report)


@router.get("/time_tracked", response_model=list[TimeTrackedRow])
async def time_tracked(report: FilterDep, session: SessionDep) -> list[dict[str, Any]]:
    """Minutes logged per agent and inbox on the days of the range (each entry's day worked),
    billable and not. An agent sees only their own."""
    return await _table(session, "time_tracked", report)


@router.get("/statuses", response_model=list[OpenWorkRow])
async def statuses(
    report: SnapshotDep, user: CurrentAgent, session: SessionDep
) -> list[dict[str, Any]]:
    """Open work by status: the tickets open, on hold or snoozed now, per state and custom
    status (the plain status its own row). Now, not a range: `since` and `until` are not taken;
    the agent filter is the assignee, and an agent counts their own tickets in their inboxes."""
    return await read(session, open_work, report, _viewer(user))


@router.get(
    "/statuses.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The table as CSV"}},
)
async def statuses_csv(report: SnapshotDep, user: CurrentAgent, session: SessionDep) -> Response:
    """Open work by status as a CSV download, named for the day it was read."""
    rows = await read(session, open_work, report, _viewer(user))
    return _csv_response(rows, OpenWorkRow, f"frontdesk-statuses-{report.since.isoformat()}.csv")


@router.get("/tickets", response_model=list[ReportTicket])
async def figure_tickets(
    report: FilterDep,
    user: CurrentAgent,
    session: SessionDep,
    figure: Annotated[
        str, Query(description=f"One of {', '.join([*service.ALL_FIGURES, OPEN_WORK])}")
    ],
    day: date | None = None,
    weekday: Annotated[int | None, Query(ge=0, le=6)] = None,
    hour: Annotated[int | None, Query(ge=0, le=23)] = None,
    state: Annotated[
        str | None, Query(description="open_work: the row's state (open, hold, snoozed)")
    ] = None,
    status_id: Annotated[
        Id | None,
        Query(description="open_work: the row's custom status; left out: the plain status"),
    ] = None,
) -> list[ReportTicket]:
    """The tickets behind a figure, newest first (at most 500). `open_work`: the tickets of a
    row of Open work by status now (its `state` and `status_id`; the range does not apply)."""
    if figure == OPEN_WORK:
        ids = await read(
            session,
            open_work_ticket_ids,
            report,
            _viewer(user),
            state=state,
            status_id=status_id,
        )
    else:
        ids = await read(
            session,
            service.figure_ticket_ids,
            report,
            figure=figure,
            day=day,
            weekday=weekday,
            hour=hour,
        )
    tickets = await service.figure_tickets(session, user=user, ids=ids)
    return [ReportTicket.model_validate(ticket) for ticket in tickets]


def _csv(rows: list[dict[str, Any]], model: type[BaseModel]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(model.model_fields), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        # A cell a spreadsheet would run as a formula is written as text.
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return out.getvalue()


@router.get(
    "/{table}.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The table as CSV"}},
)
async def table_csv(table: str, report: FilterDep, session: SessionDep) -> Response:
    """Any table above as a CSV download: volume, busiest_hours, times, agents, csat, comments,
    sla, time_tracked."""
    if table not in TABLES:
        raise NotFound(f"No report table named {table}.")
    rows = await _table(session, table, report)
    name = f"frontdesk-{table}-{report.since.isoformat()}-{report.until.isoformat()}.csv"
    return _csv_response(rows, TABLES[table], name)


def _csv_response(rows: list[dict[str, Any]], model: type[BaseModel], name: str) -> Response:
    return Response(
        _csv(rows, model),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
