"""Agents and admins, their login sessions, personal API tokens and failed-login records."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, JSONType, Timestamped, enum_column
from frontdesk.kit.clock import utcnow


class Role(enum.StrEnum):
    owner = "owner"
    admin = "admin"
    agent = "agent"
    # A light agent (docs/desk.md, "Light agents"): reads the tickets of their inboxes and adds
    # private notes; every other change is refused (users/light_agents.py).
    collaborator = "collaborator"


# "" for language and time_zone: follow the agent's browser (docs/desk.md, "Language and time
# zone").
DEFAULT_PREFERENCES: dict[str, Any] = {
    "sound": True,
    "desktop_notifications": True,
    "language": "",
    "time_zone": "",
    # Undo send (pending_replies/service.py): seconds an email reply waits before it is sent; 0
    # sends at once, as before the preference existed.
    "undo_send_seconds": 0,
}


# An agent's own email signature (docs/email.md, "Signatures"): a few lines, half an inbox's.
MAX_EMAIL_SIGNATURE = 1_000


class TokenAccess(enum.StrEnum):
    """What an API token may do: `read` only reads (GET and HEAD), `write` whatever its user
    may (docs/security.md, "What an API token cannot do")."""

    read = "read"
    write = "write"


class User(Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.agent)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    available_for_chat: Mapped[bool] = mapped_column(default=False)
    availability_changed_at: Mapped[datetime | None]
    max_concurrent_chats: Mapped[int] = mapped_column(default=3)
    preferences: Mapped[dict[str, Any]] = mapped_column(
        JSONType, default=lambda: dict(DEFAULT_PREFERENCES)
    )
    last_seen_at: Mapped[datetime | None]
    # Two-factor authentication (users/two_factor.py): the TOTP seed, sealed (kit/secretbox.py);
    # one being set up until its first code confirms it; the last time step a code was taken
    # for, so that no code works twice.
    totp_secret: Mapped[str | None] = mapped_column(Text)
    totp_pending_secret: Mapped[str | None] = mapped_column(Text)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    two_factor_enabled_at: Mapped[datetime | None]
    # Out of office (users/absence.py): from when (None: no absence set), until when (None: until
    # turned off), a note for colleagues, and whether the tickets customers answer meanwhile stay
    # theirs instead of going back to the team.
    out_of_office_from: Mapped[datetime | None]
    out_of_office_until: Mapped[datetime | None]
    out_of_office_note: Mapped[str | None] = mapped_column(String(200))
    out_of_office_keep_assigned: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Its start announced (`agent.out_of_office_changed` with `away`): when set under way, or by
    # the loop at its time, once whether or not they were available for chat.
    out_of_office_started: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Their own email signature, plain text (inboxes/signatures.py `cleaned_own`): filled into
    # an inbox's `{{agent.signature}}`, or signing their replies alone where the inbox has none.
    email_signature: Mapped[str | None] = mapped_column(Text)

    @property
    def is_admin(self) -> bool:
        return self.role in (Role.owner, Role.admin)

    @property
    def is_light_agent(self) -> bool:
        """Reads and adds private notes only (users/light_agents.py)."""
        return self.role == Role.collaborator

    @property
    def two_factor_enabled(self) -> bool:
        return self.two_factor_enabled_at is not None

    @property
    def out_of_office(self) -> dict[str, Any] | None:
        """The absence the read models show (users/schemas.py `OutOfOfficeRead`): one set, now
        or to come; none once its end has passed, even before the loop clears it."""
        start, end = self.out_of_office_from, self.out_of_office_until
        if start is None or (end is not None and end <= utcnow()):
            return None
        return {
            "from": start,
            "until": end,
            "note": self.out_of_office_note,
            "keep_assigned": self.out_of_office_keep_assigned,
        }


class AuthSession(Base):
    """A desk login. The cookie holds a random token; only its digest is stored."""

    __tablename__ = "sessions"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


# The longest a token may be made to last; the desk and the CLI offer 30, 90 and 365 days, or
# never.
MAX_TOKEN_LIFETIME_DAYS = 365


class ApiToken(Base):
    """A personal token for scripts: shown once, stored as a digest, revocable."""

    __tablename__ = "api_tokens"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    access: Mapped[TokenAccess] = mapped_column(enum_column(TokenAccess), default=TokenAccess.write)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None: never expires. Past it the token answers 401 `token_expired`, not `bad_token`.
    expires_at: Mapped[datetime | None]
    # Written at most once a minute per token (users/service.py `resolve_api_token`).
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= utcnow()


class LoginFailure(Base):
    """One failed login; counted per account and per IP inside a window to throttle guessing.

    `device` names the browser it came from when that browser had signed in to the account
    before (users/devices.py): such failures count against that browser only."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_account_at", "account", "at"),
        Index("ix_login_failures_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(320))
    ip: Mapped[str] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class RecoveryCode(Base):
    """One of the codes that stand in for the phone, once each; only a digest is kept."""

    __tablename__ = "recovery_codes"
    __table_args__ = (UniqueConstraint("user_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class TwoFactorChallenge(Base):
    """A password accepted, the second factor still owed: what the login answer hands over
    instead of a session. Short-lived, bound to the user; only its digest is kept."""

    __tablename__ = "two_factor_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class SecurityPolicy(Base):
    """The desk's one row of security rules an owner sets: the roles that must use two-factor
    authentication."""

    __tablename__ = "security_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    two_factor_roles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
