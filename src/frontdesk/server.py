"""How `frontdesk run` serves the app: uvicorn's settings, the proxies trusted to name the client,
and a deadline for each request head, which uvicorn does not have."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from frontdesk import access_log
from frontdesk.config import Settings
from frontdesk.realtime.gateway import MAX_FRAME_CHARS


class HeadDeadlineProtocol(HttpToolsProtocol):
    """Closes a connection whose request head (request line and headers) is not complete within
    `head_timeout` seconds of the connection opening or the previous response ending. Without it
    a client sending a header byte now and then holds a connection, and its memory, forever:
    uvicorn's keep-alive timer restarts on every byte received."""

    head_timeout = 10.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        # A pipelined request already has its head; otherwise the next one is awaited.
        awaiting_head = not self.pipeline
        super().on_response_complete()
        if awaiting_head and not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.head_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def server_config(app: FastAPI, settings: Settings, **overrides: Any) -> uvicorn.Config:
    class Protocol(HeadDeadlineProtocol):
        head_timeout = settings.header_timeout

    options: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "loop": "uvloop" if sys.platform != "win32" else "asyncio",
        "http": Protocol,
        "ws": "websockets-sansio",
        # Chat frames are small; compressing each one for every recipient costs more CPU and
        # memory per socket than it saves.
        "ws_per_message_deflate": False,
        # The largest frame the gateway accepts, in UTF-8's worst case; anything larger is refused
        # (1009) before it is buffered.
        "ws_max_size": 4 * MAX_FRAME_CHARS,
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": list(settings.trusted_proxies),
    }
    config = uvicorn.Config(app, **(options | overrides))
    # After the Config, which sets up uvicorn's loggers.
    access_log.install()
    return config
