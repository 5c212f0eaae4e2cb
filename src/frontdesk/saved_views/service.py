"""Saved views: who sees and manages which, their filters as the list's criteria, their counts.

Who may do what: a personal view is its owner's alone (anyone else gets 404, as for a view that
does not exist); a shared view is seen by every agent, and only owners and admins create, edit
or delete one (403 for other agents). A shared view shows each agent only the tickets of the
inboxes they see, as the list does: its filters narrow what the agent may see, never widen it.

What a view names (an inbox, a label, an agent, an organisation) is checked when it is saved,
and may be gone later (a label or an organisation deleted), or out of the viewer's sight (an
inbox its author left, a shared view's inbox another agent is not in): such a filter then
matches no ticket for that viewer, so the view shows none and `missing` names the filter;
nothing fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from sqlalchemy import Select, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.unique import flush_unique
from frontdesk.errors import Conflict, Forbidden, Invalid, NotFound
from frontdesk.fields import filtering as field_filtering
from frontdesk.inboxes.models import Inbox
from frontdesk.inboxes.queries import visible_inbox_ids
from frontdesk.labels.models import Label
from frontdesk.labels.service import name_key
from frontdesk.organisations.models import Organisation
from frontdesk.saved_views import events
from frontdesk.saved_views.models import SHARED, SavedView
from frontdesk.saved_views.schemas import MAX_NAME, ViewFilters
from frontdesk.sla.views import breaching_before
from frontdesk.statuses.models import TicketStatus
from frontdesk.tickets.models import Ticket
from frontdesk.tickets.queries import TicketFilter, filtered
from frontdesk.users.models import User

# Views per owner, and shared ones: the desk counts every view it shows on each change.
MAX_VIEWS = 50
# A view's count stops here: past it, the desk shows "999+" (see count_views for what a count
# reads).
MOST_COUNTED = 1000


def visible_views(user: User) -> Select[SavedView]:
    return select(SavedView).where(or_(SavedView.owner_id == user.id, SavedView.owner_id.is_(None)))


def filters_of(view: SavedView) -> ViewFilters:
    return ViewFilters.model_validate(view.filters)


def _stored(filters: ViewFilters) -> dict[str, object]:
    return filters.model_dump(mode="json", exclude_defaults=True)


def _ensure_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid("name", "Give the view a name.", field_code="required")
    if len(name) > MAX_NAME:
        raise Invalid(
            "name", f"Use at most {MAX_NAME} characters.", field_code="too_long", limit=MAX_NAME
        )
    return name


def _ensure_may_manage(user: User, view: SavedView | None = None, *, shared: bool) -> None:
    if shared and not user.is_admin:
        raise Forbidden(
            "Only owners and admins create, edit or delete shared views; save it as your own.",
            code="shared_view_admins_only",
        )
    if view is not None and not shared and view.owner_id != user.id:
        raise NotFound("No such view.")


def _name_taken(name: str) -> Conflict:
    return Conflict(
        f"You already have a view named “{name}”: choose another name.",
        code="view_name_taken",
    )


async def _ensure_free_name(
    session: AsyncSession, *, name: str, owner_key: int, except_id: int | None
) -> None:
    query = select(SavedView.id).where(
        SavedView.owner_key == owner_key, SavedView.name_key == name_key(name)
    )
    if except_id is not None:
        query = query.where(SavedView.id != except_id)
    if await session.scalar(query) is not None:
        raise _name_taken(name)


async def _ensure_targets(session: AsyncSession, *, user: User, filters: ViewFilters) -> None:
    """What the filters name exists, when saved; an inbox only if the author sees it."""
    if filters.inbox_id is not None and not await session.scalar(
        select(Inbox.id).where(Inbox.id == filters.inbox_id, Inbox.id.in_(visible_inbox_ids(user)))
    ):
        raise Invalid("filters.inbox_id", "No such inbox: choose one of your inboxes.")
    if filters.label_id is not None and await session.get(Label, filters.label_id) is None:
        raise Invalid("filters.label_id", "No such label: it may have been deleted.")
    if (
        filters.organisation_id is not None
        and await session.get(Organisation, filters.organisation_id) is None
    ):
        raise Invalid("filters.organisation_id", "No such organisation: it may have been deleted.")
    if filters.status_id is not None and await session.get(TicketStatus, filters.status_id) is None:
        raise Invalid("filters.status_id", "No such status: it may have been deleted.")
    if filters.assignee_id is not None and await session.get(User, filters.assignee_id) is None:
        raise Invalid("filters.assignee_id", "No such agent.")
    if filters.field is not None:
        # Kept as the field writes it (`plan:Pro` for `plan:pro`).
        filters.field = (
            await field_filtering.match_of(
                session, spec=filters.field, strict=True, name="filters.field"
            )
        ).spec


async def list_views(session: AsyncSession, *, user: User) -> Sequence[SavedView]:
    """Shared views first, then the user's own, each in their order."""
    query = visible_views(user).order_by(SavedView.owner_key, SavedView.position, SavedView.id)
    return (await session.scalars(query)).all()


async def get_view(session: AsyncSession, *, user: User, view_id: int) -> SavedView:
    view = await session.scalar(visible_views(user).where(SavedView.id == view_id))
    if view is None:
        raise NotFound("No such view.")
    return view


async def create_view(
    session: AsyncSession,
    *,
    user: User,
    name: str,
    filters: ViewFilters,
    sort: str,
    shared: bool,
    position: int | None = None,
) -> SavedView:
    _ensure_may_manage(user, shared=shared)
    name = _ensure_name(name)
    owner_key = SHARED if shared else user.id
    await _ensure_targets(session, user=user, filters=filters)
    await _ensure_free_name(session, name=name, owner_key=owner_key, except_id=None)
    existing, last = (
        await session.execute(
            select(func.count(), func.max(SavedView.position)).where(
                SavedView.owner_key == owner_key
            )
        )
    ).one()
    if existing >= MAX_VIEWS:
        raise Conflict(
            f"There are {MAX_VIEWS} views already"
            + (" shared" if shared else " of yours")
            + ": delete one you no longer use first.",
            code="too_many_views",
        )
    view = SavedView(
        name=name,
        name_key=name_key(name),
        filters=_stored(filters),
        sort=sort,
        owner_id=None if shared else user.id,
        owner_key=owner_key,
        position=position if position is not None else (last + 1 if last is not None else 0),
        created_by_id=user.id,
        updated_by_id=user.id,
    )
    session.add(view)
    await flush_unique(session, taken=_name_taken(name))
    events.record_changed(session, view, change="created", by=user)
    return view


async def update_view(
    session: AsyncSession,
    *,
    user: User,
    view: SavedView,
    name: str | None = None,
    filters: ViewFilters | None = None,
    sort: str | None = None,
    position: int | None = None,
) -> SavedView:
    _ensure_may_manage(user, view, shared=view.shared)
    if name is not None:
        name = _ensure_name(name)
        await _ensure_free_name(session, name=name, owner_key=view.owner_key, except_id=view.id)
        view.name, view.name_key = name, name_key(name)
    if filters is not None:
        await _ensure_targets(session, user=user, filters=filters)
        view.filters = _stored(filters)
    if sort is not None:
        view.sort = sort
    if position is not None:
        view.position = position
    view.updated_by_id = user.id
    await flush_unique(session, taken=_name_taken(view.name))
    events.record_changed(session, view, change="updated", by=user)
    return view


async def move_view(
    session: AsyncSession, *, user: User, view_id: int, by: Literal[-1, 1]
) -> Sequence[SavedView]:
    """Moves a view one place up (-1) or down (+1) among those of its owner (the shared views
    together, or one agent's own), and numbers them 0, 1, 2… in their new order, in this one
    transaction. The owner's views are locked first (FOR UPDATE, in id order so that two moves
    never wait for each other crosswise; SQLite's one writer serialises them anyway), so two
    moves at once apply one after the other: neither is lost, and no two views share a place.
    Past either end nothing moves; places that were out of step (ties, gaps) are put in order
    all the same. One `view.changed` ("moved") for the view, if any place changed.

    Returns the owner's views in their new order."""
    view = await get_view(session, user=user, view_id=view_id)
    _ensure_may_manage(user, view, shared=view.shared)
    kind = list(
        (
            await session.scalars(
                select(SavedView)
                .where(SavedView.owner_key == view.owner_key)
                .order_by(SavedView.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).all()
    )
    kind.sort(key=lambda each: (each.position, each.id))
    at = next((n for n, each in enumerate(kind) if each.id == view_id), None)
    if at is None:  # deleted while we waited for the lock
        raise NotFound("No such view.")
    if 0 <= at + by < len(kind):
        kind[at], kind[at + by] = kind[at + by], kind[at]
    moved = False
    for position, each in enumerate(kind):
        if each.position != position:
            each.position = position
            moved = True
    if moved:
        await session.flush()
        events.record_changed(session, view, change="moved", by=user)
    return kind


async def delete_view(session: AsyncSession, *, user: User, view: SavedView) -> None:
    _ensure_may_manage(user, view, shared=view.shared)
    await session.delete(view)
    await session.flush()
    events.record_changed(session, view, change="deleted", by=user)


@dataclass(frozen=True)
class Gone:
    """What of the things views name exists for the viewer, looked up once for many views."""

    inbox_ids: frozenset[int]
    label_ids: frozenset[int]
    user_ids: frozenset[int]
    # The custom field filters (`plan:Pro`) whose field or option is still there.
    field_specs: frozenset[str] = frozenset()
    organisation_ids: frozenset[int] = frozenset()
    status_ids: frozenset[int] = frozenset()

    def missing(self, filters: ViewFilters) -> list[str]:
        named = (
            ("inbox_id", filters.inbox_id, self.inbox_ids),
            ("label_id", filters.label_id, self.label_ids),
            ("organisation_id", filters.organisation_id, self.organisation_ids),
            ("status_id", filters.status_id, self.status_ids),
            ("assignee_id", filters.assignee_id, self.user_ids),
            ("field", filters.field, self.field_specs),
        )
        return [field for field, value, found in named if value is not None and value not in found]


async def existing_targets(
    session: AsyncSession, views: Sequence[SavedView], *, user: User
) -> Gone:
    """What of the views' targets `user` has: labels, organisations and agents that exist, and
    inboxes that exist and `user` sees (inboxes are never deleted, but the viewer may not be in
    one)."""
    every = [filters_of(view) for view in views]

    async def found(
        model: type[Inbox] | type[Label] | type[User] | type[Organisation] | type[TicketStatus],
        ids: set[int],
    ) -> frozenset[int]:
        if not ids:
            return frozenset()
        query = select(model.id).where(model.id.in_(ids))
        if model is Inbox:
            query = query.where(model.id.in_(visible_inbox_ids(user)))
        return frozenset((await session.scalars(query)).all())

    # A field deleted or archived, or an option removed, since: the view matches no ticket.
    field_specs: set[str] = set()
    for spec in {f.field for f in every if f.field is not None}:
        match = await field_filtering.match_of(session, spec=spec, strict=False, name="field")
        if match.field_id:
            field_specs.add(spec)
    return Gone(
        inbox_ids=await found(Inbox, {f.inbox_id for f in every if f.inbox_id is not None}),
        label_ids=await found(Label, {f.label_id for f in every if f.label_id is not None}),
        user_ids=await found(User, {f.assignee_id for f in every if f.assignee_id is not None}),
        field_specs=frozenset(field_specs),
        organisation_ids=await found(
            Organisation, {f.organisation_id for f in every if f.organisation_id is not None}
        ),
        status_ids=await found(
            TicketStatus, {f.status_id for f in every if f.status_id is not None}
        ),
    )


async def listing(
    session: AsyncSession, *, user: User, view_id: int, sort: str | None, continued: bool
) -> tuple[TicketFilter, str | None]:
    """A view's tickets as the ticket list takes them: its criteria for `user`, and the sort.
    A shared view's inbox the agent does not see, or one gone, lists no tickets rather than
    answering 404 (`visible_tickets`), so that a view shared with everyone works for everyone.
    The view's sort applies only when nothing else decides it: a cursor holds its own, and a
    sync (`updated_since`) takes only `updated_at` (`continued`)."""
    view = await get_view(session, user=user, view_id=view_id)
    criteria = await _with_field(session, criteria_of(filters_of(view), user=user), view)
    return criteria, sort if sort is not None or continued else view.sort


async def _with_field(
    session: AsyncSession, criteria: TicketFilter, view: SavedView
) -> TicketFilter:
    """The view's custom field filter, looked up now: a field or option gone since matches no
    ticket, as a deleted label does."""
    spec = filters_of(view).field
    if spec is None:
        return criteria
    match = await field_filtering.match_of(session, spec=spec, strict=False, name="field")
    return replace(criteria, field=match)


def criteria_of(filters: ViewFilters, *, user: User) -> TicketFilter:
    """The list's criteria for `user`: `mine` is whoever looks. A missing inbox, label, agent or
    organisation matches no ticket by itself (no row has it)."""
    return TicketFilter(
        inbox_id=filters.inbox_id,
        states=tuple(filters.state),
        assignee_id=user.id if filters.mine else filters.assignee_id,
        unassigned=filters.unassigned,
        label_id=filters.label_id,
        organisation_id=filters.organisation_id,
        status_id=filters.status_id,
        type=filters.type,
        priorities=tuple(filters.priority),
        due_before=breaching_before() if filters.breaching else None,
    )


def _counted(user: User, criteria: TicketFilter, *, sla_sort: bool) -> Select[int]:
    """Up to MOST_COUNTED of the tickets, as constant rows: nothing of a ticket is needed, so an
    index that holds the filters' columns answers alone (PostgreSQL's index-only scan)."""
    query = filtered(user, criteria)
    if sla_sort:
        # As the list: that sort holds only tickets with a running target.
        query = query.where(Ticket.sla_due_at.is_not(None))
    # The FROM kept: with no column of `tickets` left, SQLAlchemy would otherwise move it into a
    # filter's EXISTS, and count one row.
    return query.with_only_columns(literal(1), maintain_column_froms=True).limit(MOST_COUNTED)


async def count_views(
    session: AsyncSession, *, user: User, views: Sequence[SavedView]
) -> dict[int, int]:
    """Each view's tickets that `user` sees, up to MOST_COUNTED, in one statement: views with the
    same criteria for `user` (a shared "Mine" and one's own) are counted once.

    A count reads the index entries its filters select (ix_tickets_priority_state_inbox and the
    (inbox, state, …) ones) until MOST_COUNTED of them match: bounded by MOST_COUNTED rows when
    every filter is in the index read, more when one is not (a label, the type) and few rows
    pass it. docs/performance.md, "Saved views' counts", has the figures."""
    due = breaching_before()
    distinct: dict[tuple[TicketFilter, bool], list[int]] = {}
    for view in views:
        criteria = await _with_field(session, criteria_of(filters_of(view), user=user), view)
        if criteria.due_before is not None:
            # One instant for every view, so that two "breaching" views are one count.
            criteria = replace(criteria, due_before=due)
        distinct.setdefault((criteria, view.sort == "sla_due_at"), []).append(view.id)
    if not distinct:
        return {}
    keys = list(distinct)
    parts = [
        select(literal(k).label("k"), func.count().label("n")).select_from(
            _counted(user, criteria, sla_sort=sla_sort).subquery()
        )
        for k, (criteria, sla_sort) in enumerate(keys)
    ]
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    counts: dict[int, int] = {}
    for k, n in await session.execute(statement):
        for view_id in distinct[keys[k]]:
            counts[view_id] = int(n)
    return counts
