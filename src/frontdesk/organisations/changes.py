"""What happened to organisations in a transaction, for webhooks (`organisation.created`,
`.updated`, `.deleted`; docs/webhooks.md, "Organisations"): each a `Told` on the session's
after-commit list, which webhooks/capture.py reads before the commit, so a change rolled back
(a savepoint too: db/session.drop_hooks_since) is never told. Who: as for customers
(customers/changes.py): the agent of the request (desk or API), else the system."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.db.session import after_commit
from frontdesk.tickets import changes as ticket_changes
from frontdesk.tickets.changes import ChangeActor

# The fields an update is told by (`diff`), as the API names them.
FIELDS = ("name", "domains", "notes", "shared_requests")


class Kind(enum.StrEnum):
    created = "created"
    updated = "updated"
    deleted = "deleted"


@dataclass(eq=False)
class Told:
    """One thing that happened to an organisation, waiting for the commit (where it does
    nothing: webhooks read it before)."""

    kind: Kind
    organisation_id: int
    actor: ChangeActor
    # updated: the values of FIELDS before this change (the first change of a transaction's
    # wins); deleted: the organisation as the API showed it just before.
    before: dict[str, Any] = field(default_factory=dict)
    seen: bool = field(default=False)

    async def __call__(self) -> None:
        return None


def _actor(session: AsyncSession) -> ChangeActor:
    return ticket_changes.actor_of(session, ticket_id=0, user=ticket_changes.UNSAID)


def created(session: AsyncSession, *, organisation_id: int) -> None:
    after_commit(session, Told(Kind.created, organisation_id, _actor(session)))


def updated(session: AsyncSession, *, organisation_id: int, before: dict[str, Any]) -> None:
    """`before`: the fields about to change, with their values now."""
    after_commit(session, Told(Kind.updated, organisation_id, _actor(session), before=before))


def deleted(session: AsyncSession, *, organisation_id: int, shown: dict[str, Any]) -> None:
    """`shown`: the organisation as the API shows it, read before it is deleted."""
    after_commit(session, Told(Kind.deleted, organisation_id, _actor(session), before=shown))
