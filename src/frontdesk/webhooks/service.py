"""Subscriptions (admins only) and the delivery log: creating and changing subscriptions, the
secret, a test ping, replaying a delivery; and the delivery loop's claims and outcomes, including
switching a subscription off after too many failures in a row."""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit
from frontdesk.errors import Conflict, Forbidden, NotFound
from frontdesk.kit.clock import utcnow
from frontdesk.users.models import User
from frontdesk.webhooks import guard
from frontdesk.webhooks.capture import new_event_id, payload
from frontdesk.webhooks.events import PING, WebhookEvent
from frontdesk.webhooks.models import DeliveryState, WebhookDelivery, WebhookSubscription
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
) -> WebhookSubscription:
    _check_admin(user)
    subscription = WebhookSubscription(
        name=name,
        url=await guard.check_target(url, allow_private=allow_private),
        events=_events(events),
        include_internal=include_internal,
        secret=new_secret(),
        enabled=enabled,
        consecutive_failures=0,
        created_by_id=user.id,
    )
    session.add(subscription)
    await session.flush()
    return subscription


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
) -> WebhookSubscription:
    _check_admin(user)
    if name is not None:
        subscription.name = name
    if url is not None:
        subscription.url = await guard.check_target(url, allow_private=allow_private)
    if events is not None:
        subscription.events = _events(events)
    if include_internal is not None:
        subscription.include_internal = include_internal
    if enabled is not None and enabled != subscription.enabled:
        subscription.enabled = enabled
        if enabled:
            # Switched back on: a fresh count, and what waited is sent from now on.
            subscription.consecutive_failures = 0
            subscription.disabled_at = None
            subscription.disabled_reason = None
        else:
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


async def rotate_secret(
    session: AsyncSession, *, user: User, subscription: WebhookSubscription
) -> str:
    """A new secret, effective for every request sent from now on (retries included)."""
    _check_admin(user)
    subscription.secret = new_secret()
    subscription.updated_at = utcnow()
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
) -> DeliveryState | None:
    """One attempt's outcome; None when the lease was lost (another loop has the delivery)."""
    attempts = delivery.attempts + 1
    if ok:
        state = DeliveryState.delivered
    elif attempts >= MAX_ATTEMPTS:
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
    await _count(
        session, subscription_id=delivery.subscription_id, ok=ok, now=now, limit=disable_after
    )
    return state


async def _count(
    session: AsyncSession, *, subscription_id: int, ok: bool, now: datetime, limit: int
) -> None:
    if ok:
        await session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == subscription_id)
            .values(consecutive_failures=0)
        )
        return
    # In one statement: two loops recording failures at once both count.
    failures = (
        await session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == subscription_id)
            .values(consecutive_failures=WebhookSubscription.consecutive_failures + 1)
            .returning(WebhookSubscription.consecutive_failures)
        )
    ).scalar_one_or_none()
    if failures is not None and failures >= limit:
        switched = await session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == subscription_id, WebhookSubscription.enabled.is_(True))
            .values(
                enabled=False,
                disabled_at=now,
                disabled_reason=f"Switched off after {failures} failed attempts in a row.",
            )
        )
        if switched.rowcount:  # type: ignore[attr-defined]
            logger.warning("webhook %s switched off after %s failures", subscription_id, failures)
            audit.record(
                session,
                action="webhook.switched_off",
                target=audit.Target("webhook", subscription_id),
                changes={"enabled": [True, False], "failures": failures},
            )


def reveal_secret(session: AsyncSession, *, subscription: WebhookSubscription) -> str:
    """Showing a webhook's secret again is recorded: whoever holds it can sign as the desk."""
    audit.record(session, action="webhook.secret_viewed", target=subscription)
    return subscription.secret
