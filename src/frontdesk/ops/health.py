"""Liveness and readiness. Liveness (`/healthz`): the process answers and reaches its database.
Readiness (`/readyz`): every part a desk needs to do its work answers too: the database, Redis
when several processes share one, and the outbound mail server when one is configured."""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from dataclasses import dataclass

import aiosmtplib
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from frontdesk.config import Settings
from frontdesk.mail.sender import parse_smtp_url

logger = logging.getLogger(__name__)

PARTS = ("database", "redis", "mail")
CHECK_TIMEOUT = 3.0
# The mail server's answer is kept this long: probes every few seconds from several load
# balancers would otherwise open as many SMTP sessions.
MAIL_CACHE_SECONDS = 15.0
# What a 503 tells a prober to wait before asking again.
RETRY_AFTER_SECONDS = 10
OK = "ok"
NOT_CONFIGURED = "not configured"


@dataclass(frozen=True)
class Outcome:
    # part -> "ok", "not configured", "skipped" or what is wrong in a few words.
    checks: dict[str, str]

    @property
    def failing(self) -> list[str]:
        return [
            part
            for part, state in self.checks.items()
            if state not in (OK, NOT_CONFIGURED, "skipped")
        ]


async def database_reachable(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # the point is to report any failure as "down"
        logger.warning("health check: database unreachable: %s", exc)
        return False
    return True


class Readiness:
    def __init__(self, settings: Settings, engine: AsyncEngine) -> None:
        self._settings = settings
        self._engine = engine
        self._mail: tuple[float, str] | None = None
        self._mail_lock = asyncio.Lock()

    async def check(self, skip: frozenset[str] = frozenset()) -> Outcome:
        """The three checks run side by side; what a probe asked to skip is not run."""

        async def skipped() -> str:
            return "skipped"

        checks = {
            "database": self._database(),
            "redis": self._redis(),
            "mail": self._mail_server(),
        }
        results = await asyncio.gather(
            *(skipped() if part in skip else check for part, check in checks.items())
        )
        for part, check in checks.items():
            if part in skip:
                check.close()  # never awaited: no "coroutine was never awaited" warning
        return Outcome(dict(zip(checks, results, strict=True)))

    async def _database(self) -> str:
        return OK if await database_reachable(self._engine) else "unreachable"

    async def _redis(self) -> str:
        url = self._settings.redis_url
        if not url:
            return NOT_CONFIGURED
        from redis.asyncio import Redis

        client = Redis.from_url(
            url, socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT
        )
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                await client.ping()
        except Exception as exc:  # any failure is "down"; the log says which
            logger.warning("readiness: Redis unreachable: %s", exc)
            return "unreachable"
        finally:
            await client.aclose()
        return OK

    async def _mail_server(self) -> str:
        if not self._settings.smtp_url:
            return NOT_CONFIGURED
        async with self._mail_lock:
            if self._mail is not None and time.monotonic() - self._mail[0] < MAIL_CACHE_SECONDS:
                return self._mail[1]
            state = await self._smtp_noop(self._settings.smtp_url)
            self._mail = (time.monotonic(), state)
            return state

    async def _smtp_noop(self, url: str) -> str:
        """Connects as the outbox sender does (TLS, login), says NOOP and QUIT."""
        server = parse_smtp_url(url)
        client = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.implicit_tls,
            start_tls=server.starttls,
            timeout=CHECK_TIMEOUT,
            tls_context=ssl.create_default_context()
            if server.implicit_tls or server.starttls
            else None,
        )
        try:
            async with asyncio.timeout(CHECK_TIMEOUT * 2):
                await client.connect()
                await client.noop()
                await client.quit()
        except Exception as exc:  # any failure is "down"; the log says which
            logger.warning("readiness: SMTP server %s:%s: %s", server.host, server.port, exc)
            client.close()
            return "unreachable"
        return OK
