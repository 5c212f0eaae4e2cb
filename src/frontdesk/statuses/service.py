"""Custom ticket statuses: admins name finer statuses under open, on hold and closed; a ticket
may carry one of its state's (docs/desk.md, "Ticket statuses"). Names are unique regardless of
case, in every alphabet, as labels' are. Setting one on a ticket is `tickets/service.py`
`update_ticket` (`status`), which sets its state in the same write; the rule that a state change
drops it is the ticket model's (`Ticket._state_set`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.unique import flush_unique
from frontdesk.errors import Conflict, Invalid, NotFound
from frontdesk.labels.service import name_key
from frontdesk.statuses.models import MAX_NAME, StatusState, TicketStatus
from frontdesk.statuses.schemas import StatusRef
from frontdesk.tickets.models import TicketState

STATE_ORDER = {StatusState.open: 0, StatusState.hold: 1, StatusState.closed: 2}
# What a ticket without a custom status shows: its state's plain status.
PLAIN_NAMES = {
    TicketState.open: "Open",
    TicketState.hold: "Hold",
    TicketState.snoozed: "Snoozed",
    TicketState.closed: "Closed",
    TicketState.spam: "Spam",
}


def _ordered(statuses: Iterable[TicketStatus]) -> list[TicketStatus]:
    return sorted(statuses, key=lambda s: (STATE_ORDER[s.state], s.position, s.id))


async def list_statuses(session: AsyncSession) -> list[TicketStatus]:
    """Every status, archived ones too (tickets still show them), by state then position."""
    return _ordered((await session.scalars(select(TicketStatus))).all())


async def get_status(session: AsyncSession, *, status_id: int) -> TicketStatus:
    status = await session.get(TicketStatus, status_id)
    if status is None:
        raise NotFound("No such status.")
    return status


async def status_to_set(
    session: AsyncSession, *, status_id: int, field: str = "status_id"
) -> TicketStatus:
    """A status a ticket may be given now: one that exists and is not archived (422 on
    `field` otherwise)."""
    status = await session.get(TicketStatus, status_id)
    if status is None:
        raise Invalid(field, "No such status: it may have been deleted.")
    if status.archived:
        raise Invalid(field, f"The status “{status.name}” is archived: choose another.")
    return status


def state_of(status: TicketStatus, *, state: TicketState | None) -> TicketState:
    """The state a ticket given `status` takes: the status's own, which a `state` sent with it
    must agree with (422 on `status_id` otherwise), on a new ticket as on a change."""
    if state is not None and state.value != status.state.value:
        raise Invalid(
            "status_id",
            f"The status “{status.name}” is one of the state {status.state.value}, not "
            f"{state.value}: leave state out, or send the one that agrees.",
        )
    return TicketState(status.state.value)


async def still_of(
    session: AsyncSession, *, status_id: int | None, state: TicketState
) -> int | None:
    """A status a ticket had, given back with `state` (an undone merge): kept when it still
    exists, is not archived and is one of `state`'s; None (the plain status) otherwise."""
    if status_id is None:
        return None
    status = await session.get(TicketStatus, status_id)
    if status is None or status.archived or status.state.value != state.value:
        return None
    return status.id


async def refs_of(
    session: AsyncSession, *, status_ids: Iterable[int | None]
) -> dict[int, StatusRef]:
    """Statuses as ticket reads show them, by id: one statement for a page of tickets."""
    wanted = sorted({i for i in status_ids if i is not None})
    if not wanted:
        return {}
    found = await session.scalars(select(TicketStatus).where(TicketStatus.id.in_(wanted)))
    return {s.id: StatusRef(id=s.id, name=s.name, state=s.state.value) for s in found}


def _name_taken(name: str, existing: str | None = None) -> Conflict:
    if existing is None or existing == name:
        message = f"A status named {name!r} already exists: use it, or choose another name."
    else:
        message = (
            f"{name!r} is taken: there is already a status {existing!r}, and status names "
            "ignore case. Use it, or choose another name."
        )
    return Conflict(message, code="status_exists")


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise Invalid("name", "Give the status a name.", field_code="required")
    if len(name) > MAX_NAME:
        raise Invalid(
            "name", f"Use at most {MAX_NAME} characters.", field_code="too_long", limit=MAX_NAME
        )
    return name


async def _ensure_free_name(session: AsyncSession, *, name: str, except_id: int | None) -> None:
    query = select(TicketStatus.name).where(TicketStatus.name_key == name_key(name))
    if except_id is not None:
        query = query.where(TicketStatus.id != except_id)
    existing = await session.scalar(query)
    if existing is not None:
        raise _name_taken(name, existing)


async def _of_state(session: AsyncSession, state: StatusState) -> list[TicketStatus]:
    found = await session.scalars(select(TicketStatus).where(TicketStatus.state == state))
    return _ordered(found)


async def create_status(
    session: AsyncSession, *, name: str, state: StatusState, description: str = ""
) -> TicketStatus:
    """Added last among its state's statuses."""
    name = _clean_name(name)
    await _ensure_free_name(session, name=name, except_id=None)
    siblings = await _of_state(session, state)
    status = TicketStatus(
        name=name,
        name_key=name_key(name),
        description=description.strip(),
        state=state,
        position=max((s.position for s in siblings), default=-1) + 1,
    )
    session.add(status)
    await flush_unique(session, taken=_name_taken(name))
    return status


async def update_status(
    session: AsyncSession,
    *,
    status: TicketStatus,
    name: str | None = None,
    description: str | None = None,
    position: int | None = None,
    archived: bool | None = None,
) -> bool:
    """Archiving is checked by the caller against what sets or tests the status
    (statuses/usage.py).
    Whether anything changed: a PATCH that sends the values the status has changes nothing,
    and the caller then tells nobody (no `ticket_status.changed`; the audit log records only
    fields that changed, so none)."""
    before = await _definitions(session, status.state)
    if description is not None:
        status.description = description.strip()
    if archived is not None:
        status.archived = archived
    if position is not None:
        await _move(session, status=status, to=position)
    if name is not None:
        name = _clean_name(name)
        await _ensure_free_name(session, name=name, except_id=status.id)
        status.name, status.name_key = name, name_key(name)
    await flush_unique(session, taken=_name_taken(status.name))
    return await _definitions(session, status.state) != before


async def _definitions(session: AsyncSession, state: StatusState) -> list[tuple[object, ...]]:
    """What an agent's desk shows of a state's statuses: a change is a change of this."""
    return [
        (s.id, s.name, s.description, s.position, s.archived)
        for s in await _of_state(session, state)
    ]


async def _move(session: AsyncSession, *, status: TicketStatus, to: int) -> None:
    """Its state's statuses numbered again 0, 1, 2… with this one at `to`."""
    others = [s for s in await _of_state(session, status.state) if s.id != status.id]
    others.insert(min(to, len(others)), status)
    for position, each in enumerate(others):
        if each.position != position:
            each.position = position


async def delete_status(session: AsyncSession, *, status: TicketStatus) -> None:
    """Checked by the caller against every use (statuses/usage.py); its state's others close
    the gap."""
    state = status.state
    await session.delete(status)
    await session.flush()
    for position, each in enumerate(await _of_state(session, state)):
        if each.position != position:
            each.position = position


def plain_name(state: TicketState) -> str:
    return PLAIN_NAMES[state]
