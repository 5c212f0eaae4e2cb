"""The outbox, for admins: what was sent, what waits, what failed and why (the development mail
viewer when no SMTP server is configured)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from frontdesk.deps import CurrentAdmin, SessionDep
from frontdesk.mail import service
from frontdesk.mail.models import OutboxState
from frontdesk.mail.schemas import OutboxRead

router = APIRouter(prefix="/outbox", tags=["mail"])


@router.get("", response_model=list[OutboxRead])
async def list_outbox(
    _admin: CurrentAdmin,
    session: SessionDep,
    state: OutboxState | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[OutboxRead]:
    messages = await service.list_outbox(session, state=state, limit=limit, offset=offset)
    return [OutboxRead.model_validate(message) for message in messages]
