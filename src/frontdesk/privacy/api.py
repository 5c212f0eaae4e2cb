"""Customer data rights: a customer's export, their erasure, and the record of erasures."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import IO, Annotated

from fastapi import APIRouter, Query
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


@router.post("/customers/{customer_id}/erase", response_model=ErasureRead)
async def erase_customer(
    customer_id: Id, body: EraseCustomer, user: CurrentAgent, session: SessionDep
) -> ErasureRead:
    erasure = await service.erase_customer(
        session, user=user, customer_id=customer_id, confirmation=body.confirm
    )
    return ErasureRead.model_validate(erasure)


@router.post("/erasures", response_model=ErasureRead)
async def erase_address(body: EraseAddress, user: CurrentAgent, session: SessionDep) -> ErasureRead:
    erasure = await service.erase_address(session, user=user, email=str(body.email))
    return ErasureRead.model_validate(erasure)


@router.get("/erasures", response_model=list[ErasureRead])
async def list_erasures(
    user: CurrentAgent,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1, description="Only erasures before this id")] = None,
) -> list[ErasureRead]:
    erasures = await service.list_erasures(session, user=user, limit=limit, before=before)
    return [ErasureRead.model_validate(erasure) for erasure in erasures]
