"""/metrics over HTTP: off without a token, refused without the right one, and the figures an
operator watches, each moved by the real thing (requests, sockets, chats, mail, messages)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from frontdesk.config import Settings
from frontdesk.db.session import unit_of_work
from frontdesk.kit.clock import utcnow
from frontdesk.mail.models import OutboxMessage, OutboxState
from tests.conftest import Desk
from tests.realtime import connect, desk_socket, serve
from tests.unit.support import online

TOKEN = "scrape-token-" + "s" * 20


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"metrics_token": TOKEN})


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


class TestAccess:
    @pytest.fixture
    def database_url(self, sqlite_template: Path, tmp_path: Path) -> str:
        # Who may scrape does not depend on the database: SQLite only.
        shutil.copyfile(sqlite_template, tmp_path / "frontdesk.db")
        return f"sqlite+aiosqlite:///{tmp_path / 'frontdesk.db'}"

    async def test_metrics_are_off_without_a_token_setting(
        self, settings: Settings, http: httpx.AsyncClient, app: FastAPI
    ) -> None:
        app.state.settings = settings.model_copy(update={"metrics_token": None})
        response = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 404

    @pytest.mark.parametrize("header", [None, "Bearer wrong", TOKEN, f"Basic {TOKEN}"])
    async def test_a_scraper_without_the_token_is_refused(
        self, http: httpx.AsyncClient, header: str | None
    ) -> None:
        headers = {} if header is None else {"Authorization": header}
        response = await http.get("/metrics", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "frontdesk_" not in response.text


class TestFigures:
    async def test_requests_are_counted_by_route_template_and_status(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        agent = await desk.agent()
        before = await scrape(http)
        for ticket_id in (111, 222, 333):
            assert (await agent.client.get(f"/api/v1/tickets/{ticket_id}")).status_code == 404
        await agent.client.get("/no/such/page/../x")
        after = await scrape(http)
        labels = {"method": "GET", "route": "/api/v1/tickets/{ticket_id}", "status": "404"}
        grew = value(after, "frontdesk_http_requests_total", **labels) - value(
            before, "frontdesk_http_requests_total", **labels
        )
        assert grew == 3
        duration = {"method": "GET", "route": "/api/v1/tickets/{ticket_id}"}
        assert value(after, "frontdesk_http_request_duration_seconds_count", **duration) == 3
        # One series per route, never one per path a client made up.
        assert not any("111" in str(key) for key in after)

    async def test_waiting_chats_and_the_outbox_backlog_are_read_from_the_database(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox()
        agent = await desk.agent(inboxes=[inbox])
        await online(agent)
        for _ in range(2):
            await (await visitors(inbox)).start_chat()
        now = utcnow()
        async with unit_of_work(app.state.sessionmaker) as session:
            for index, state in enumerate(
                [OutboxState.queued, OutboxState.queued, OutboxState.failed, OutboxState.sent]
            ):
                session.add(
                    OutboxMessage(
                        message_id=f"<m{index}@desk.test>",
                        sender="desk@desk.test",
                        recipients=["someone@example.org"],
                        subject="Hello",
                        text="Hello",
                        state=state,
                        created_at=now,
                    )
                )
        samples = await scrape(http)
        assert value(samples, "frontdesk_chats_waiting") == 2
        assert value(samples, "frontdesk_outbox_messages", state="queued") == 2
        assert value(samples, "frontdesk_outbox_messages", state="failed") == 1
        assert value(samples, "frontdesk_outbox_messages", state="sending") == 0
        assert value(samples, "frontdesk_outbox_oldest_queued_seconds") >= 0

    async def test_open_sockets_and_message_latency(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox()
        agent = await desk.agent(inboxes=[inbox])
        await online(agent)
        visitor = await visitors(inbox)
        chat = (await visitor.start_chat())["id"]
        assert (await agent.client.post(f"/api/v1/chats/{chat}/join")).status_code == 200
        async with serve(app) as live:
            desk_ws = await desk_socket(live, agent)
            messenger_ws = await connect(f"ws://{live}/messenger/v1/ws")
            ack = await messenger_ws.request({"type": "hello", "token": visitor.token})
            assert ack["type"] == "ack", ack
            samples = await scrape(http)
            assert value(samples, "frontdesk_websockets_open", kind="desk") == 1
            assert value(samples, "frontdesk_websockets_open", kind="messenger") == 1
            for number in range(3):
                reply = await desk_ws.request(
                    {"type": "message", "chat_id": chat, "text": f"hi {number}",
                     "client_msg_id": f"m-{number}"}
                )  # fmt: skip
                assert reply["type"] == "ack", reply
            samples = await scrape(http)
            assert value(samples, "frontdesk_chat_message_latency_seconds_count") == 3
            assert value(samples, "frontdesk_chat_message_latency_seconds_sum") > 0
            # Each was answered before the next was sent: three batches of one.
            assert value(samples, "frontdesk_chat_message_batch_size_count") == 3
            assert value(samples, "frontdesk_chat_message_batch_size_sum") == 3
            assert value(samples, "frontdesk_chat_message_batch_size_bucket", le="1.0") == 3
            assert value(samples, "frontdesk_chat_message_batch_duration_seconds_count") == 3
            assert value(samples, "frontdesk_chat_message_batch_duration_seconds_sum") > 0
            await desk_ws.close()
            await messenger_ws.close()
            for _ in range(100):
                samples = await scrape(http)
                if value(samples, "frontdesk_websockets_open", kind="desk") == 0 and (
                    value(samples, "frontdesk_websockets_open", kind="messenger") == 0
                ):
                    break
                await asyncio.sleep(0.05)
            assert value(samples, "frontdesk_websockets_open", kind="desk") == 0
            assert value(samples, "frontdesk_websockets_open", kind="messenger") == 0
