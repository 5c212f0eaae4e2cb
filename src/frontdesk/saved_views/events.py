"""`view.changed`: the desks that list a view hear that it was created, edited or deleted, and
read their views again (docs/desk.md, "Filters and views"). Published after the commit, as every
event; the payload names the change, not the view as the API reads it: what a view `missing`
depends on the viewer."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.realtime.catalogue import UserRef, ViewChanged, ViewChangeName, ViewEvent
from frontdesk.realtime.envelope import ALL_AGENTS, agent_topic
from frontdesk.realtime.publisher import record
from frontdesk.saved_views.models import SavedView
from frontdesk.users.models import User


def audience(view: SavedView) -> list[str]:
    """Who lists the view: every agent for a shared one, only its owner (each of their tabs)
    for a personal one. A view never changes from one to the other (the API has no such edit)."""
    if view.owner_id is None:
        return [ALL_AGENTS]
    return [agent_topic(view.owner_id)]


def record_changed(
    session: AsyncSession, view: SavedView, *, change: ViewChangeName, by: User
) -> None:
    record(
        session,
        type=ViewEvent.changed,
        topics=audience(view),
        data=ViewChanged(
            view_id=view.id,
            change=change,
            name=view.name,
            shared=view.shared,
            by=UserRef(id=by.id, name=by.name),
        ),
    )
