"""The round that sends the report emails due: each subscription whose `next_due_at` has come
gets one email, queued in the mail outbox (mail/outbox.py: its retries, bounces and
durability), from the system sender of notification emails.

Exactly once per period across processes: the figures are read first, outside any lock (in the
reading process, db/reading.py, which ends the transaction), then the subscription is claimed
by moving its due time on with a guarded UPDATE (`next_due_at` still the one seen), and the
email is queued in that same transaction. Two processes that found the same subscription due
both read its figures; the second's UPDATE waits for the first's commit and then matches no
row, so it writes nothing.

The next due time is the first due hour after now: a process down for days sends one email, for
the last whole period (schedule.py), not one per period missed. A deactivated user's
subscriptions are kept and skipped (the due time moves on, nothing is sent): reactivated, they
get the next period's. A user who is no longer an admin gets their own figures only, as on the
Reports page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.db.context import settings_of
from frontdesk.db.reading import read
from frontdesk.db.session import unit_of_work
from frontdesk.mail.addresses import new_message_id
from frontdesk.mail.models import OutboxMessage, OutboxState
from frontdesk.report_emails import digest, figures, links, service
from frontdesk.report_emails.models import Frequency, ReportSubscription
from frontdesk.report_emails.schedule import Period, before
from frontdesk.reports import service as reports
from frontdesk.users.models import User

# Emails a round, each in a transaction of its own.
PER_ROUND = 20


async def send_due(
    sessionmaker: async_sessionmaker[AsyncSession], *, now: datetime, limit: int = PER_ROUND
) -> int:
    """One round: how many subscriptions it handled (emails queued or skipped)."""
    async with unit_of_work(sessionmaker) as session:
        due = (
            await session.execute(
                select(ReportSubscription.id, ReportSubscription.next_due_at)
                .where(ReportSubscription.next_due_at <= now)
                .order_by(ReportSubscription.next_due_at, ReportSubscription.id)
                .limit(limit)
            )
        ).all()
    done = 0
    for subscription_id, due_at in due:
        async with unit_of_work(sessionmaker) as session:
            if await send_one(session, subscription_id=subscription_id, due_at=due_at, now=now):
                done += 1
    return done


async def send_one(
    session: AsyncSession, *, subscription_id: int, due_at: datetime, now: datetime
) -> bool:
    """Queues the email of one due subscription (or skips it); False when another process did
    it first, or it changed or went meanwhile."""
    subscription = await session.get(ReportSubscription, subscription_id)
    if subscription is None or subscription.next_due_at != due_at:
        return False
    user = await session.get(User, subscription.user_id)
    if user is None:
        return False
    next_due_at = service.next_due(user, subscription, after=now)
    email = await _compose(session, user=user, subscription=subscription, now=now)
    claimed = await session.execute(
        update(ReportSubscription)
        .where(ReportSubscription.id == subscription_id, ReportSubscription.next_due_at == due_at)
        .values(next_due_at=next_due_at, **({"last_sent_at": now} if email else {}))
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return False
    if email is not None:
        _queue(session, user=user, subscription=subscription, email=email)
    return True


async def _compose(
    session: AsyncSession, *, user: User, subscription: ReportSubscription, now: datetime
) -> digest.Email | None:
    """The email, or None for a user who gets none (deactivated, or a light agent, who sees no
    reports: docs/desk.md, "Light agents")."""
    if not user.is_active or user.is_light_agent:
        return None
    report = service.report_filter(user, subscription, now=now)
    period = Period(report.since, report.until)
    earlier = before(period)
    previous = reports.ReportFilter(
        since=earlier.since,
        until=earlier.until,
        time_zone=report.time_zone,
        inbox_id=report.inbox_id,
        channel=report.channel,
        agent_id=report.agent_id,
        label_id=report.label_id,
    )
    names = await service.names_of(
        session,
        inbox_id=report.inbox_id,
        channel=report.channel,
        agent_id=report.agent_id,
        label_id=report.label_id,
    )
    settings = settings_of(session)
    token = links.link_token(
        settings.secret, subscription_id=subscription.id, nonce=subscription.nonce
    )
    params = {
        key: str(value)
        for key, value in (
            ("inbox_id", report.inbox_id),
            ("channel", report.channel.value if report.channel else None),
            ("agent_id", report.agent_id if user.is_admin else None),
            ("label_id", report.label_id),
        )
        if value is not None
    }
    # In the reading process: the desk's process never runs a report's work (ends the
    # transaction: nothing above is locked). The same filter as the Reports page's for this
    # user (`checked`): an agent's agents table is their own row, as there. The agents' limit
    # is read here and sent along, the reading process having its own copy of the module.
    found = await read(session, figures.compared, report, previous, agents_limit=figures.MAX_AGENTS)
    return digest.compose(
        language=service.language_of(user, subscription),
        daily=subscription.frequency is Frequency.daily,
        period=period,
        names=names,
        figures=found.current,
        previous=found.previous,
        agents=found.agents,
        link=digest.report_link(settings.public_url, period, params),
        unsubscribe=links.unsubscribe_url(settings.public_url, token),
    )


def _queue(
    session: AsyncSession, *, user: User, subscription: ReportSubscription, email: digest.Email
) -> None:
    settings = settings_of(session)
    session.add(
        OutboxMessage(
            ticket_id=None,
            entry_id=None,
            message_id=new_message_id(mail_domain=settings.mail_domain, hint="report"),
            sender=f"frontdesk <notifications@{settings.mail_domain}>",
            recipients=[user.email],
            subject=email.subject,
            # Mail programs offer "unsubscribe" with it (RFC 2369), in one click (RFC 8058: they
            # POST to the link, which unsubscribes without a page; a GET only asks).
            headers={
                "Auto-Submitted": "auto-generated",
                "List-Unsubscribe": f"<{email.unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            text=email.text,
            html=email.html,
            state=OutboxState.queued,
            data={"kind": "report_email", "subscription_id": subscription.id},
        )
    )
