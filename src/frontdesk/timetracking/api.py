"""Time entries on tickets and the agent's running timer. Thin: the rules are in service.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.kit.clock import utcnow
from frontdesk.kit.schemas import Id
from frontdesk.timetracking import service
from frontdesk.timetracking.models import TimeEntry
from frontdesk.timetracking.schemas import (
    AgentRef,
    TimeEntryCreate,
    TimeEntryList,
    TimeEntryRead,
    TimeEntryUpdate,
    TimerDiscarded,
    TimerRead,
    TimerStarted,
    TimerState,
    TimerStop,
    TimerStopped,
)

router = APIRouter(tags=["time tracking"], route_class=AuthenticateFirst)


async def entry_reads(session: AsyncSession, entries: list[TimeEntry]) -> list[TimeEntryRead]:
    names = await service.authors(session, entries)
    return [
        TimeEntryRead(
            id=entry.id,
            ticket_id=entry.ticket_id,
            user=None
            if entry.user_id is None
            else AgentRef(id=entry.user_id, name=names.get(entry.user_id, "")),
            minutes=entry.minutes,
            day=entry.day,
            note=entry.note,
            billable=entry.billable,
            created_at=entry.created_at,
            updated_at=entry.updated_at,
        )
        for entry in entries
    ]


def timer_read(timer: service.Timer) -> TimerRead:
    elapsed = (utcnow() - timer.row.started_at).total_seconds()
    return TimerRead(
        ticket_id=timer.row.ticket_id,
        ticket_number=None if timer.ticket is None else timer.ticket.number,
        subject=None if timer.ticket is None else timer.ticket.subject,
        gone=timer.ticket is None,
        started_at=timer.row.started_at,
        elapsed_seconds=max(0, int(elapsed)),
    )


async def stopped_read(session: AsyncSession, stopped: service.Stopped) -> TimerStopped:
    (entry,) = await entry_reads(session, [stopped.entry])
    return TimerStopped(entry=entry, time_spent_minutes=stopped.total)


@router.get("/tickets/{ticket_id}/time-entries", response_model=TimeEntryList)
async def list_time_entries(
    ticket_id: Id,
    user: CurrentAgent,
    session: SessionDep,
    cursor: Annotated[
        str | None, Query(max_length=200, description="The `next_cursor` of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = service.PAGE_SIZE,
) -> TimeEntryList:
    """A page of the ticket's entries, newest day first, with the ticket's sums."""
    page = await service.list_entries(
        session, user=user, ticket_id=ticket_id, cursor=cursor, limit=limit
    )
    return TimeEntryList(
        entries=await entry_reads(session, page.entries),
        next_cursor=page.next_cursor,
        time_spent_minutes=page.sums.total,
        billable_minutes=page.sums.billable,
    )


@router.post(
    "/tickets/{ticket_id}/time-entries",
    response_model=TimeEntryRead,
    status_code=status.HTTP_201_CREATED,
)
async def log_time(
    ticket_id: Id, body: TimeEntryCreate, user: CurrentAgent, session: SessionDep
) -> TimeEntryRead:
    """Logs time on a ticket the agent sees (on a merged ticket: on the ticket it was merged
    into)."""
    entry = await service.log_time(
        session,
        user=user,
        ticket_id=ticket_id,
        minutes=body.minutes,
        day=body.day,
        note=body.note,
        billable=body.billable,
    )
    (read,) = await entry_reads(session, [entry])
    return read


@router.patch("/time-entries/{entry_id}", response_model=TimeEntryRead)
async def update_time_entry(
    entry_id: Id, body: TimeEntryUpdate, user: CurrentAgent, session: SessionDep
) -> TimeEntryRead:
    """The author's own entry, or anyone's for admins and owners (then audited); 403
    `not_your_time_entry` otherwise; 409 `ticket_is_spam` on a spam ticket."""
    entry = await service.update_entry(
        session,
        user=user,
        entry_id=entry_id,
        minutes=body.minutes,
        day=body.day,
        note=body.note,
        billable=body.billable,
    )
    (read,) = await entry_reads(session, [entry])
    return read


@router.delete("/time-entries/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_time_entry(entry_id: Id, user: CurrentAgent, session: SessionDep) -> None:
    """As PATCH: the author's own, or anyone's for admins and owners (then audited)."""
    await service.delete_entry(session, user=user, entry_id=entry_id)


@router.get("/me/timer", response_model=TimerState)
async def get_timer(user: CurrentAgent, session: SessionDep) -> TimerState:
    timer = await service.get_timer(session, user=user)
    return TimerState(timer=None if timer is None else timer_read(timer))


@router.post("/tickets/{ticket_id}/timer", response_model=TimerStarted)
async def start_timer(ticket_id: Id, user: CurrentAgent, session: SessionDep) -> TimerStarted:
    """Starts the agent's one timer on this ticket (a merged one: the ticket it went into).
    Running here already: unchanged. Running on another ticket: stopped and logged there first
    (`stopped`); discarded when its time cannot be logged there (`discarded`); 409
    `timer_too_long` when it ran more than 8 hours (stop it with `minutes` first)."""
    timer, stopped, discarded = await service.start_timer(session, user=user, ticket_id=ticket_id)
    return TimerStarted(
        timer=timer_read(timer),
        stopped=None if stopped is None else await stopped_read(session, stopped),
        discarded=None
        if discarded is None
        else TimerDiscarded(ticket_id=discarded.ticket_id, minutes=discarded.minutes),
    )


@router.post("/me/timer/stop", response_model=TimerStopped)
async def stop_timer(body: TimerStop, user: CurrentAgent, session: SessionDep) -> TimerStopped:
    """Stops the running timer and logs its minutes, rounded up (at least 1), or `minutes`;
    404 `no_timer` when none runs (a second click: the first logged it); 409 `timer_too_long`
    past 8 hours without `minutes`; 409 `timer_ticket_gone` when its ticket is no longer one
    you see, `ticket_is_spam` when it is spam (discard it)."""
    stopped = await service.stop_timer(
        session,
        user=user,
        minutes=body.minutes,
        note=body.note,
        billable=body.billable,
        day=body.day,
    )
    return await stopped_read(session, stopped)


@router.delete("/me/timer", status_code=status.HTTP_204_NO_CONTENT)
async def discard_timer(user: CurrentAgent, session: SessionDep) -> None:
    """Cancels the running timer without logging anything (none running: nothing to do)."""
    await service.discard_timer(session, user=user)
