"""One row per security-relevant action. Written in the transaction of the change it describes,
never updated or deleted: the database refuses both (migration 0030)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base, JSONType, enum_column
from frontdesk.kit.clock import utcnow


class ActorKind(enum.StrEnum):
    user = "user"  # an agent in the desk (login session)
    api_token = "api_token"  # noqa: S105 (a kind, not a secret): an agent's script, with one of their API tokens
    system = "system"  # timers, background jobs, the command line
    anonymous = "anonymous"  # nobody signed in yet (a login attempt)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_actor_id_id", "actor_id", "id"),
        Index("ix_audit_events_action_id", "action", "id"),
        Index("ix_audit_events_target_type_target_id_id", "target_type", "target_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # No foreign key: the entry outlives the account, and keeps the email it had then.
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(String(320))
    actor_kind: Mapped[ActorKind] = mapped_column(enum_column(ActorKind))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    # Dotted: the thing, then what happened to it ("user.role_changed", "auth.login_failed").
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None]
    target_label: Mapped[str | None] = mapped_column(String(320))
    # {field: [before, after]}; secrets as "changed", never their value.
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(64))
