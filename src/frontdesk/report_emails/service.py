"""A user's report subscriptions: made, listed, changed and removed by their owner only (another
user's is a 404, as every resource one may not see), at most MAX_PER_USER each, the filter
checked as the Reports page checks its own (reports/service.py `checked`); and the unsubscribe
link's removal, with no login."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Conflict, Invalid, NotFound
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.zones import is_place
from frontdesk.labels.models import Label
from frontdesk.metrics.models import Channel
from frontdesk.report_emails import links
from frontdesk.report_emails.digest import Names
from frontdesk.report_emails.models import (
    DEFAULT_HOUR,
    MAX_PER_USER,
    Frequency,
    ReportSubscription,
)
from frontdesk.report_emails.schedule import due_after, reported
from frontdesk.reports import service as reports
from frontdesk.users.models import User
from frontdesk.users.service import DESK_LANGUAGES


class TooManySubscriptions(Conflict):
    code = "too_many_report_subscriptions"

    def __init__(self) -> None:
        super().__init__(
            f"You already have {MAX_PER_USER} report emails, the most one person may have. "
            "Remove one before adding another."
        )


def zone_of(user: User, subscription: ReportSubscription) -> ZoneInfo:
    """The user's time zone preference; while they have none (the desk follows their browser),
    the zone their desk showed when they subscribed."""
    preferred = str(user.preferences.get("time_zone") or "")
    name = preferred if is_place(preferred) else subscription.time_zone
    return ZoneInfo(name if is_place(name) else "UTC")


def language_of(user: User, subscription: ReportSubscription) -> str:
    """The user's language preference, else the desk's language when they subscribed."""
    preferred = str(user.preferences.get("language") or "")
    return preferred if preferred in DESK_LANGUAGES else subscription.language


def report_filter(
    user: User, subscription: ReportSubscription, *, now: datetime
) -> reports.ReportFilter:
    """The report the next email carries: the last whole period before `now` in the user's zone,
    with the subscription's filter, as the user may run it now (an agent's figures are their
    own, also for one who was an admin when they subscribed)."""
    zone = zone_of(user, subscription)
    period = reported(now, frequency=subscription.frequency, zone=zone)
    return reports.checked(
        user,
        reports.ReportFilter(
            since=period.since,
            until=period.until,
            time_zone=zone.key,
            inbox_id=subscription.inbox_id,
            channel=subscription.channel,
            agent_id=subscription.agent_id,
            label_id=subscription.label_id,
        ),
    )


def next_due(user: User, subscription: ReportSubscription, *, after: datetime) -> datetime:
    return due_after(
        after,
        frequency=subscription.frequency,
        hour=subscription.hour,
        zone=zone_of(user, subscription),
    )


async def names_of(
    session: AsyncSession,
    *,
    inbox_id: int | None,
    channel: Channel | None,
    agent_id: int | None,
    label_id: int | None,
) -> Names:
    """What a filter names, as people wrote it: the email's subject and the unsubscribe page."""
    inbox = await session.get(Inbox, inbox_id) if inbox_id else None
    agent = await session.get(User, agent_id) if agent_id else None
    label = await session.get(Label, label_id) if label_id else None
    return Names(
        inbox=inbox.name if inbox else None,
        channel=channel.value if channel else None,
        agent=agent.name if agent else None,
        label=label.name if label else None,
    )


async def list_subscriptions(session: AsyncSession, *, user: User) -> Sequence[ReportSubscription]:
    return (
        await session.scalars(
            select(ReportSubscription)
            .where(ReportSubscription.user_id == user.id)
            .order_by(ReportSubscription.id)
        )
    ).all()


async def get_own(session: AsyncSession, *, user: User, subscription_id: int) -> ReportSubscription:
    subscription = await session.get(ReportSubscription, subscription_id)
    if subscription is None or subscription.user_id != user.id:
        raise NotFound("No such report email.")
    return subscription


async def _ensure_exist(
    session: AsyncSession, *, inbox_id: int | None, agent_id: int | None, label_id: int | None
) -> None:
    """What the filter names must exist (the report itself would show zeros for an unknown
    id; a subscription keeps its ids, so they must name something)."""
    for field, model, value in (
        ("inbox_id", Inbox, inbox_id),
        ("agent_id", User, agent_id),
        ("label_id", Label, label_id),
    ):
        if value is not None and await session.get(model, value) is None:
            raise Invalid(field, f"No such {field.removesuffix('_id')}: {value}.")


def _checked_hour(hour: int) -> int:
    if not 0 <= hour <= 23:
        raise Invalid("hour", "The hour is a whole hour from 0 to 23.")
    return hour


async def subscribe(
    session: AsyncSession,
    *,
    user: User,
    frequency: Frequency,
    hour: int = DEFAULT_HOUR,
    time_zone: str | None,
    language: str | None,
    inbox_id: int | None = None,
    channel: Channel | None = None,
    agent_id: int | None = None,
    label_id: int | None = None,
    now: datetime,
) -> ReportSubscription:
    """Subscribes the user to the report as filtered; the first email at the next due hour."""
    zone = reports.viewer_zone(user, time_zone)
    # The Reports page's own check of its filter (the zone, an agent's own figures); the range
    # is the period the first email would report.
    checked = reports.checked(
        user,
        reports.ReportFilter(
            since=now.date(),
            until=now.date(),
            time_zone=zone,
            inbox_id=inbox_id,
            channel=channel,
            agent_id=agent_id,
            label_id=label_id,
        ),
    )
    await _ensure_exist(
        session, inbox_id=checked.inbox_id, agent_id=checked.agent_id, label_id=checked.label_id
    )
    # Under the user's row lock: two requests at once cannot both pass the limit.
    await session.execute(select(User.id).where(User.id == user.id).with_for_update(key_share=True))
    count = await session.scalar(select(func.count()).where(ReportSubscription.user_id == user.id))
    if (count or 0) >= MAX_PER_USER:
        raise TooManySubscriptions()
    subscription = ReportSubscription(
        user_id=user.id,
        frequency=frequency,
        hour=_checked_hour(hour),
        time_zone=zone,
        language=language if language in DESK_LANGUAGES else "en",
        inbox_id=checked.inbox_id,
        channel=checked.channel,
        # An agent's own figures are the default of every report of theirs: not kept as a filter.
        agent_id=checked.agent_id if user.is_admin else None,
        label_id=checked.label_id,
        nonce=secrets.token_hex(16),
    )
    subscription.next_due_at = next_due(user, subscription, after=now)
    session.add(subscription)
    await session.flush()
    return subscription


async def update_subscription(
    session: AsyncSession,
    *,
    subscription: ReportSubscription,
    user: User,
    frequency: Frequency | None = None,
    hour: int | None = None,
    now: datetime,
) -> ReportSubscription:
    """A new frequency or hour: the next email is due at the next such hour from now."""
    if frequency is not None:
        subscription.frequency = frequency
    if hour is not None:
        subscription.hour = _checked_hour(hour)
    subscription.next_due_at = next_due(user, subscription, after=now)
    await session.flush()
    return subscription


async def unsubscribe(session: AsyncSession, *, subscription: ReportSubscription) -> None:
    await session.delete(subscription)
    await session.flush()


async def by_link(session: AsyncSession, *, secret: bytes, token: str) -> ReportSubscription:
    """The subscription an unsubscribe link names; NotFound for an altered link or one whose
    subscription is gone."""
    subscription_id = links.token_subscription_id(token)
    subscription = (
        await session.get(ReportSubscription, subscription_id)
        if subscription_id is not None
        else None
    )
    if subscription is None or not links.token_is_valid(
        secret, token, subscription_id=subscription.id, nonce=subscription.nonce
    ):
        raise NotFound("This unsubscribe link is not valid.")
    return subscription
