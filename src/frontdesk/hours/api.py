"""An inbox's business hours: every agent of the inbox reads them, admins set them."""

from __future__ import annotations

from fastapi import APIRouter

from frontdesk.deps import AuthenticateFirst, CurrentAdmin, CurrentAgent, SessionDep
from frontdesk.hours import service, sla_refresh
from frontdesk.hours.schemas import BusinessHoursRead, BusinessHoursUpdate
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit import clock
from frontdesk.kit.schemas import Id

router = APIRouter(prefix="/inboxes", tags=["inboxes"], route_class=AuthenticateFirst)


def hours_read(hours: service.HoursSettings) -> BusinessHoursRead:
    now = clock.utcnow()
    calendar = hours.calendar
    return BusinessHoursRead.model_validate(
        {
            "inbox_id": hours.inbox_id,
            "enabled": hours.enabled,
            "time_zone": hours.time_zone,
            "weekly": hours.weekly,
            "holidays": hours.holidays,
            "away_message": hours.away_message,
            "open_now": calendar.is_open(now),
            "next_opening_at": calendar.next_opening(now),
            "next_closing_at": calendar.next_closing(now),
        }
    )


@router.get("/{inbox_id}/hours", response_model=BusinessHoursRead)
async def get_hours(inbox_id: Id, user: CurrentAgent, session: SessionDep) -> BusinessHoursRead:
    inbox = await inboxes_service.get_inbox(session, user=user, inbox_id=inbox_id)
    return hours_read(await service.get_hours(session, inbox_id=inbox.id))


@router.put("/{inbox_id}/hours", response_model=BusinessHoursRead)
async def put_hours(
    inbox_id: Id, body: BusinessHoursUpdate, admin: CurrentAdmin, session: SessionDep
) -> BusinessHoursRead:
    inbox = await inboxes_service.get_inbox(session, user=admin, inbox_id=inbox_id)
    fields = body.model_dump()
    hours = await sla_refresh.save_hours(session, inbox_id=inbox.id, **fields)
    return hours_read(hours)
