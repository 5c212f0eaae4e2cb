"""The account events: some credentials stopped being valid (`auth.access_ended`), or what a user
may see changed (`inbox.membership_changed`). The desk sockets that authenticated with those
credentials close themselves, or read their inboxes again, when they hear them."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.realtime.catalogue import (
    AccessEnded,
    AccountEvent,
    LiveEvent,
    MembershipChanged,
    OutOfOffice,
    OutOfOfficeChanged,
    UserRef,
)
from frontdesk.realtime.envelope import ALL_AGENTS, agent_topic
from frontdesk.realtime.publisher import record
from frontdesk.users.models import User


class AccessEndedReason(enum.StrEnum):
    logged_out = "logged_out"
    token_revoked = "token_revoked"  # noqa: S105 (a reason, not a secret)
    password_changed = "password_changed"  # noqa: S105
    deactivated = "deactivated"
    two_factor_reset = "two_factor_reset"


@dataclass(frozen=True)
class Credential:
    """What a socket authenticated with: a desk session or an API token."""

    session_id: int | None = None
    token_id: int | None = None


def publish_access_ended(
    session: AsyncSession,
    *,
    user_id: int,
    reason: AccessEndedReason,
    session_id: int | None = None,
    token_id: int | None = None,
    all_sessions_but: int | None = None,
) -> None:
    """Tells every process; `all_sessions_but` ends every session of the user except that one
    (0: all of them); `deactivated` ends tokens too."""
    data = AccessEnded(reason=reason.value)
    if session_id is not None:
        data["session_id"] = session_id
    if token_id is not None:
        data["token_id"] = token_id
    if all_sessions_but is not None:
        data["all_sessions_but"] = all_sessions_but
    record(session, type=AccountEvent.access_ended, topics=[agent_topic(user_id)], data=data)


def record_account_changed(session: AsyncSession, *, user_ids: Sequence[int] | None) -> None:
    """The open desk sockets of these users (None: of everyone) read again which inboxes they
    follow and whether their credentials still may (chats/socket.py)."""
    topics = [ALL_AGENTS] if user_ids is None else [agent_topic(user_id) for user_id in user_ids]
    record(session, type=AccountEvent.membership_changed, topics=topics, data=MembershipChanged())


def ends(data: Mapping[str, Any], credential: Credential) -> bool:
    """Whether an `auth.access_ended` event invalidates this credential."""
    if data.get("reason") == AccessEndedReason.deactivated:
        return True
    if credential.token_id is not None:
        return bool(data.get("token_id") == credential.token_id)
    if data.get("session_id") is not None:
        return bool(data["session_id"] == credential.session_id)
    keep = data.get("all_sessions_but")
    return keep is not None and keep != credential.session_id


def record_out_of_office_changed(session: AsyncSession, *, user: User, away: bool) -> None:
    """Every desk hears an agent's absence set, started, changed or ended: pickers and team lists
    follow without a reload, and the agent's own tabs show or hide the banner."""
    found = user.out_of_office
    data = OutOfOfficeChanged(
        user=UserRef(id=user.id, name=user.name),
        out_of_office=None
        if found is None
        else OutOfOffice(
            {
                "from": found["from"].isoformat(),
                "until": None if found["until"] is None else found["until"].isoformat(),
                "note": found["note"],
                "keep_assigned": found["keep_assigned"],
            }
        ),
        away=away,
    )
    record(session, type=LiveEvent.out_of_office_changed, topics=[ALL_AGENTS], data=data)
