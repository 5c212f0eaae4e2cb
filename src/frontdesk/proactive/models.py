"""Proactive messages: a line an inbox's messenger shows a visitor on chosen pages, from a named
agent, before the visitor wrote anything (docs/messenger.md, "Proactive messages")."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base, Timestamped

MAX_NAME = 100
MAX_TEXT = 1000
MAX_PAGE_RULE = 500
MAX_DELAY = 3600


class ProactiveMessage(Timestamped, Base):
    __tablename__ = "proactive_messages"
    # The messenger keeps the ids it showed or was dismissed in the visitor's storage, chats
    # keep the id of the one they started from, the audit log names them: never given twice.
    __table_args__ = (Index("ix_proactive_messages_inbox", "inbox_id", "id"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Inboxes and users are deactivated, never deleted: no index for a delete to follow.
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id"))
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    text: Mapped[str] = mapped_column(Text)
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The path (`/pricing*`) or full address (`https://shop.example.com/*`) with `*` wildcards;
    # empty: every page.
    page_rule: Mapped[str] = mapped_column(String(MAX_PAGE_RULE), default="", server_default="")
    delay_seconds: Mapped[int] = mapped_column(default=30)
    only_when_online: Mapped[bool] = mapped_column(default=True, server_default=true())
    enabled: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Counted by the server: the messenger's "shown" beacon (sent once per browser, which keeps
    # the ids it counted; no id of the visitor is kept for it) and chats started from it (once
    # per chat). Changed by guarded UPDATEs, never through the ORM, so
    # the audit log's listener never sees them.
    shown_count: Mapped[int] = mapped_column(default=0, server_default="0")
    started_count: Mapped[int] = mapped_column(default=0, server_default="0")
