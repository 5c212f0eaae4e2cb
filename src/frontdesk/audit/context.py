"""Who is acting, and from where, for the entries written while they act.

A request's transaction (`deps.get_db`) opens an `Actor` for the request: anonymous, with the
request's address, browser and request id. Authenticating the request (`deps.current_auth`, the
login) names the agent on that same object, so a service deep inside the request records who
did it without the request being passed around. Outside a request (timers, background jobs,
the command line) the actor is the system."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass

from frontdesk.audit.models import ActorKind
from frontdesk.users.models import User

MAX_USER_AGENT = 300
MAX_REQUEST_ID = 64


@dataclass
class Actor:
    kind: ActorKind
    label: str
    user_id: int | None = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


def system() -> Actor:
    return Actor(ActorKind.system, "system")


# Holds the request's own Actor, which authentication fills in: mutated, never set again, so
# that nothing leaks past the request into the task that ran it.
_actor: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)


def current_actor() -> Actor:
    return _actor.get() or system()


@contextmanager
def acting(actor: Actor) -> Iterator[Actor]:
    """Everything recorded inside is done by `actor` (a request, or a job acting for someone)."""
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        # Left in another context than it was entered (a framework's cleanup task): that
        # context ends with the request anyway.
        with suppress(ValueError):
            _actor.reset(token)


def request_actor(
    *, ip: str | None, user_agent: str | None, request_id: str | None = None
) -> Actor:
    return Actor(
        ActorKind.anonymous,
        "anonymous",
        ip=ip,
        user_agent=(user_agent or "")[:MAX_USER_AGENT] or None,
        request_id=(request_id or "")[:MAX_REQUEST_ID] or None,
    )


def identify(user: User, *, by_token: bool = False) -> None:
    """The request is the agent's (their session, or one of their API tokens)."""
    actor = _actor.get()
    if actor is None:
        return
    actor.kind = ActorKind.api_token if by_token else ActorKind.user
    actor.user_id = user.id
    actor.label = user.email
