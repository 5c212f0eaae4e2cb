"""Labels, shared by chats and tickets."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base


class Label(Base):
    __tablename__ = "labels"
    # Rules and macros name labels by id: SQLite must never give a deleted label's id to a new
    # one, or they would act on it (PostgreSQL's sequences never do).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    # Unique: two names that differ only in case or Unicode form are one label (labels/service.py).
    name_key: Mapped[str] = mapped_column(String(64), unique=True)
    color: Mapped[str] = mapped_column(String(7), default="#64748b")
