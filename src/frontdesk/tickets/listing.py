"""The ticket list's filters as query parameters, read the same way for every route that lists
tickets by them: the list (`GET /tickets`) and its CSV file (`GET /tickets/export.csv`), so
that a file holds exactly the tickets its list shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Invalid
from frontdesk.fields import filtering as field_filtering
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.schemas import Id
from frontdesk.saved_views import service as saved_views_service
from frontdesk.sla.views import breaching_before
from frontdesk.tickets.models import TicketPriority, TicketState, TicketType
from frontdesk.tickets.queries import RELEVANCE, SORTS, TicketFilter
from frontdesk.users.models import User

SORT_HELP = (
    f"One of {', '.join(SORTS)}; with `q` also `{RELEVANCE}` (best first, the default when "
    "searching). Without `q` the default is `-updated_at`; with `updated_since` (a sync) it is "
    "`updated_at`, the only one it takes."
)


@dataclass(frozen=True)
class ListFilters:
    """The filters as asked, before they are checked and turned into a `TicketFilter`."""

    inbox_id: int | None
    state: tuple[TicketState, ...]
    assignee_id: int | None
    unassigned: bool
    mine: bool
    label_id: int | None
    customer_id: int | None
    organisation_id: int | None
    type: TicketType | None
    priority: tuple[TicketPriority, ...]
    q: str | None
    breaching: bool
    view_id: int | None
    field: str | None
    status_id: int | None = None

    def plain(self) -> dict[str, object]:
        """The filters given, as plain values (for the audit log)."""
        values: dict[str, object] = {}
        for name, value in self.__dict__.items():
            if value in (None, False, ()):
                continue
            values[name] = [str(item) for item in value] if isinstance(value, tuple) else value
        return values


def list_filters(
    inbox_id: Id | None = None,
    state: Annotated[list[TicketState] | None, Query(description="Repeat for several")] = None,
    assignee_id: Id | None = None,
    unassigned: bool = False,
    mine: bool = False,
    label_id: Id | None = None,
    customer_id: Id | None = None,
    organisation_id: Annotated[
        Id | None,
        Query(
            description="Only tickets whose customer belongs to this organisation "
            "(GET /api/v1/organisations); one that does not exist lists no ticket."
        ),
    ] = None,
    type: TicketType | None = None,
    priority: Annotated[
        list[TicketPriority] | None, Query(description="Any of these; repeat for several")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text search")] = None,
    breaching: Annotated[
        bool, Query(description="Only tickets whose next SLA target is due within the hour or late")
    ] = False,
    view_id: Annotated[
        Id | None,
        Query(
            description="A saved view's tickets (GET /api/v1/views): its filters, and its sort "
            "unless `sort`, `cursor` or `updated_since` says another. Given no other filter."
        ),
    ] = None,
    field: Annotated[
        str | None,
        Query(
            max_length=150,
            description="A custom field's value, `key:value`: a list field's option "
            "(`plan:Pro`, any case), a checkbox ticked or not (`vip:true`, `vip:false`), a "
            "text whole in any case (`company:acme ltd`), a number or a date (YYYY-MM-DD) "
            "equal to (`seats:5`), above (`seats:>5`, `>=`), below (`<`, `<=`) or in a range "
            "with both ends kept (`seats:1..10`, `renewal:2026-12-01..2026-12-31`, `seats:5..`); "
            "nothing after the colon (`plan:`): tickets where the field is not set.",
        ),
    ] = None,
    status_id: Annotated[
        Id | None,
        Query(
            description="Only tickets with this custom status (GET /api/v1/ticket-statuses), "
            "archived or not; one that does not exist lists no ticket."
        ),
    ] = None,
) -> ListFilters:
    return ListFilters(
        inbox_id=inbox_id,
        state=tuple(state or ()),
        assignee_id=assignee_id,
        unassigned=unassigned,
        mine=mine,
        label_id=label_id,
        customer_id=customer_id,
        organisation_id=organisation_id,
        type=type,
        priority=tuple(priority or ()),
        q=q,
        breaching=breaching,
        view_id=view_id,
        field=field,
        status_id=status_id,
    )


ListFiltersDep = Annotated[ListFilters, Depends(list_filters)]


async def criteria_of(
    session: AsyncSession,
    *,
    user: User,
    chosen: ListFilters,
    sort: str | None,
    continued: bool = False,
) -> tuple[TicketFilter, str | None]:
    """The list's criteria for `user` and its sort (a view's own unless `sort` or `continued`, a
    cursor or a sync, decides it). An inbox the agent cannot see is "no such inbox" (404), as
    in the counts, not an empty list."""
    if chosen.view_id is not None:
        given = (
            chosen.inbox_id,
            chosen.assignee_id,
            chosen.customer_id,
            chosen.organisation_id,
            chosen.label_id,
            chosen.type,
            chosen.q,
            chosen.field,
            chosen.status_id,
        )
        flags = (chosen.state, chosen.priority, chosen.unassigned, chosen.mine, chosen.breaching)
        if any(value is not None for value in given) or any(flags):
            raise Invalid(
                "view_id",
                "A view brings its own filters: send view_id alone, or the filters alone.",
            )
        return await saved_views_service.listing(
            session, user=user, view_id=chosen.view_id, sort=sort, continued=continued
        )
    if chosen.inbox_id is not None:
        await inboxes_service.get_inbox(session, user=user, inbox_id=chosen.inbox_id)
    criteria = TicketFilter(
        inbox_id=chosen.inbox_id,
        states=chosen.state,
        assignee_id=user.id if chosen.mine else chosen.assignee_id,
        unassigned=chosen.unassigned,
        label_id=chosen.label_id,
        customer_id=chosen.customer_id,
        organisation_id=chosen.organisation_id,
        status_id=chosen.status_id,
        type=chosen.type,
        priorities=chosen.priority,
        text=chosen.q or None,
        due_before=breaching_before() if chosen.breaching else None,
        field=await field_filtering.match_of(session, spec=chosen.field, strict=True, name="field")
        if chosen.field is not None
        else None,
    )
    return criteria, sort
