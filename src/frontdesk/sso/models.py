"""Single sign-on: the installation's one OpenID Connect provider, and which of its accounts
(issuer + subject) is which desk user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base, JSONType, enum_column
from frontdesk.kit.clock import utcnow
from frontdesk.users.models import Role

# The one row of sso_settings: one provider per installation (docs/security.md).
SETTINGS_ID = 1


class SsoSettings(Base):
    __tablename__ = "sso_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    issuer: Mapped[str] = mapped_column(String(2000), default="")
    client_id: Mapped[str] = mapped_column(String(500), default="")
    # Written through the API, never returned by it (as a mailbox's OAuth client secret).
    client_secret: Mapped[str | None] = mapped_column(Text, deferred=True, deferred_raiseload=True)
    button_label: Mapped[str] = mapped_column(String(100), default="")
    # Just-in-time accounts: an unknown, verified email from an allowed domain becomes a user.
    create_users: Mapped[bool] = mapped_column(default=False)
    default_role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.agent)
    # Lower-case domains; empty: any domain.
    allowed_domains: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Password login refused for everyone but owners (their break-glass way in).
    sso_only: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SsoIdentity(Base):
    """A provider's account linked to a user: found by (issuer, subject) from then on, so an email
    changed at the provider neither locks the user out nor signs them in as someone else."""

    __tablename__ = "sso_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(2000))
    subject: Mapped[str] = mapped_column(String(255))
    # The email the provider last said, for people reading the table.
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime] = mapped_column(default=utcnow)
