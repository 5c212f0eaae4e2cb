"""What a stored file is: its name, type and size, the ticket it belongs to, who uploaded it and
the entry that sent it. The bytes are in the store (files/store.py) under `key`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import IDS_NEVER_REUSED, Base
from frontdesk.kit.clock import utcnow


class StoredFile(Base):
    __tablename__ = "stored_files"
    # One upload per try of the desk: a retry or a double send of the same client id answers
    # the file stored first (files/service.py, save_upload).
    __table_args__ = (UniqueConstraint("uploaded_by", "ticket_id", "client_id"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # None until a reply sends it: an upload waiting in the agent's reply box.
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_entries.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A raster image (sniffed, then decoded at upload): its thumbnail's key in the store and the
    # image's size in pixels. None for every other file, and for files stored before sniffing.
    # Indexed, as `key` is: whether a key's bytes are still named (privacy/files.py).
    thumbnail_key: Mapped[str | None] = mapped_column(String(64), index=True)
    width: Mapped[int | None]
    height: Mapped[int | None]

    @property
    def image(self) -> bool:
        return self.thumbnail_key is not None

    # Chosen by the client per upload; None for API clients that send none (no repeat check).
    client_id: Mapped[str | None] = mapped_column(String(64))
