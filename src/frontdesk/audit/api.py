"""The audit log: read-only, for owners. There is no endpoint to change or delete an entry."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from frontdesk.audit import service
from frontdesk.audit.schemas import AuditEventPage, AuditEventRead
from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.kit.clock import utcnow
from frontdesk.kit.schemas import Id, InUtc

router = APIRouter(prefix="/audit-events", tags=["audit"], route_class=AuthenticateFirst)


def filters(
    actor_id: Annotated[Id | None, Query(description="Only what this agent did")] = None,
    action: Annotated[
        str | None,
        Query(max_length=64, description='An action or its prefix: "auth", "user.role_changed"'),
    ] = None,
    target_type: Annotated[str | None, Query(max_length=40)] = None,
    target_id: Id | None = None,
    since: Annotated[
        Annotated[datetime, InUtc] | None,
        Query(alias="from", description="From this moment (ISO 8601; UTC if no offset)"),
    ] = None,
    until: Annotated[
        Annotated[datetime, InUtc] | None,
        Query(alias="to", description="Before this moment (ISO 8601; UTC if no offset)"),
    ] = None,
) -> service.Filters:
    return service.Filters(
        actor_id=actor_id,
        action=action or None,
        target_type=target_type or None,
        target_id=target_id,
        since=since,
        until=until,
    )


FiltersDep = Annotated[service.Filters, Depends(filters)]


@router.get("", response_model=AuditEventPage)
async def list_audit_events(
    user: CurrentAgent,
    session: SessionDep,
    chosen: FiltersDep,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = service.PAGE_SIZE,
) -> AuditEventPage:
    """Newest first. Owners only."""
    events, next_cursor = await service.list_events(
        session, reader=user, filters=chosen, cursor=cursor, limit=limit
    )
    return AuditEventPage(
        items=[AuditEventRead.model_validate(event) for event in events], next_cursor=next_cursor
    )


@router.get(
    ".csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The entries as CSV"}},
)
async def export_audit_events(
    user: CurrentAgent, session: SessionDep, chosen: FiltersDep
) -> StreamingResponse:
    """The filtered entries as CSV, newest first (at most 100,000). Owners only."""
    pieces = await service.export_csv(session, reader=user, filters=chosen)
    name = f"frontdesk-audit-{utcnow().strftime('%Y%m%d-%H%M%S')}.csv"
    return StreamingResponse(
        iter(pieces),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
