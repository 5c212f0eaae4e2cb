"""The audit log as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from frontdesk.audit.models import ActorKind
from frontdesk.kit.schemas import ReadModel


class AuditEventRead(ReadModel):
    id: int
    at: datetime
    actor_kind: ActorKind
    actor_id: int | None = Field(description="The agent, if one acted (null: system, anonymous)")
    actor_label: str = Field(description="The agent's email when they acted, or system/anonymous")
    ip: str | None
    user_agent: str | None
    action: str = Field(description='Dotted, e.g. "auth.login_failed", "user.role_changed"')
    target_type: str | None
    target_id: int | None
    target_label: str | None
    changes: dict[str, Any] = Field(
        description='{field: [before, after]}, or {field: "changed"} for a secret'
    )
    request_id: str | None


class AuditEventPage(ReadModel):
    items: list[AuditEventRead]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null at the end."
    )
