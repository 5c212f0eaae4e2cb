"""Inboxes (a queue of tickets and chats with its own address) and who works in them."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base, JSONType, Timestamped

DEFAULT_UNANSWERED_TIMEOUT = 300


class Inbox(Timestamped, Base):
    __tablename__ = "inboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email_address: Mapped[str | None] = mapped_column(String(320), unique=True)
    # What the messenger snippet names; public by design, unlike the identity secret.
    public_key: Mapped[str] = mapped_column(String(40), unique=True)
    unanswered_timeout_seconds: Mapped[int] = mapped_column(default=DEFAULT_UNANSWERED_TIMEOUT)
    allowed_origins: Mapped[list[str]] = mapped_column(JSONType, default=list)
    identity_secret: Mapped[str | None] = mapped_column(String(100))
    require_identity: Mapped[bool] = mapped_column(default=False)
    messenger_settings: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    # Closed tickets are deleted this many days after closing (privacy/retention.py); None: kept.
    retention_days: Mapped[int | None]
    # Appended to its agents' email replies, filled for each author (inboxes/signatures.py);
    # None: no signature.
    email_signature: Mapped[str | None] = mapped_column(Text)


class InboxMember(Base):
    __tablename__ = "inbox_members"

    inbox_id: Mapped[int] = mapped_column(
        ForeignKey("inboxes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
