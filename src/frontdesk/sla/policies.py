"""SLA policies written: created, changed, deleted. Each write works out again the due times of
the open tickets of the inboxes the policy applied or applies to (docs/routing.md, "When a
policy changes"), here and not in the router, so that no caller can change a policy without it.

Here and not in sla/service.py: the refresh (hours/sla_refresh.py) goes through the SLA service
(`refresh`, `cached_policies`), so the module that starts it sits above both, as the hours API's
`save_hours` does for a change of hours."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import Invalid
from frontdesk.hours import sla_refresh
from frontdesk.inboxes.models import Inbox
from frontdesk.labels.models import Label
from frontdesk.sla import service
from frontdesk.sla.models import SlaPolicy
from frontdesk.tickets.models import TicketPriority

MAX_POLICIES = 200


@dataclass(frozen=True)
class PolicyFields:
    name: str
    inbox_id: int | None = None
    priority: TicketPriority | None = None
    label_id: int | None = None
    business_hours: bool = True
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    warning_minutes: int = 15
    position: int | None = None


def _shape(policy: SlaPolicy) -> tuple[object, ...]:
    """What decides the due times of the tickets a policy covers: a change of anything else (its
    name) moves none, and refreshes none."""
    return (
        policy.position,
        policy.inbox_id,
        policy.priority,
        policy.label_id,
        policy.business_hours,
        policy.first_response_minutes,
        policy.next_response_minutes,
        policy.resolution_minutes,
        policy.warning_minutes,
    )


async def _check(session: AsyncSession, fields: PolicyFields) -> None:
    if not fields.name.strip():
        raise Invalid("name", "Give the policy a name.", field_code="required")
    targets = (
        fields.first_response_minutes,
        fields.next_response_minutes,
        fields.resolution_minutes,
    )
    if all(minutes is None for minutes in targets):
        raise Invalid("first_response_minutes", "Set at least one target.")
    if fields.inbox_id is not None and await session.get(Inbox, fields.inbox_id) is None:
        raise Invalid("inbox_id", "No such inbox.")
    if fields.label_id is not None and await session.get(Label, fields.label_id) is None:
        raise Invalid("label_id", "No such label.")


async def create_policy(session: AsyncSession, *, fields: PolicyFields) -> SlaPolicy:
    await _check(session, fields)
    count = int(await session.scalar(select(func.count()).select_from(SlaPolicy)) or 0)
    if count >= MAX_POLICIES:
        raise Invalid("name", f"At most {MAX_POLICIES} SLA policies.")
    last = await session.scalar(select(func.max(SlaPolicy.position)))
    service.forget_policies(session)
    policy = SlaPolicy(position=(last or 0) + 1)
    _assign(policy, fields)
    if fields.position is not None:
        await _place(session, policy, fields.position)
    session.add(policy)
    await session.flush()
    # The open tickets it may apply to take it now.
    await sla_refresh.policies_changed(session, inbox_ids=[policy.inbox_id])
    return policy


async def _place(session: AsyncSession, policy: SlaPolicy, position: int) -> None:
    """The policy at `position` in the list (0: tried first), the others after it in their
    order, all numbered 0, 1, 2…: a position given that another policy held used to tie with it,
    and the older one was tried first, so the new one never applied."""
    others = [p for p in await service.list_policies(session) if p.id != policy.id]
    at = max(0, min(position, len(others)))
    for number, each in enumerate([*others[:at], policy, *others[at:]]):
        each.position = number


async def update_policy(
    session: AsyncSession, *, policy: SlaPolicy, fields: PolicyFields
) -> SlaPolicy:
    await _check(session, fields)
    before, inbox_before = _shape(policy), policy.inbox_id
    service.forget_policies(session)
    _assign(policy, fields)
    if fields.position is not None:
        await _place(session, policy, fields.position)
    await session.flush()
    if _shape(policy) != before:
        # The due times of the open tickets it covered or covers move with it.
        await sla_refresh.policies_changed(session, inbox_ids=[inbox_before, policy.inbox_id])
    return policy


async def delete_policy(session: AsyncSession, *, policy: SlaPolicy) -> None:
    inbox_id = policy.inbox_id
    service.forget_policies(session)
    await session.delete(policy)
    await session.flush()
    # Its tickets fall to the next policy that matches, or to none.
    await sla_refresh.policies_changed(session, inbox_ids=[inbox_id])


def _assign(policy: SlaPolicy, fields: PolicyFields) -> None:
    policy.name = fields.name.strip()
    policy.inbox_id = fields.inbox_id
    policy.priority = fields.priority.value if fields.priority is not None else None
    policy.label_id = fields.label_id
    policy.business_hours = fields.business_hours
    policy.first_response_minutes = fields.first_response_minutes
    policy.next_response_minutes = fields.next_response_minutes
    policy.resolution_minutes = fields.resolution_minutes
    policy.warning_minutes = fields.warning_minutes
