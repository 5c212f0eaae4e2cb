"""The visitor's files in the messenger's lane, in real Chromium: text, a file and text written
while the connection is cut reach the agent in the order written, once each, though once HTTP is
back the upload is slow, the answer to the files' message is lost and the socket is still away;
a file refused shows as not sent, with Discard (docs/messenger.md, "Files and images")."""

# The messenger's `context` fixture is imported, then named as a parameter.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from playwright.async_api import BrowserContext, FilePayload, Page, Route, WebSocketRoute, expect

from frontdesk.chats.models import ChatFile
from tests.conftest import Desk
from tests.e2e.desk import eventually
from tests.e2e.test_messenger import (  # noqa: F401  (fixtures)
    Website,
    axe_ok,
    chat_id,
    context,
    launcher,
    messenger,
    online_agent,
    shot,
)
from tests.realtime import desk_socket
from tests.unit.support import count_rows

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n" + b"0" * 20_000 + b"\n%%EOF\n"
HTML = b"<!doctype html><html><script>alert(1)</script></html>"
INVOICE: FilePayload = {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": PDF}
DISGUISED: FilePayload = {"name": "cat.png", "mimeType": "image/png", "buffer": HTML}


class Connection:
    """The website page's way to the desk: cut (its requests refused, its socket closed and new
    ones closed at once, the browser offline), then HTTP back without the socket, then the
    socket. Once HTTP is back, uploads are slow and the answer to the first files' message is
    lost after the server stored it."""

    def __init__(self) -> None:
        self.cut = False
        self.socket_cut = False
        self.sockets: list[WebSocketRoute] = []
        self.file_messages: list[str] = []
        self.refused = 0  # requests refused while cut

    async def install(self, page: Page) -> None:
        async def socket(ws: WebSocketRoute) -> None:
            if self.socket_cut:
                await ws.close()
                return
            ws.connect_to_server()
            self.sockets.append(ws)

        async def http(route: Route) -> None:
            request = route.request
            if self.cut:
                self.refused += 1
                await route.abort("internetdisconnected")
            elif request.method == "POST" and "/uploads?" in request.url:
                await asyncio.sleep(1.5)
                await route.continue_()
            elif request.method == "POST" and request.url.endswith("/file-messages"):
                self.file_messages.append(json.loads(request.post_data or "{}")["client_msg_id"])
                if len(self.file_messages) == 1:
                    await route.fetch()
                    await route.abort("connectionreset")
                else:
                    await route.continue_()
            else:
                await route.fallback()

        await page.route(re.compile(r"/messenger/v1/(?!ws)"), http)
        await page.route_web_socket(re.compile(r"/messenger/v1/ws$"), socket)

    async def lose(self, context: BrowserContext) -> None:
        self.cut = self.socket_cut = True
        await context.set_offline(True)
        for ws in self.sockets:
            await ws.close()

    async def restore_http(self, context: BrowserContext) -> None:
        self.cut = False
        await context.set_offline(False)

    async def restore_socket(self, context: BrowserContext) -> None:
        """The socket back, reached at once: the browser's `online` (a network coming back)
        cuts its back-off short, which the cut's failed attempts made long."""
        self.socket_cut = False
        await context.set_offline(True)
        await context.set_offline(False)


def said(frames: list[dict[str, Any]]) -> list[str]:
    """A chat's messages in order: their text, or the names of the files they send."""
    lines = []
    for frame in frames:
        message = frame["data"]["message"]
        files = [a["filename"] for a in message.get("attachments") or []]
        lines.append(f"files: {', '.join(files)}" if files else message["text"])
    return lines


async def test_text_a_file_and_text_written_offline_reach_the_agent_in_order_once(
    app: FastAPI, desk: Desk, site: Website, context: BrowserContext, live: str, screenshots: Path
) -> None:
    support, ada = await online_agent(desk)
    site.key = support["public_key"]
    page = await context.new_page()
    connection = Connection()
    await connection.install(page)
    # The page's clock runs as usual and jumps when the test says: the messenger's waits (a
    # resend after 8 s, a retry's back-off) are jumped, the slow upload is not.
    await page.clock.install()
    await page.goto(site.url)
    await launcher(page).click()
    panel = messenger(page).get_by_role("dialog")
    await panel.get_by_label("Your name").fill("Marie Curie")
    await panel.get_by_label("Message", exact=True).fill("Hello")
    await panel.get_by_role("button", name="Start chat").click()
    await expect(panel.locator(".waiting")).to_be_visible()
    chat = await chat_id(page, site.key)
    agent = await desk_socket(live.removeprefix("http://"), ada)
    assert (await ada.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
    await expect(panel).to_contain_text("Ada joined the chat")

    await connection.lose(context)
    composer = panel.get_by_label("Message", exact=True)
    await composer.fill("Here is my invoice:")
    await composer.press("Enter")
    await messenger(page).locator("input[type=file]").set_input_files([INVOICE])
    await composer.fill("The second line is wrong.")
    await composer.press("Enter")
    own = panel.locator(".msg.own")
    await expect(own).to_have_count(4)
    # A frame sent as the socket was closing is sent again over HTTP after 8 s, and fails.
    await page.clock.fast_forward(8_000)
    await expect(own.nth(1)).to_have_attribute("data-state", "retrying")
    await expect(own.nth(2)).to_contain_text("invoice.pdf")
    await expect(own.nth(3)).to_contain_text("The second line is wrong.")
    await expect(own.nth(3)).to_have_attribute("data-state", "sending")
    # The messenger tries again meanwhile (after its back-off), in vain.
    refused_before = connection.refused

    async def tried_again() -> bool:
        return connection.refused > refused_before

    await page.clock.fast_forward(4_000)
    await eventually(tried_again)

    # HTTP back, slow, the socket still away: everything goes over HTTP, one at a time. The
    # files' message is tried again after its lost answer, once its back-off (jumped) is over.
    await connection.restore_http(context)
    await expect(own.nth(2)).to_have_attribute("data-state", "retrying", timeout=15_000)
    await page.clock.fast_forward(8_000)
    await expect(panel.locator(".msg.own[data-state]")).to_have_count(0, timeout=20_000)
    # The agent's socket heard them live in the order written, each once.
    await agent.wait_for(lambda f: "second line" in json.dumps(f.get("data", {})))
    written = ["Hello", "Here is my invoice:", "files: invoice.pdf", "The second line is wrong."]
    # The files' message was posted again after its lost answer, under the same id: stored once.
    assert len(connection.file_messages) >= 2
    assert len(set(connection.file_messages)) == 1

    # The socket back: its resume brings the stored messages; the files show in their place.
    await connection.restore_socket(context)
    # (An attempt refused just before may have left the socket's back-off at its longest, 30 s.)
    await expect(own.nth(2).locator(".file-card")).to_contain_text("invoice.pdf", timeout=40_000)
    await expect(own).to_have_count(4)
    await expect(own.nth(3)).to_contain_text("The second line is wrong.")
    heard = [f for f in agent.of_type("chat.message_added") if f.get("chat_id") == chat]
    assert said(heard) == written[1:]
    events = (await ada.client.get(f"/api/v1/chats/{chat}")).json()["events"]
    assert said([e for e in events if e["type"] == "chat.message_added"]) == written
    assert await count_rows(app, ChatFile, ChatFile.chat_id == chat) == 1
    await agent.close()

    # A file refused: not sent, why, and Discard (no Retry: it would be refused again).
    await messenger(page).locator("input[type=file]").set_input_files([DISGUISED])
    refused = own.last
    await expect(refused).to_have_attribute("data-state", "failed")
    await expect(refused).to_contain_text("Not sent: cat.png is not what its name says.")
    await expect(refused.get_by_role("button", name="Retry cat.png")).to_have_count(0)
    discard = refused.get_by_role("button", name="Discard cat.png")
    await expect(discard).to_be_visible()
    await shot(page, screenshots, "file-not-sent")
    await axe_ok(page, "a file not sent")
    await discard.focus()
    await page.keyboard.press("Enter")
    await expect(own).to_have_count(4)
    await expect(composer).to_be_focused()
