"""Subscriptions (admins only) and the delivery log: creating and changing subscriptions, the
secret, a test ping, replaying a delivery; and the delivery loop's claims and outcomes, including
switching a subscription off when its receiver has failed for days (or answered 410 Gone), telling
the owners and admins, and holding its events until it is switched on again."""

from __future__ import annotations

import enum
import logging
import random
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit
from frontdesk.errors import Conflict, Forbidden, Invalid, NotFound
from frontdesk.inboxes.models import Inbox
from frontdesk.kit.clock import utcnow
from frontdesk.users.models import User
from frontdesk.webhooks import alerts, guard
from frontdesk.webhooks.capture import new_event_id, payload
from frontdesk.webhooks.events import PING, WebhookEvent
from frontdesk.webhooks.models import (
    DeliveryState,
    WebhookDelivery,
    WebhookSubscription,
    WebhookSubscriptionInbox,
)
from frontdesk.webhooks.signing import new_secret

logger = logging.getLogger(__name__)

# Waits after the 1st, 2nd … failed attempt; after the last a delivery has failed (about 21 h
# after the event). Each wait is stretched or shrunk by up to a fifth, so that receivers coming
# back from an outage are not hit by every retry in the same second.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
JITTER = 0.2
# The receiver says the URL is gone for good (as a push service does of a dropped subscription,
# and as REST hooks unsubscribe): no retries, and the webhook is switched off at once.
GONE = 410
# A webhook frontdesk switched off keeps recording its events, held, for this long at most and
# this many at most (checked by the log's hourly upkeep), so that switching it on again delivers
# what happened meanwhile; past either, events are no longer recorded.
HOLD = timedelta(days=7)
HOLD_AT_MOST = 10_000


def backoff(attempts: int) -> timedelta:
    base = BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]
    return base * (1 + random.uniform(-JITTER, JITTER))  # noqa: S311 (spread, not a secret)


def _check_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden("Only owners and admins can manage webhooks.")


# --- subscriptions ------------------------------------------------------------------------------


async def list_subscriptions(session: AsyncSession, *, user: User) -> Sequence[WebhookSubscription]:
    _check_admin(user)
    return (
        await session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))
    ).all()


async def get_subscription(
    session: AsyncSession, *, user: User, subscription_id: int
) -> WebhookSubscription:
    _check_admin(user)
    subscription = await session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFound("No such webhook.")
    return subscription


# --- inboxes ------------------------------------------------------------------------------------
# A subscription receives every inbox's events (`all_inboxes`) or only those of the inboxes it
# lists (docs/webhooks.md, "Inboxes"). In the API both are `inbox_ids`: null, or the list.


async def inbox_scopes(
    session: AsyncSession, subscriptions: Sequence[WebhookSubscription]
) -> dict[int, list[int] | None]:
    """Each subscription's inboxes (in id order), None for all inboxes; one statement."""
    scoped = [s.id for s in subscriptions if not s.all_inboxes]
    found: dict[int, list[int] | None] = {
        s.id: None if s.all_inboxes else [] for s in subscriptions
    }
    if scoped:
        rows = await session.execute(
            select(WebhookSubscriptionInbox.subscription_id, WebhookSubscriptionInbox.inbox_id)
            .where(WebhookSubscriptionInbox.subscription_id.in_(scoped))
            .order_by(WebhookSubscriptionInbox.inbox_id)
        )
        for subscription_id, inbox_id in rows.all():
            listed = found[subscription_id]
            if listed is not None:
                listed.append(inbox_id)
    return found


async def _checked_inboxes(session: AsyncSession, inbox_ids: Collection[int]) -> list[int]:
    wanted = sorted(set(inbox_ids))
    if not wanted:
        raise Invalid(
            "inbox_ids",
            "Choose at least one inbox, or send null for all inboxes: a webhook for no inbox "
            "would receive nothing.",
        )
    known = set(await session.scalars(select(Inbox.id).where(Inbox.id.in_(wanted))))
    missing = [str(inbox_id) for inbox_id in wanted if inbox_id not in known]
    if missing:
        raise Invalid(
            "inbox_ids",
            f"No inbox has the id {', '.join(missing)}: choose among the inboxes listed in "
            "Settings → Inboxes (GET /api/v1/inboxes).",
        )
    return wanted


async def _set_inboxes(
    session: AsyncSession, *, subscription: WebhookSubscription, inbox_ids: Collection[int] | None
) -> None:
    """Sets the scope (None: all inboxes). A change is an audit entry of its own: the list is
    rows of another table, which the settings' automatic entries (audit/changes.py) do not see."""
    wanted = None if inbox_ids is None else await _checked_inboxes(session, inbox_ids)
    before = (await inbox_scopes(session, [subscription]))[subscription.id]
    if wanted == before:
        return
    await session.execute(
        delete(WebhookSubscriptionInbox).where(
            WebhookSubscriptionInbox.subscription_id == subscription.id
        )
    )
    subscription.all_inboxes = wanted is None
    for inbox_id in wanted or ():
        session.add(WebhookSubscriptionInbox(subscription_id=subscription.id, inbox_id=inbox_id))
    await session.flush()
    audit.record(
        session,
        action="webhook.inboxes_changed",
        target=subscription,
        changes={"inbox_ids": [before, wanted]},
    )


async def create_subscription(
    session: AsyncSession,
    *,
    user: User,
    name: str,
    url: str,
    events: Sequence[WebhookEvent],
    include_internal: bool,
    enabled: bool,
    allow_private: bool,
    inbox_ids: Collection[int] | None = None,
) -> WebhookSubscription:
    """`inbox_ids`: None for all inboxes."""
    _check_admin(user)
    if inbox_ids is not None:
        # Refused before anything is written.
        await _checked_inboxes(session, inbox_ids)
    subscription = WebhookSubscription(
        name=name,
        url=await guard.check_target(url, allow_private=allow_private),
        events=_events(events),
        include_internal=include_internal,
        all_inboxes=True,
        secret=new_secret(),
        enabled=enabled,
        consecutive_failures=0,
        created_by_id=user.id,
    )
    session.add(subscription)
    await session.flush()
    if inbox_ids is not None:
        await _set_inboxes(session, subscription=subscription, inbox_ids=inbox_ids)
    return subscription


class KeepInboxes(enum.Enum):
    """An update that leaves a subscription's inboxes as they are (None means all inboxes)."""

    keep = "keep"


KEEP = KeepInboxes.keep


def _events(events: Sequence[WebhookEvent]) -> list[str]:
    chosen = {WebhookEvent(event) for event in events}
    return [event.value for event in WebhookEvent if event in chosen]


async def update_subscription(
    session: AsyncSession,
    *,
    user: User,
    subscription: WebhookSubscription,
    name: str | None = None,
    url: str | None = None,
    events: Sequence[WebhookEvent] | None = None,
    include_internal: bool | None = None,
    enabled: bool | None = None,
    allow_private: bool,
    inboxes: Collection[int] | KeepInboxes | None = KEEP,
) -> WebhookSubscription:
    """`inboxes`: None for all inboxes, KEEP (the default) to leave them as they are."""
    _check_admin(user)
    if not isinstance(inboxes, KeepInboxes):
        await _set_inboxes(session, subscription=subscription, inbox_ids=inboxes)
    if name is not None:
        subscription.name = name
    if url is not None:
        subscription.url = await guard.check_target(url, allow_private=allow_private)
    if events is not None:
        subscription.events = _events(events)
    if include_internal is not None:
        subscription.include_internal = include_internal
    if enabled and not subscription.enabled:
        # Switched back on: a fresh count, and what waited (retries, events held) is due now, so
        # that it goes out in the order it happened.
        subscription.enabled = True
        subscription.consecutive_failures = 0
        subscription.failing_since = None
        subscription.holding_until = None
        subscription.disabled_at = None
        subscription.disabled_reason = None
        await session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.subscription_id == subscription.id,
                WebhookDelivery.state == DeliveryState.pending,
            )
            .values(next_attempt_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    elif enabled is False and subscription.enabled:
        # An admin's "off" records nothing while it is off (no hold). On one that is off already
        # it changes nothing: the desk's form sends `enabled` with every edit, and fixing the URL
        # of a webhook frontdesk switched off must not drop what it holds.
        subscription.enabled = False
        subscription.disabled_at = utcnow()
        subscription.disabled_reason = f"Switched off by {user.name}."
    subscription.updated_at = utcnow()
    await session.flush()
    return subscription


async def delete_subscription(
    session: AsyncSession, *, user: User, subscription: WebhookSubscription
) -> None:
    _check_admin(user)
    await session.delete(subscription)
    await session.flush()


# How long the secret a rotation replaced goes on signing beside the new one, by default and at
# most: a day is time enough to deploy a receiver's new secret; a week for a team that needs a
# release window. No overlap is for a secret that leaked: it stops at once.
ROTATION_OVERLAP = timedelta(hours=24)
MAX_ROTATION_OVERLAP = timedelta(days=7)


async def rotate_secret(
    session: AsyncSession,
    *,
    user: User,
    subscription: WebhookSubscription,
    overlap: timedelta = ROTATION_OVERLAP,
) -> str:
    """A new secret, signing every request sent from now on (retries included); the one it
    replaces signs them too for `overlap` (a second `v1=`, signing.py), so that the receiver
    can switch when it is ready. A rotation during an overlap ends the older one's: only the
    secret being replaced overlaps."""
    _check_admin(user)
    if not timedelta(0) <= overlap <= MAX_ROTATION_OVERLAP:
        raise Invalid(
            "overlap_hours",
            f"The old secret can go on signing for 0 to {MAX_ROTATION_OVERLAP.days * 24} hours.",
        )
    # Read again under its row lock: two rotations at once, each from the secret it read, made
    # the later one keep the secret before both as the old one, and the secret the earlier one
    # showed its admin signed nothing. Locked, the later one waits and replaces that secret
    # instead, which then signs for its overlap. FOR NO KEY UPDATE on PostgreSQL: the events
    # recorded meanwhile (their deliveries' foreign key) need not wait.
    await session.scalar(
        select(WebhookSubscription)
        .where(WebhookSubscription.id == subscription.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    now = utcnow()
    subscription.previous_secret = subscription.secret if overlap else None
    subscription.previous_secret_until = now + overlap if overlap else None
    subscription.secret = new_secret()
    subscription.updated_at = now
    await session.flush()
    return subscription.secret


async def send_test(
    session: AsyncSession, *, user: User, subscription: WebhookSubscription
) -> WebhookDelivery:
    _check_admin(user)
    if not subscription.enabled:
        raise Conflict(
            "This webhook is switched off: switch it on to send a test.", code="webhook_disabled"
        )
    now = utcnow()
    event_id = new_event_id()
    data = {"subscription": {"id": subscription.id, "name": subscription.name}}
    delivery = WebhookDelivery(
        event_id=event_id,
        event_type=PING,
        payload=payload(event_id, PING, data),
        subscription_id=subscription.id,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    await session.flush()
    return delivery


# --- the delivery log ---------------------------------------------------------------------------


async def list_deliveries(
    session: AsyncSession,
    *,
    user: User,
    subscription: WebhookSubscription,
    state: DeliveryState | None,
    limit: int,
    offset: int,
) -> Sequence[WebhookDelivery]:
    _check_admin(user)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if state is not None:
        query = query.where(WebhookDelivery.state == state)
    return (await session.scalars(query)).all()


async def get_delivery(
    session: AsyncSession, *, user: User, subscription: WebhookSubscription, delivery_id: int
) -> WebhookDelivery:
    _check_admin(user)
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription.id:
        raise NotFound("No such delivery.")
    return delivery


async def replay(
    session: AsyncSession, *, user: User, delivery: WebhookDelivery
) -> WebhookDelivery:
    """Sends the same event again (same id and payload: a receiver that keeps ids can drop it),
    with a fresh set of attempts."""
    _check_admin(user)
    if delivery.state not in (DeliveryState.delivered, DeliveryState.failed):
        raise Conflict(
            "This delivery is still being tried: replay it once it is delivered or failed.",
            code="delivery_pending",
        )
    delivery.state = DeliveryState.pending
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    await session.flush()
    return delivery


# --- the delivery loop ----------------------------------------------------------------------------


# How long the delivery log keeps what is done (delivered or failed): long enough to look into a
# receiver's trouble and replay; the log is not the record of the desk's history (tickets are).
KEEP_DONE = timedelta(days=30)


async def prune_done(session: AsyncSession, *, now: datetime, limit: int) -> int:
    """Deletes up to `limit` deliveries done before `now - KEEP_DONE`; answers how many. Pending
    and delivering ones stay, whatever their age. By (state, last attempt): the state's index."""
    done = (DeliveryState.delivered, DeliveryState.failed)
    old = (
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.state.in_(done),
            WebhookDelivery.next_attempt_at < now - KEEP_DONE,
        )
        .limit(limit)
    )
    ids = list(await session.scalars(old))
    if ids:
        await session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
    return len(ids)


async def claim(
    session: AsyncSession, *, now: datetime, limit: int, lease: timedelta
) -> list[tuple[WebhookDelivery, WebhookSubscription]]:
    """Due deliveries of subscriptions that are on, each leased to the caller: pending ones whose
    time has come, and `delivering` ones whose sender's lease ran out (it died). Locked rows are
    skipped, so loops claiming at the same moment never get the same delivery."""
    rows = (
        await session.execute(
            select(WebhookDelivery, WebhookSubscription)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(
                WebhookDelivery.state.in_([DeliveryState.pending, DeliveryState.delivering]),
                WebhookDelivery.next_attempt_at <= now,
                WebhookSubscription.enabled.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
    ).all()
    claimed = [(delivery, subscription) for delivery, subscription in rows]
    for delivery, _ in claimed:
        delivery.state = DeliveryState.delivering
        delivery.next_attempt_at = now + lease
    await session.flush()
    return claimed


def _leased(delivery: WebhookDelivery, claimed_until: datetime) -> object:
    # A sender whose lease ran out and was taken over must not overwrite the new outcome.
    return (
        (WebhookDelivery.id == delivery.id)
        & (WebhookDelivery.state == DeliveryState.delivering)
        & (WebhookDelivery.next_attempt_at == claimed_until)
    )


async def record_attempt(
    session: AsyncSession,
    *,
    delivery: WebhookDelivery,
    claimed_until: datetime,
    ok: bool,
    status: int | None,
    error: str | None,
    excerpt: str | None,
    duration_ms: int,
    now: datetime,
    disable_after: int,
    disable_after_span: timedelta,
) -> DeliveryState | None:
    """One attempt's outcome; None when the lease was lost (another loop has the delivery)."""
    attempts = delivery.attempts + 1
    gone = status == GONE
    if ok:
        state = DeliveryState.delivered
    elif gone or attempts >= MAX_ATTEMPTS:
        state = DeliveryState.failed
    else:
        state = DeliveryState.pending
    result = await session.execute(
        update(WebhookDelivery)
        .where(_leased(delivery, claimed_until))  # type: ignore[arg-type]
        .values(
            state=state,
            attempts=attempts,
            last_status=status,
            last_error=None if ok else (error or "")[:2000],
            response_excerpt=excerpt,
            duration_ms=duration_ms,
            delivered_at=now if ok else None,
            next_attempt_at=now if ok else now + backoff(attempts),
        )
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    if ok:
        await session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == delivery.subscription_id)
            .values(consecutive_failures=0, failing_since=None)
        )
        return state
    failures, since = await _count_failure(session, delivery.subscription_id, now=now)
    if gone:
        reason = f"The receiver answered {GONE} Gone (this URL is gone for good)."
    elif (
        state is DeliveryState.failed
        and failures >= disable_after
        and since is not None
        and now - since >= disable_after_span
    ):
        reason = (
            f"No delivery succeeded for {_span(now - since)} ({failures} failed attempts in a row)."
        )
    else:
        return state
    await _switch_off(session, subscription_id=delivery.subscription_id, now=now, reason=reason)
    return state


async def _count_failure(
    session: AsyncSession, subscription_id: int, *, now: datetime
) -> tuple[int, datetime | None]:
    # In one statement: two loops recording failures at once both count, and the first failure
    # since the last success keeps its time.
    row = (
        await session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == subscription_id)
            .values(
                consecutive_failures=WebhookSubscription.consecutive_failures + 1,
                failing_since=func.coalesce(
                    WebhookSubscription.failing_since,
                    literal(now, WebhookSubscription.failing_since.type),
                ),
            )
            .returning(WebhookSubscription.consecutive_failures, WebhookSubscription.failing_since)
        )
    ).one_or_none()
    return (0, None) if row is None else (row[0], row[1])


def _span(span: timedelta) -> str:
    hours = int(span.total_seconds() // 3600)
    return f"{hours // 24} days" if hours >= 48 else f"{hours} hours"


async def _switch_off(
    session: AsyncSession, *, subscription_id: int, now: datetime, reason: str
) -> None:
    """Switched off by frontdesk: nothing is sent, its events are held (HOLD), and the owners and
    admins are told by email, since nobody may look at Settings for days."""
    switched = await session.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id, WebhookSubscription.enabled.is_(True))
        .values(enabled=False, disabled_at=now, disabled_reason=reason, holding_until=now + HOLD)
    )
    if not switched.rowcount:  # type: ignore[attr-defined]
        return
    subscription = await session.get(WebhookSubscription, subscription_id, populate_existing=True)
    if subscription is None:
        return
    logger.warning("webhook %s switched off: %s", subscription_id, reason)
    audit.record(
        session,
        action="webhook.switched_off",
        target=subscription,
        changes={"enabled": [True, False], "failures": subscription.consecutive_failures},
    )
    await alerts.switched_off(session, subscription=subscription, held_at_most=HOLD_AT_MOST)


async def end_holds(session: AsyncSession, *, now: datetime) -> int:
    """Stops holding events for webhooks switched off more than HOLD ago or holding HOLD_AT_MOST
    of them; answers how many stopped. Few rows: only webhooks frontdesk switched off."""
    holding = (
        await session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.holding_until.is_not(None))
        )
    ).all()
    ended = 0
    for subscription in holding:
        if subscription.holding_until is not None and subscription.holding_until > now:
            held = await session.scalar(
                select(func.count())
                .select_from(WebhookDelivery)
                .where(
                    WebhookDelivery.subscription_id == subscription.id,
                    WebhookDelivery.state == DeliveryState.pending,
                    WebhookDelivery.created_at >= subscription.disabled_at,
                )
            )
            if (held or 0) < HOLD_AT_MOST:
                continue
        subscription.holding_until = None
        subscription.disabled_reason = (
            f"{subscription.disabled_reason or 'Switched off.'} Events after "
            f"{now:%Y-%m-%d %H:%M} UTC were not kept."
        )[:300]
        ended += 1
    await session.flush()
    return ended


def reveal_secret(session: AsyncSession, *, subscription: WebhookSubscription) -> str:
    """Showing a webhook's secret again is recorded: whoever holds it can sign as the desk."""
    audit.record(session, action="webhook.secret_viewed", target=subscription)
    return subscription.secret
