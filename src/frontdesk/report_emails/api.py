"""Report emails under /api/v1/reports/subscriptions: the current user's own only. Thin: the
rules are in service.py."""

from __future__ import annotations

from fastapi import APIRouter, status

from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.kit.clock import utcnow
from frontdesk.kit.schemas import Id
from frontdesk.report_emails import service
from frontdesk.report_emails.models import ReportSubscription
from frontdesk.report_emails.schemas import (
    ReportSubscriptionCreate,
    ReportSubscriptionRead,
    ReportSubscriptionUpdate,
)
from frontdesk.users.models import User

router = APIRouter(prefix="/reports/subscriptions", tags=["reports"], route_class=AuthenticateFirst)


def _read(user: User, subscription: ReportSubscription) -> ReportSubscriptionRead:
    read = ReportSubscriptionRead.model_validate(subscription)
    return read.model_copy(update={"time_zone": service.zone_of(user, subscription).key})


@router.get("", response_model=list[ReportSubscriptionRead])
async def list_subscriptions(
    user: CurrentAgent, session: SessionDep
) -> list[ReportSubscriptionRead]:
    """The current user's report emails."""
    rows = await service.list_subscriptions(session, user=user)
    return [_read(user, row) for row in rows]


@router.post("", response_model=ReportSubscriptionRead, status_code=status.HTTP_201_CREATED)
async def subscribe(
    body: ReportSubscriptionCreate, user: CurrentAgent, session: SessionDep
) -> ReportSubscriptionRead:
    """Email me this report: the Reports page's filters, daily or weekly at a local hour. At
    most 20 a user (409 `too_many_report_subscriptions`)."""
    subscription = await service.subscribe(session, user=user, **body.model_dump(), now=utcnow())
    return _read(user, subscription)


@router.patch("/{subscription_id}", response_model=ReportSubscriptionRead)
async def update_subscription(
    subscription_id: Id, body: ReportSubscriptionUpdate, user: CurrentAgent, session: SessionDep
) -> ReportSubscriptionRead:
    """A new frequency or hour; the next email is due at the next such hour."""
    subscription = await service.get_own(session, user=user, subscription_id=subscription_id)
    changes = body.model_dump(exclude_unset=True)
    subscription = await service.update_subscription(
        session,
        subscription=subscription,
        user=user,
        frequency=changes.get("frequency"),
        hour=changes.get("hour"),
        now=utcnow(),
    )
    return _read(user, subscription)


@router.delete("/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
async def unsubscribe(subscription_id: Id, user: CurrentAgent, session: SessionDep) -> None:
    subscription = await service.get_own(session, user=user, subscription_id=subscription_id)
    await service.unsubscribe(session, subscription=subscription)
