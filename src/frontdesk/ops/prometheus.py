"""The process's Prometheus metrics: what each process counts itself (HTTP requests, open
WebSockets, message latency, the message writer's batches) and what it reads from the database
at each scrape (chats waiting, the outbox's backlog). Each app has its own registry, so two apps
in one process (the tests) never count into each other."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from fastapi.routing import iter_route_contexts
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import BaseRoute

from frontdesk.chats.models import Chat, ChatState
from frontdesk.mail.models import OutboxMessage, OutboxState

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Seconds. Requests: from a quick JSON answer to a slow report or upload.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
# Seconds from a message frame's arrival to its commit and publication.
MESSAGE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
# Messages the writer stores in one transaction: one when quiet, up to its limit (chats/writer.py).
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256)
# Seconds a batch takes: finer where a healthy one is (a few ms), so its percentiles can be told.
BATCH_BUCKETS = (0.001, 0.002, 0.004, 0.006, 0.008, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 1)
BACKLOG_STATES = (OutboxState.queued, OutboxState.sending, OutboxState.failed)
# A request that matched no route is counted under one label, not under its path: a scanner
# trying a thousand paths must not make a thousand series.
UNMATCHED = "unmatched"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.requests = Counter(
            "frontdesk_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "frontdesk_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            buckets=REQUEST_BUCKETS,
            registry=self.registry,
        )
        self.sockets = Gauge(
            "frontdesk_websockets_open",
            "WebSockets open in this process: the desk's and the messenger's.",
            ["kind"],
            registry=self.registry,
        )
        for kind in ("desk", "messenger"):
            self.sockets.labels(kind)
        self.message_seconds = Histogram(
            "frontdesk_chat_message_latency_seconds",
            "From a chat message frame's arrival to its commit and publication to the sockets.",
            buckets=MESSAGE_BUCKETS,
            registry=self.registry,
        )
        # A message's latency is mostly the batch it waited for and its own: how long a batch takes
        # and how many messages share it says which (a slow database, or a busy process).
        self.batch_messages = Histogram(
            "frontdesk_chat_message_batch_size",
            "Chat messages the process's writer stored together, in one transaction.",
            buckets=BATCH_SIZES,
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "frontdesk_chat_message_batch_duration_seconds",
            "Time the process's writer took to store one batch of chat messages: its "
            "transaction, commit and publication.",
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )
        self.chats_waiting = Gauge(
            "frontdesk_chats_waiting",
            "Chats waiting for an agent (the whole desk, read from the database).",
            registry=self.registry,
        )
        self.outbox = Gauge(
            "frontdesk_outbox_messages",
            "Outgoing mail not sent yet, by state (the whole desk, read from the database).",
            ["state"],
            registry=self.registry,
        )
        self.outbox_oldest = Gauge(
            "frontdesk_outbox_oldest_queued_seconds",
            "Age of the oldest mail queued or being sent; 0 when none waits.",
            registry=self.registry,
        )

    def observe_message(self, seconds: float) -> None:
        self.message_seconds.observe(seconds)

    def observe_batch(self, messages: int, seconds: float) -> None:
        self.batch_messages.observe(messages)
        self.batch_seconds.observe(seconds)

    async def refresh(self, engine: AsyncEngine, now: Callable[[], Any]) -> None:
        """The figures every process reads alike from the database, at scrape time."""
        async with engine.connect() as connection:
            waiting = await connection.scalar(
                select(func.count()).select_from(Chat).where(Chat.state == ChatState.waiting)
            )
            rows = await connection.execute(
                select(OutboxMessage.state, func.count())
                .where(OutboxMessage.state.in_(BACKLOG_STATES))
                .group_by(OutboxMessage.state)
            )
            backlog: dict[OutboxState, int] = {row[0]: row[1] for row in rows}
            oldest = await connection.scalar(
                select(func.min(OutboxMessage.created_at)).where(
                    OutboxMessage.state.in_([OutboxState.queued, OutboxState.sending])
                )
            )
        self.chats_waiting.set(waiting or 0)
        for state in BACKLOG_STATES:
            self.outbox.labels(state.value).set(backlog.get(state, 0))
        age = 0.0 if oldest is None else (now() - oldest).total_seconds()
        self.outbox_oldest.set(max(age, 0.0))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def route_templates(routes: Sequence[BaseRoute]) -> dict[int, str]:
    """Each route's whole template, prefixes of included routers and all. The route a request
    matched is the router's own object, whose `path` lacks the prefixes it was included under."""
    templates: dict[int, str] = {}
    for context in iter_route_contexts(routes):
        if context.path is not None:
            templates.setdefault(id(context.original_route), context.path)
    return templates


class RequestMetrics:
    """Counts every HTTP request by its route's template (`/api/v1/tickets/{ticket_id}`) and
    status, and keeps the number of open WebSockets. Outermost, so it sees every answer."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self._templates: dict[int, str] | None = None

    def _route(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is None:
            return UNMATCHED
        if self._templates is None:
            self._templates = route_templates(scope["app"].routes)
        template = self._templates.get(id(route), getattr(route, "path", None))
        return template if isinstance(template, str) else UNMATCHED

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            method, route = scope["method"], self._route(scope)
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.request_seconds.labels(method, route).observe(
                time.perf_counter() - started
            )

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = "messenger" if scope["path"].startswith("/messenger/") else "desk"
        gauge = self.metrics.sockets.labels(kind)
        accepted = False

        async def sending(message: Message) -> None:
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                gauge.inc()
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if accepted:
                gauge.dec()
