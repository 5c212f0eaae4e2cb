"""Saved replies: a name and a text an agent inserts into a chat or a reply, either their own
(personal) or an inbox's (team); and each time one was inserted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base, Timestamped, index_where_set
from frontdesk.kit.clock import utcnow


class SavedReply(Timestamped, Base):
    __tablename__ = "saved_replies"
    __table_args__ = (
        # Personal (an owner, no inbox) or team (an inbox, no owner), never both or neither.
        CheckConstraint("(owner_id IS NULL) <> (inbox_id IS NULL)", name="one_scope"),
        # Rules and macros send saved replies by id: a deleted one's id is never given again
        # (SQLite would reuse the highest; PostgreSQL's sequences never do).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    inbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("inboxes.id", ondelete="CASCADE"), index=True
    )
    # Case-folded copies for search: the database's lower() folds only ASCII on SQLite.
    name_folded: Mapped[str] = mapped_column(Text)
    text_folded: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The number of rows in saved_reply_uses for this reply, kept here to sort by it.
    usage_count: Mapped[int] = mapped_column(default=0)
    last_used_at: Mapped[datetime | None]

    @property
    def scope(self) -> str:
        return "team" if self.inbox_id is not None else "personal"


class SavedReplyUse(Base):
    """One insertion. `use_id` is the client's id for it: a retried request counts once."""

    __tablename__ = "saved_reply_uses"
    __table_args__ = (
        UniqueConstraint("saved_reply_id", "user_id", "use_id"),
        # Deleting a ticket or a chat lets go of the uses on it.
        index_where_set("ix_saved_reply_uses_ticket", "ticket_id"),
        index_where_set("ix_saved_reply_uses_chat", "chat_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    saved_reply_id: Mapped[int] = mapped_column(ForeignKey("saved_replies.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    use_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id", ondelete="SET NULL"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
