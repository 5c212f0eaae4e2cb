"""Ratings for agents under /api/v1: a ticket's ratings, the filtered list (what reports read),
and an inbox's rating settings (admins change them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.deps import AuthenticateFirst, CurrentAdmin, CurrentAgent, SessionDep
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.schemas import Id, InUtc
from frontdesk.ratings import service
from frontdesk.ratings.models import Rating, RatingChannel, RatingScore, RatingSettings
from frontdesk.ratings.schemas import (
    RatingPage,
    RatingRead,
    RatingSettingsRead,
    RatingSettingsUpdate,
)

router = APIRouter(tags=["ratings"], route_class=AuthenticateFirst)


async def rating_reads(session: AsyncSession, ratings: Sequence[Rating]) -> list[RatingRead]:
    agents = await service.agents_of(session, rating_ids=[rating.id for rating in ratings])
    return [
        RatingRead.model_validate(rating).model_copy(update={"agent_ids": agents[rating.id]})
        for rating in ratings
    ]


@router.get("/tickets/{ticket_id}/ratings", response_model=list[RatingRead])
async def ticket_ratings(
    ticket_id: Id, user: CurrentAgent, session: SessionDep
) -> list[RatingRead]:
    """The ticket's ratings, oldest first: its chat's, and one per rating email."""
    return await rating_reads(
        session, await service.ticket_ratings(session, user=user, ticket_id=ticket_id)
    )


@router.get("/ratings", response_model=RatingPage)
async def list_ratings(
    user: CurrentAgent,
    session: SessionDep,
    inbox_id: Id | None = None,
    customer_id: Id | None = None,
    agent_id: Id | None = None,
    score: RatingScore | None = None,
    channel: RatingChannel | None = None,
    since: Annotated[
        Annotated[datetime, InUtc] | None,
        Query(description="Given at or after (ISO 8601; UTC if no offset)"),
    ] = None,
    until: Annotated[
        Annotated[datetime, InUtc] | None,
        Query(description="Given before (ISO 8601; UTC if no offset)"),
    ] = None,
    with_comment: bool | None = None,
    before_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 50,
) -> RatingPage:
    """Ratings of the inboxes you may see, newest first."""
    items = await service.list_ratings(
        session,
        user=user,
        criteria=service.RatingFilter(
            inbox_id=inbox_id,
            customer_id=customer_id,
            agent_id=agent_id,
            score=score,
            channel=channel,
            since=since,
            until=until,
            with_comment=with_comment,
        ),
        limit=limit,
        before_id=before_id,
    )
    return RatingPage(
        items=await rating_reads(session, items),
        next_before_id=items[-1].id if len(items) == limit else None,
    )


def settings_read(row: RatingSettings) -> RatingSettingsRead:
    return RatingSettingsRead.model_validate(row)


@router.get("/inboxes/{inbox_id}/rating-settings", response_model=RatingSettingsRead)
async def get_rating_settings(
    inbox_id: Id, user: CurrentAgent, session: SessionDep
) -> RatingSettingsRead:
    inbox = await inboxes_service.get_inbox(session, user=user, inbox_id=inbox_id)
    return settings_read(await service.get_settings(session, inbox_id=inbox.id))


@router.patch("/inboxes/{inbox_id}/rating-settings", response_model=RatingSettingsRead)
async def update_rating_settings(
    inbox_id: Id, body: RatingSettingsUpdate, admin: CurrentAdmin, session: SessionDep
) -> RatingSettingsRead:
    inbox = await inboxes_service.get_inbox(session, user=admin, inbox_id=inbox_id)
    row = await service.update_settings(session, inbox=inbox, **body.model_dump(exclude_unset=True))
    return settings_read(row)
