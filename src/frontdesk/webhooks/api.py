"""Webhooks (admins): subscriptions, their secret, a test ping, the delivery log and replay."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.deps import AuthenticateFirst, CurrentAdmin, SessionDep, SettingsDep
from frontdesk.kit.schemas import MAX_ID, Id
from frontdesk.webhooks import service
from frontdesk.webhooks.models import DeliveryState, WebhookDelivery, WebhookSubscription
from frontdesk.webhooks.schemas import (
    DeliveryDetail,
    DeliveryRead,
    SecretRead,
    SecretRotate,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionRead,
    SubscriptionUpdate,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"], route_class=AuthenticateFirst)


async def load_subscription(
    webhook_id: Id, admin: CurrentAdmin, session: SessionDep
) -> WebhookSubscription:
    return await service.get_subscription(session, user=admin, subscription_id=webhook_id)


LoadedSubscription = Annotated[WebhookSubscription, Depends(load_subscription)]


Read = TypeVar("Read", bound=SubscriptionRead)


async def _reads(
    session: AsyncSession, subscriptions: list[WebhookSubscription], model: type[Read]
) -> list[Read]:
    """As the API shows them: each with its inboxes (null for all)."""
    scopes = await service.inbox_scopes(session, subscriptions)
    return [
        model.model_validate(
            {name: getattr(s, name) for name in model.model_fields if name != "inbox_ids"}
            | {"inbox_ids": scopes[s.id]}
        )
        for s in subscriptions
    ]


def _delivery(delivery: WebhookDelivery) -> DeliveryRead:
    read = DeliveryRead.model_validate(delivery)
    if delivery.state in (DeliveryState.delivered, DeliveryState.failed):
        read.next_attempt_at = None
    return read


@router.get("", response_model=list[SubscriptionRead])
async def list_webhooks(admin: CurrentAdmin, session: SessionDep) -> list[SubscriptionRead]:
    subscriptions = await service.list_subscriptions(session, user=admin)
    return await _reads(session, list(subscriptions), SubscriptionRead)


@router.post("", response_model=SubscriptionCreated, status_code=status.HTTP_201_CREATED)
async def create_webhook(
    body: SubscriptionCreate, admin: CurrentAdmin, session: SessionDep, settings: SettingsDep
) -> SubscriptionCreated:
    """The answer carries the signing secret."""
    subscription = await service.create_subscription(
        session,
        user=admin,
        name=body.name,
        url=body.url,
        events=body.events,
        include_internal=body.include_internal,
        enabled=body.enabled,
        allow_private=settings.webhooks_allow_private,
        inbox_ids=body.inbox_ids,
    )
    [created] = await _reads(session, [subscription], SubscriptionCreated)
    return created


@router.get("/{webhook_id}", response_model=SubscriptionRead)
async def get_webhook(subscription: LoadedSubscription, session: SessionDep) -> SubscriptionRead:
    [read] = await _reads(session, [subscription], SubscriptionRead)
    return read


@router.patch("/{webhook_id}", response_model=SubscriptionRead)
async def update_webhook(
    body: SubscriptionUpdate,
    subscription: LoadedSubscription,
    admin: CurrentAdmin,
    session: SessionDep,
    settings: SettingsDep,
) -> SubscriptionRead:
    updated = await service.update_subscription(
        session,
        user=admin,
        subscription=subscription,
        name=body.name,
        url=body.url,
        events=body.events,
        include_internal=body.include_internal,
        enabled=body.enabled,
        allow_private=settings.webhooks_allow_private,
        # Left out: kept; null: all inboxes.
        inboxes=body.inbox_ids if "inbox_ids" in body.model_fields_set else service.KEEP,
    )
    [read] = await _reads(session, [updated], SubscriptionRead)
    return read


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(
    subscription: LoadedSubscription, admin: CurrentAdmin, session: SessionDep
) -> None:
    """Its delivery log goes with it."""
    await service.delete_subscription(session, user=admin, subscription=subscription)


@router.get("/{webhook_id}/secret", response_model=SecretRead)
async def reveal_secret(subscription: LoadedSubscription, session: SessionDep) -> SecretRead:
    return SecretRead(
        secret=service.reveal_secret(session, subscription=subscription),
        previous_secret_expires_at=subscription.previous_secret_expires_at,
    )


@router.post("/{webhook_id}/secret", response_model=SecretRead)
async def rotate_secret(
    subscription: LoadedSubscription,
    admin: CurrentAdmin,
    session: SessionDep,
    body: SecretRotate | None = None,
) -> SecretRead:
    """A new secret signs every request from now on, retries of older events included; the old
    one signs them too for `overlap_hours` (24 by default), a second `v1=` in the signature."""
    overlap = timedelta(hours=(body or SecretRotate()).overlap_hours)
    secret = await service.rotate_secret(
        session, user=admin, subscription=subscription, overlap=overlap
    )
    return SecretRead(
        secret=secret, previous_secret_expires_at=subscription.previous_secret_expires_at
    )


@router.post(
    "/{webhook_id}/test", response_model=DeliveryRead, status_code=status.HTTP_202_ACCEPTED
)
async def send_test(
    subscription: LoadedSubscription, admin: CurrentAdmin, session: SessionDep
) -> DeliveryRead:
    """Queues a `ping` event for this webhook; its outcome shows in the delivery log."""
    delivery = await service.send_test(session, user=admin, subscription=subscription)
    return _delivery(delivery)


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryRead])
async def list_deliveries(
    subscription: LoadedSubscription,
    admin: CurrentAdmin,
    session: SessionDep,
    state: DeliveryState | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[DeliveryRead]:
    """Newest first."""
    deliveries = await service.list_deliveries(
        session, user=admin, subscription=subscription, state=state, limit=limit, offset=offset
    )
    return [_delivery(delivery) for delivery in deliveries]


@router.get("/{webhook_id}/deliveries/{delivery_id}", response_model=DeliveryDetail)
async def get_delivery(
    delivery_id: Id, subscription: LoadedSubscription, admin: CurrentAdmin, session: SessionDep
) -> DeliveryDetail:
    delivery = await service.get_delivery(
        session, user=admin, subscription=subscription, delivery_id=delivery_id
    )
    return DeliveryDetail(**_delivery(delivery).model_dump(), payload=delivery.payload)


@router.post("/{webhook_id}/deliveries/{delivery_id}/replay", response_model=DeliveryRead)
async def replay_delivery(
    delivery_id: Id, subscription: LoadedSubscription, admin: CurrentAdmin, session: SessionDep
) -> DeliveryRead:
    """Sends the same event (same id) again, with a fresh set of attempts."""
    delivery = await service.get_delivery(
        session, user=admin, subscription=subscription, delivery_id=delivery_id
    )
    return _delivery(await service.replay(session, user=admin, delivery=delivery))
