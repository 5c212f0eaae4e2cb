"""The operator's endpoints: `/healthz` (liveness), `/readyz` (readiness) and `/metrics`
(Prometheus, behind FRONTDESK_METRICS_TOKEN). None is under /api/v1: they are for probes and
scrapers, not for people, and none needs a session."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from frontdesk.chats.writer import MessageWriter
from frontdesk.config import Settings
from frontdesk.kit.clock import utcnow
from frontdesk.ops.health import PARTS, RETRY_AFTER_SECONDS, Readiness, database_reachable
from frontdesk.ops.prometheus import Metrics, RequestMetrics

router = APIRouter()
# The classic text format: every Prometheus (and agents that speak it) reads this one.
EXPOSITION_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@router.get("/healthz", tags=["health"])
async def healthz(request: Request) -> JSONResponse:
    if not await database_reachable(request.app.state.engine):
        return JSONResponse({"status": "down", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get("/readyz", include_in_schema=False)
async def readyz(
    request: Request,
    skip: Annotated[
        str, Query(description="Parts not to check, separated by commas: database, redis, mail")
    ] = "",
) -> JSONResponse:
    parts = frozenset(part.strip() for part in skip.split(",") if part.strip())
    if unknown := sorted(parts - set(PARTS)):
        raise HTTPException(400, f"unknown part {', '.join(unknown)}: one of {', '.join(PARTS)}")
    readiness: Readiness = request.app.state.readiness
    outcome = await readiness.check(parts)
    if failing := outcome.failing:
        return JSONResponse(
            {"status": "unready", "failing": failing, "checks": outcome.checks},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return JSONResponse({"status": "ready", "checks": outcome.checks})


@router.get("/metrics", include_in_schema=False)
async def metrics(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> Response:
    settings: Settings = request.app.state.settings
    if not settings.metrics_token:
        # Off unless configured: the figures are the business's, not the public's.
        raise HTTPException(404, "Not found.")
    expected = f"Bearer {settings.metrics_token}".encode()
    if authorization is None or not hmac.compare_digest(authorization.encode(), expected):
        raise HTTPException(
            401, "A bearer token is required.", headers={"WWW-Authenticate": "Bearer"}
        )
    collected: Metrics = request.app.state.metrics
    await collected.refresh(request.app.state.engine, utcnow)
    return Response(collected.exposition(), media_type=EXPOSITION_TYPE)


def install_ops(app: FastAPI, settings: Settings, message_writer: MessageWriter) -> None:
    """The endpoints, the readiness checks and the metrics of one app. Call it after the other
    middleware: the request counter must be outermost to see every answer."""
    collected = Metrics()
    app.state.metrics = collected
    app.state.readiness = Readiness(settings, app.state.engine)
    message_writer.observe = collected.observe_message
    message_writer.observe_batch = collected.observe_batch
    app.add_middleware(RequestMetrics, metrics=collected)
    app.include_router(router)
