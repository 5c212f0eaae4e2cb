"""An inbox's business hours, as the admin set them. No row: the inbox is always open."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base, JSONType, Timestamped


class BusinessHours(Timestamped, Base):
    __tablename__ = "business_hours"

    inbox_id: Mapped[int] = mapped_column(
        ForeignKey("inboxes.id", ondelete="CASCADE"), primary_key=True
    )
    # Off keeps what was set but opens the inbox around the clock again.
    enabled: Mapped[bool] = mapped_column(default=False)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # [{"day": "mon", "opens": "09:00", "closes": "17:00"}, ...], checked by the service.
    weekly: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # [{"date": "2026-12-25", "name": "Christmas", "yearly": true}, ...]
    holidays: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    away_message: Mapped[str] = mapped_column(Text, default="")
    # One more at every save (hours/service.py `set_hours`): a process keeps the calendars it
    # built while this is unchanged (hours/calendar_cache.py). Migration 0100.
    version: Mapped[int] = mapped_column(default=0, server_default="0")
