"""The report emails' round (report_emails/sending.py): every process runs it; each email is
claimed by one."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.config import Settings
from frontdesk.kit.clock import utcnow
from frontdesk.report_emails import sending

# Emails are due on the hour: a minute late is on time for a morning report.
INTERVAL = 60.0


async def send_report_emails(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings | None = None
) -> int:
    """`settings` goes unused: every timed round is given it (app.py `timed_rounds`)."""
    return await sending.send_due(sessionmaker, now=utcnow())
