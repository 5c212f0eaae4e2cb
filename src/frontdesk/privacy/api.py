"""Customer data rights: a customer's export, their erasure, and the record of erasures."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import IO, Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from frontdesk.deps import AuthenticateFirst, CurrentAgent, SessionDep
from frontdesk.files.downloads import NO_STORE
from frontdesk.kit.schemas import Id
from frontdesk.privacy import service
from frontdesk.privacy.schemas import EraseAddress, EraseCustomer, ErasureRead

router = APIRouter(tags=["privacy"], route_class=AuthenticateFirst)

CHUNK = 64 * 1024


def _stream(handle: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()


@router.get(
    "/customers/{customer_id}/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "The zip archive."}},
)
async def export_customer(
    customer_id: Id, user: CurrentAgent, session: SessionDep
) -> StreamingResponse:
    # Built in a temporary file, not in memory: files and raw mail can add up to gigabytes. It
    # is written by the reading process, then read here through a handle that outlives its name.
    descriptor, path = tempfile.mkstemp(prefix="frontdesk-export-", suffix=".zip")
    handle = os.fdopen(descriptor, "rb")
    try:
        name = await service.export_customer(session, user=user, customer_id=customer_id, path=path)
    except BaseException:
        handle.close()
        raise
    finally:
        os.unlink(path)
    return StreamingResponse(
        _stream(handle),
        media_type="application/zip",
        # Everything about a customer: kept by no cache, as every file (files/downloads.py).
        headers={"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE},
    )


RUNNING: dict[int | str, dict[str, Any]] = {
    status.HTTP_202_ACCEPTED: {
        "model": ErasureRead,
        "description": "Still running after 20 seconds (`state: running`): it goes on in the "
        "server; `GET /erasures` shows it done.",
    }
}


def _answer(erasure: Any, response: Response) -> ErasureRead:
    if erasure.finished_at is None:
        response.status_code = status.HTTP_202_ACCEPTED
    return ErasureRead.model_validate(erasure)


@router.post("/customers/{customer_id}/erase", response_model=ErasureRead, responses=RUNNING)
async def erase_customer(
    customer_id: Id,
    body: EraseCustomer,
    user: CurrentAgent,
    session: SessionDep,
    request: Request,
    response: Response,
) -> ErasureRead:
    """Answers once the erasure is done (`state: done`), or 202 `state: running` when it is not
    after 20 seconds; it runs in short transactions meanwhile, and goes on if the client leaves
    (docs/privacy.md)."""
    erasure = await service.erase_customer(
        session, user=user, customer_id=customer_id, confirmation=body.confirm
    )
    erasure = await service.finish_erasure(session, request.app.state.sessionmaker, erasure)
    return _answer(erasure, response)


@router.post("/erasures", response_model=ErasureRead, responses=RUNNING)
async def erase_address(
    body: EraseAddress,
    user: CurrentAgent,
    session: SessionDep,
    request: Request,
    response: Response,
) -> ErasureRead:
    """As the customer's erasure: 200 done, or 202 still running after 20 seconds."""
    erasure = await service.erase_address(session, user=user, email=str(body.email))
    erasure = await service.finish_erasure(session, request.app.state.sessionmaker, erasure)
    return _answer(erasure, response)


@router.get("/erasures", response_model=list[ErasureRead])
async def list_erasures(
    user: CurrentAgent,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1, description="Only erasures before this id")] = None,
) -> list[ErasureRead]:
    erasures = await service.list_erasures(session, user=user, limit=limit, before=before)
    return [ErasureRead.model_validate(erasure) for erasure in erasures]
