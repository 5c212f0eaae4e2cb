"""Notifications: the bell's list and read marks, preferences, Web Push subscriptions, and
following a ticket."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.errors import NotFound
from frontdesk.kit.schemas import Id
from frontdesk.notifications import preferences, service
from frontdesk.notifications.events import payload
from frontdesk.notifications.schemas import (
    FollowersRead,
    MarkRead,
    MentionableRead,
    NotificationPage,
    NotificationPreferencesRead,
    NotificationPreferencesUpdate,
    NotificationRead,
    PushKey,
    PushSubscriptionCreate,
    PushSubscriptionRead,
    UnreadCount,
)
from frontdesk.tickets.deps import LoadedTicket

router = APIRouter(tags=["notifications"], route_class=AuthenticateFirst)


@router.get("/notifications", response_model=NotificationPage)
async def list_notifications(
    user: CurrentAgent,
    session: SessionDep,
    before: Annotated[Id | None, Query(description="Only notifications older than this id")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    unread: Annotated[bool, Query(description="Only unread ones")] = False,
) -> NotificationPage:
    """Your notifications, newest first, with your unread count."""
    page = await service.list_notifications(
        session, user=user, before=before, limit=limit, unread_only=unread
    )
    return NotificationPage(
        items=[
            NotificationRead.model_validate(
                payload(item, actor=page.actors.get(item.actor_id or 0))
            )
            for item in page.items
        ],
        unread=page.unread,
        next_before=page.next_before,
    )


@router.post("/notifications/read", response_model=UnreadCount)
async def mark_notifications_read(
    body: MarkRead, user: CurrentAgent, session: SessionDep
) -> UnreadCount:
    """Marks the notifications named read, or all of yours when `ids` is null."""
    return UnreadCount(unread=await service.mark_read(session, user=user, ids=body.ids))


def _preferences(matrix: preferences.Matrix) -> NotificationPreferencesRead:
    return NotificationPreferencesRead.model_validate(
        {
            "preferences": {
                kind.value: {channel.value: on for channel, on in row.items()}
                for kind, row in matrix.items()
            },
            "defaults": {
                kind.value: sorted(channel.value for channel in channels)
                for kind, channels in preferences.DEFAULTS.items()
            },
        }
    )


@router.get("/notifications/preferences", response_model=NotificationPreferencesRead)
async def get_notification_preferences(
    user: CurrentAgent, session: SessionDep
) -> NotificationPreferencesRead:
    """What notifies you where: for each kind: the bell (`in_app`), Web Push, email."""
    return _preferences(await preferences.get_matrix(session, user_id=user.id))


@router.put("/notifications/preferences", response_model=NotificationPreferencesRead)
async def set_notification_preferences(
    body: NotificationPreferencesUpdate, user: CurrentAgent, session: SessionDep
) -> NotificationPreferencesRead:
    return _preferences(
        await preferences.set_matrix(
            session,
            user_id=user.id,
            choices={
                str(k): {str(c): on for c, on in row.items()} for k, row in body.preferences.items()
            },
        )
    )


@router.get("/push/key", response_model=PushKey)
async def get_push_key(_user: CurrentAgent, session: SessionDep) -> PushKey:
    """The desk's VAPID public key, for `pushManager.subscribe({applicationServerKey})`."""
    return PushKey(public_key=(await service.vapid(session)).public_key)


@router.get("/push/subscriptions", response_model=list[PushSubscriptionRead])
async def list_push_subscriptions(
    user: CurrentAgent, session: SessionDep
) -> list[PushSubscriptionRead]:
    return [
        PushSubscriptionRead.model_validate(row)
        for row in await service.list_subscriptions(session, user=user)
    ]


@router.post(
    "/push/subscriptions",
    response_model=PushSubscriptionRead,
    status_code=status.HTTP_201_CREATED,
)
async def create_push_subscription(
    body: PushSubscriptionCreate, request: Request, user: CurrentAgent, session: SessionDep
) -> PushSubscriptionRead:
    """Saves this browser's push subscription (sent again, it is updated, not doubled)."""
    row = await service.subscribe(
        session,
        user=user,
        endpoint=body.endpoint,
        p256dh=body.keys.p256dh,
        auth=body.keys.auth,
        user_agent=request.headers.get("user-agent"),
    )
    return PushSubscriptionRead.model_validate(row)


@router.delete("/push/subscriptions/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_push_subscription(
    subscription_id: Id, user: CurrentAgent, session: SessionDep
) -> Response:
    rows = await service.list_subscriptions(session, user=user)
    row = next((row for row in rows if row.id == subscription_id), None)
    if row is None:
        raise NotFound("No such push subscription.")
    await service.unsubscribe(session, user=user, endpoint=row.endpoint)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _followers(session: SessionDep, *, ticket_id: int, user_id: int) -> FollowersRead:
    users = await service.follower_users(session, ticket_id=ticket_id)
    return FollowersRead(
        followers=[{"id": u.id, "name": u.name} for u in users],  # type: ignore[misc]
        following=any(u.id == user_id for u in users),
    )


@router.get("/tickets/{ticket_id}/followers", response_model=FollowersRead)
async def list_ticket_followers(
    ticket: LoadedTicket, user: CurrentAgent, session: SessionDep
) -> FollowersRead:
    """Who follows the ticket: they are told of its customer replies, like its assignee."""
    return await _followers(session, ticket_id=ticket.id, user_id=user.id)


@router.put("/tickets/{ticket_id}/follow", response_model=FollowersRead)
async def follow_ticket(
    ticket: LoadedTicket, user: CurrentAgent, session: SessionDep
) -> FollowersRead:
    await service.follow(session, ticket_id=ticket.id, user_id=user.id)
    return await _followers(session, ticket_id=ticket.id, user_id=user.id)


@router.delete("/tickets/{ticket_id}/follow", response_model=FollowersRead)
async def unfollow_ticket(
    ticket: LoadedTicket, user: CurrentAgent, session: SessionDep
) -> FollowersRead:
    await service.unfollow(session, ticket_id=ticket.id, user_id=user.id)
    return await _followers(session, ticket_id=ticket.id, user_id=user.id)


@router.get("/tickets/{ticket_id}/mentionable", response_model=list[MentionableRead])
async def list_mentionable(
    ticket: LoadedTicket,
    _user: CurrentAgent,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
) -> list[MentionableRead]:
    """The agents a note on this ticket can @mention (those who may see it), by name or handle."""
    users = await service.mentionable(session, inbox_id=ticket.inbox_id, q=q)
    return [MentionableRead(id=u.id, name=u.name, handle=u.email.rsplit("@", 1)[0]) for u in users]
