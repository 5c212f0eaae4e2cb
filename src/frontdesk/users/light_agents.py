"""What a light agent (role `collaborator`) may do (docs/desk.md, "Light agents").

A light agent reads what an agent of the same inboxes reads, and writes private notes, follows
tickets and keeps their own things (preferences, saved views, notifications, tokens, two-factor,
out of office). Everything else is refused with one sentence, 403 `light_agent`.

Two layers say so:

- the services that decide a ticket's or a chat's changes refuse a light agent themselves
  (`ensure_full_agent`: replies, forwards, ticket changes, new tickets, merges and splits,
  macros and bulk actions, customers and organisations, chats, availability, reports), and
  routing never counts them (`chats/queries.online_members`, `tickets/service.ensure_assignable`);
- every API request by a light agent, session or token alike, passes `ensure_route`
  (`deps._authenticate`): a write (any method but GET, HEAD, OPTIONS) is refused unless its
  route is in `ALLOWED_WRITES`, and the few reads they may not make (`REFUSED_READS`) are
  refused too. A route added later is thus refused to light agents until it is listed here
  on purpose; tests/unit/users/test_light_agents_api.py walks every route to hold that.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.chats.queries import active_chat_count
from frontdesk.errors import Conflict, Forbidden
from frontdesk.tickets.models import Ticket, TicketState
from frontdesk.users.models import User

REFUSAL = "Light agents can add private notes only; ask an agent to reply."
NO_REPORTS = "Light agents cannot see reports; ask an admin."

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# (method, the route's whole template): the writes a light agent may make.
ALLOWED_WRITES = frozenset(
    {
        # Their own session, account and devices.
        ("POST", "/api/v1/auth/logout"),
        ("PATCH", "/api/v1/me"),
        ("POST", "/api/v1/me/tokens"),
        ("DELETE", "/api/v1/me/tokens/{token_id}"),
        ("PUT", "/api/v1/me/out-of-office"),
        ("DELETE", "/api/v1/me/out-of-office"),
        ("POST", "/api/v1/me/two-factor/setup"),
        ("POST", "/api/v1/me/two-factor/confirm"),
        ("POST", "/api/v1/me/two-factor/recovery-codes"),
        ("POST", "/api/v1/me/two-factor/disable"),
        ("POST", "/api/v1/notifications/read"),
        ("PUT", "/api/v1/notifications/preferences"),
        ("POST", "/api/v1/push/subscriptions"),
        ("DELETE", "/api/v1/push/subscriptions/{subscription_id}"),
        # Private notes, with files, and following tickets.
        ("POST", "/api/v1/tickets/{ticket_id}/notes"),
        ("POST", "/api/v1/uploads"),
        ("PUT", "/api/v1/tickets/{ticket_id}/follow"),
        ("DELETE", "/api/v1/tickets/{ticket_id}/follow"),
        # Saved views (their own; the service refuses shared ones to non-admins).
        ("POST", "/api/v1/views"),
        ("PATCH", "/api/v1/views/{view_id}"),
        ("DELETE", "/api/v1/views/{view_id}"),
        ("POST", "/api/v1/views/{view_id}/move"),
    }
)

# Reads an agent makes and a light agent may not: the reports (their own figures included).
REFUSED_READS = ("/api/v1/reports",)


class LightAgentRefused(Forbidden):
    code = "light_agent"

    def __init__(self, message: str = REFUSAL) -> None:
        super().__init__(message)


def ensure_full_agent(user: User | None, *, message: str = REFUSAL) -> None:
    """Refuses a light agent; a full agent, an admin, an owner or the system (None) pass."""
    if user is not None and user.is_light_agent:
        raise LightAgentRefused(message)


def route_allowed(method: str, template: str | None) -> bool:
    """Whether a light agent may call the route (`template`: its whole path template; None for
    a request that matched none)."""
    method = method.upper()
    if method in READ_METHODS:
        return template is None or not template.startswith(REFUSED_READS)
    return template is not None and (method, template) in ALLOWED_WRITES


def ensure_route(user: User, method: str, template: str | None) -> None:
    if user.is_light_agent and not route_allowed(method, template):
        if method.upper() in READ_METHODS:
            raise LightAgentRefused(NO_REPORTS)
        raise LightAgentRefused


async def ensure_may_become_light(session: AsyncSession, *, user: User) -> None:
    """An agent (or admin) made a light agent keeps nothing a light agent may not have: refused
    while tickets not closed are assigned to them or they are in a live chat, with a sentence
    saying what to hand over first (docs/desk.md, "Light agents")."""
    assigned = (
        await session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(
                Ticket.assignee_id == user.id,
                Ticket.state.in_((TicketState.open, TicketState.hold, TicketState.snoozed)),
            )
        )
        or 0
    )
    if assigned:
        tickets = "ticket" if assigned == 1 else "tickets"
        raise Conflict(
            f"{user.name} has {assigned} {tickets} assigned that are not closed: reassign them "
            "first, then make them a light agent.",
            code="light_agent_has_tickets",
        )
    if await session.scalar(active_chat_count(user.id)):
        raise Conflict(
            f"{user.name} is in a live chat: let it end or transfer it first, then make them a "
            "light agent.",
            code="light_agent_in_chat",
        )
