"""What the backup tests share: a desk with data in it, written and read over HTTP, and the CLI
run as an operator runs it (settings from the environment)."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from PIL import Image
from typer.testing import CliRunner

from frontdesk import cli
from frontdesk.app import create_app
from frontdesk.config import Settings
from tests.conftest import Desk
from tests.unit.support import new_ticket


def png(color: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(buffer, format="PNG")
    return buffer.getvalue()


def run_cli(settings: Settings, *args: str) -> tuple[int, str]:
    environment = {
        "FRONTDESK_DATA_DIR": str(settings.data_dir),
        "FRONTDESK_DATABASE_URL": settings.database_url,
        "FRONTDESK_FILE_STORE": settings.file_store,
    }
    if settings.secret_key:
        environment["FRONTDESK_SECRET_KEY"] = settings.secret_key
    # The CLI reads a .env of the working directory; the test's has none.
    result = CliRunner().invoke(cli.app, list(args), env=environment, catch_exceptions=False)
    return result.exit_code, result.output


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[FastAPI, Desk]]:
    app = create_app(settings, run_loops=False)
    async with app.router.lifespan_context(app):
        desk = Desk(app)
        try:
            yield app, desk
        finally:
            await desk.close()


@dataclass
class Written:
    email: str
    ticket_id: int
    subject: str
    file_id: int
    image: bytes


async def write_data(desk: Desk) -> Written:
    inbox = await desk.inbox(name="Billing")
    admin_user = await desk.user(role="admin")
    await desk.add_member(inbox, admin_user)
    admin = await desk.login(admin_user)
    ticket = await new_ticket(admin.client, inbox, subject="Invoice 42 is wrong")
    image = png()
    uploaded = await admin.client.post(
        "/api/v1/uploads",
        params={"ticket_id": ticket["id"], "filename": "invoice.png"},
        content=image,
        headers={"Content-Type": "image/png"},
    )
    assert uploaded.status_code == 201, uploaded.text
    return Written(admin_user["email"], ticket["id"], ticket["subject"], uploaded.json()["id"],
                   image)  # fmt: skip


async def read_back(desk: Desk, written: Written) -> dict[str, Any]:
    """Logs in again (the password hash came back with the database) and reads it all."""
    admin = await desk.login({"email": written.email})
    client: httpx.AsyncClient = admin.client
    ticket = await client.get(f"/api/v1/tickets/{written.ticket_id}")
    assert ticket.status_code == 200, ticket.text
    download = await client.get(f"/api/v1/tickets/{written.ticket_id}/files/{written.file_id}")
    assert download.status_code == 200, download.text
    return {"subject": ticket.json()["subject"], "file": download.content}


def environment_is_clean() -> None:
    assert "FRONTDESK_DATABASE_URL" not in os.environ
