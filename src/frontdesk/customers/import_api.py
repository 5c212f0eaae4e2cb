"""Importing customers from a CSV file over HTTP: the file's raw bytes as the body, as an upload
(files/api.py), read as it arrives up to the import's own limit (customers/importing.py)."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request

from frontdesk.customers import importing
from frontdesk.customers.schemas import (
    CustomerImportRead,
    ImportColumnsRead,
    ImportProblemRead,
    ImportRowRead,
)
from frontdesk.db.session import release_before_waiting, unit_of_work
from frontdesk.deps import AuthenticateFirst, CurrentAdmin, SessionDep
from frontdesk.kit.body_limit import StreamedBody

# Read by its endpoint, past the request body limit (app.py's BodyLimit).
IMPORT_PATH = "/api/v1/customers/import"
router = APIRouter(prefix="/customers", tags=["customers"], route_class=AuthenticateFirst)


@router.post(
    "/import",
    response_model=CustomerImportRead,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def import_customers(
    request: Request,
    user: CurrentAdmin,
    session: SessionDep,
    dry_run: Annotated[
        bool,
        Query(description="true: nothing is written, the answer says what importing would do"),
    ],
) -> CustomerImportRead:
    """Customers from a CSV file, the body (docs/api.md, "Importing customers"): an email
    column, and a name and a phone; at most 5 MB and 10,000 rows. Owners and admins."""
    body = StreamedBody(request.receive)
    try:
        data = await _read(request, body)
    except importing.ImportRefused:
        # Read to the end and dropped: a browser still sending would see a reset, not the answer.
        await body.drain()
        raise
    # Off the event loop: 5 MB of CSV is tens of milliseconds of parsing.
    parsed = await anyio.to_thread.run_sync(importing.parse, data)
    # The batches are transactions of their own: the request's, which authenticated it, ends.
    await release_before_waiting(session)
    sessionmaker = request.app.state.sessionmaker
    report = await importing.import_customers(
        lambda: unit_of_work(sessionmaker), parsed, by=user.id, dry_run=dry_run
    )
    return _read_model(report)


async def _read(request: Request, body: StreamedBody) -> bytes:
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith("multipart/") or content_type.startswith(
        "application/x-www-form-urlencoded"
    ):
        raise importing.ImportRefused(
            "Send the CSV file itself as the request body (Content-Type: text/csv), not a form.",
            status_code=415,
            code="unsupported_media_type",
        )
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > importing.MAX_BYTES:
        raise importing.ImportTooLarge
    data = bytearray()
    async for chunk in body.chunks():
        data += chunk
        if len(data) > importing.MAX_BYTES:
            raise importing.ImportTooLarge
    return bytes(data)


def _read_model(report: importing.Report) -> CustomerImportRead:
    columns = report.parsed.columns
    Column = importing.Column
    return CustomerImportRead(
        dry_run=report.dry_run,
        delimiter=report.parsed.delimiter,
        columns=ImportColumnsRead(
            email=columns.header(Column.email) or "",
            name=columns.header(Column.name),
            first_name=columns.header(Column.first_name),
            last_name=columns.header(Column.last_name),
            phone=columns.header(Column.phone),
            ignored=columns.ignored,
        ),
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        skipped=report.skipped,
        errors=report.errors,
        problems=[
            ImportProblemRead(
                row=problem.row, outcome=problem.outcome, code=problem.code, message=problem.message
            )
            for problem in report.problems
        ],
        problems_left_out=report.problems_left_out,
        first_rows=[
            ImportRowRead(
                row=each.row,
                name=each.name,
                email=each.email,
                phone=each.phone,
                outcome=each.outcome,
                filled=list(each.filled),
                code=each.code,
                message=each.message,
            )
            for each in report.first_rows
        ],
    )
