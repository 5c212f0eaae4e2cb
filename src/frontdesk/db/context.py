"""What a session knows of the running app: its settings and broker, set by the sessionmaker, so
services reached from requests, sockets, timers and the CLI all see the same context."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.config import Settings

SETTINGS_KEY = "settings"


def settings_of(session: AsyncSession) -> Settings:
    settings: Settings | None = session.info.get(SETTINGS_KEY)
    if settings is None:
        raise RuntimeError("session created without app settings")
    return settings
