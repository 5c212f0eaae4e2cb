"""Saved views: list, create, edit, move, delete, and count. A view's tickets: GET /api/v1/tickets
with `view_id` (tickets/api.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, status

from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.kit.schemas import Id
from frontdesk.saved_views import kept as views_kept
from frontdesk.saved_views import service
from frontdesk.saved_views.kept import KeptCounts, kept_counts
from frontdesk.saved_views.models import SavedView
from frontdesk.saved_views.schemas import (
    SavedViewCount,
    SavedViewCounts,
    SavedViewCreate,
    SavedViewMove,
    SavedViewRead,
    SavedViewUpdate,
)
from frontdesk.saved_views.service import Gone
from frontdesk.users.models import User

router = APIRouter(prefix="/views", tags=["views"], route_class=AuthenticateFirst)


async def load_view(view_id: Id, user: CurrentAgent, session: SessionDep) -> SavedView:
    return await service.get_view(session, user=user, view_id=view_id)


LoadedView = Annotated[SavedView, Depends(load_view)]


def _read(view: SavedView, gone: Gone) -> SavedViewRead:
    filters = service.filters_of(view)
    return SavedViewRead(
        id=view.id,
        name=view.name,
        filters=filters,
        sort=view.sort,
        shared=view.shared,
        owner_id=view.owner_id,
        position=view.position,
        missing=gone.missing(filters),
        created_by_id=view.created_by_id,
        updated_by_id=view.updated_by_id,
        created_at=view.created_at,
        updated_at=view.updated_at,
    )


async def _reads(
    session: SessionDep, views: Sequence[SavedView], *, user: User
) -> list[SavedViewRead]:
    gone = await service.existing_targets(session, views, user=user)
    return [_read(view, gone) for view in views]


@router.get("", response_model=list[SavedViewRead])
async def list_views(user: CurrentAgent, session: SessionDep) -> list[SavedViewRead]:
    """The shared views, then your own; nobody else's personal views."""
    return await _reads(session, await service.list_views(session, user=user), user=user)


@router.get("/counts", response_model=SavedViewCounts)
async def count_views(
    user: CurrentAgent, session: SessionDep, kept: Annotated[KeptCounts, Depends(kept_counts)]
) -> SavedViewCounts:
    """How many tickets each of your views shows you, counted up to `most`. Counted at most
    about once every `fresh_for` seconds for you: a `cached` answer may miss the changes of the
    last `fresh_for` seconds, so ask again after that time to have them."""
    views = await service.list_views(session, user=user)
    signature = views_kept.signature(user, views)
    counts = kept.get(user.id, signature)
    cached = counts is not None
    if counts is None:
        counts = await service.count_views(session, user=user, views=views)
        kept.put(user.id, signature, counts)
    return SavedViewCounts(
        most=service.MOST_COUNTED,
        cached=cached,
        fresh_for=views_kept.COUNTS_FRESH_FOR,
        views=[SavedViewCount(id=view.id, count=counts[view.id]) for view in views],
    )


@router.post("", response_model=SavedViewRead, status_code=status.HTTP_201_CREATED)
async def create_view(
    body: SavedViewCreate, user: CurrentAgent, session: SessionDep
) -> SavedViewRead:
    """409 `view_name_taken`: the owner (you, or the shared views) has a view of that name, in
    any case; 403 `shared_view_admins_only`; 409 `too_many_views`."""
    view = await service.create_view(
        session,
        user=user,
        name=body.name,
        filters=body.filters,
        sort=body.sort,
        shared=body.shared,
        position=body.position,
    )
    return (await _reads(session, [view], user=user))[0]


@router.get("/{view_id}", response_model=SavedViewRead)
async def get_view(view: LoadedView, user: CurrentAgent, session: SessionDep) -> SavedViewRead:
    return (await _reads(session, [view], user=user))[0]


@router.patch("/{view_id}", response_model=SavedViewRead)
async def update_view(
    body: SavedViewUpdate, view: LoadedView, user: CurrentAgent, session: SessionDep
) -> SavedViewRead:
    """`filters`, when given, replace the view's filters as a whole."""
    await service.update_view(
        session,
        user=user,
        view=view,
        name=body.name,
        filters=body.filters,
        sort=body.sort,
        position=body.position,
    )
    return (await _reads(session, [view], user=user))[0]


@router.post("/{view_id}/move", response_model=list[SavedViewRead])
async def move_view(
    view_id: Id, body: SavedViewMove, user: CurrentAgent, session: SessionDep
) -> list[SavedViewRead]:
    """One place up (`by: -1`) or down (`by: 1`) among the views of its owner (the shared ones,
    or yours), which are numbered 0, 1, 2… again in one go; at either end nothing moves (200).
    Answers every view you see, as GET /views, in the new order. 403
    `shared_view_admins_only`."""
    await service.move_view(session, user=user, view_id=view_id, by=body.by)
    return await _reads(session, await service.list_views(session, user=user), user=user)


@router.delete("/{view_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_view(view: LoadedView, user: CurrentAgent, session: SessionDep) -> None:
    await service.delete_view(session, user=user, view=view)
