"""The one account event: some credentials stopped being valid. Only users/service.py records it;
the desk sockets that authenticated with those credentials close themselves when they hear it."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.realtime.catalogue import AccessEnded, AccountEvent
from frontdesk.realtime.envelope import agent_topic
from frontdesk.realtime.publisher import record


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
