"""Two real server processes whose rating timers race for the same closed tickets: each closing
gets exactly one rating email."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.integration.cluster import OWNER_EMAIL, login, running
from tests.mail.support import SmtpSink

pytestmark = pytest.mark.integration


async def test_two_processes_send_one_rating_email_per_closed_ticket(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    sink = SmtpSink()
    sink.start()
    try:
        env = {"FRONTDESK_SMTP_URL": sink.url, "FRONTDESK_TIMER_INTERVAL": "0.2"}
        with running(
            database_url=pg_url, redis_url=redis_url, data_dir=tmp_path, extra_env=env
        ) as urls:
            owner = await login(urls[0], OWNER_EMAIL)
            inbox = (await owner.post("/api/v1/inboxes", json={"name": "Support"})).json()
            settings = await owner.patch(
                f"/api/v1/inboxes/{inbox['id']}/rating-settings",
                json={"email_enabled": True, "email_delay_minutes": 0},
            )
            assert settings.status_code == 200, settings.text
            count = 8
            for n in range(count):
                ticket = (
                    await owner.post(
                        "/api/v1/tickets",
                        json={
                            "inbox_id": inbox["id"],
                            "customer": {"email": f"c{n}@example.org"},
                            "subject": f"Question {n}",
                        },
                    )
                ).json()
                reply = await owner.post(
                    f"/api/v1/tickets/{ticket['id']}/replies",
                    json={"text": "Done.", "then": "close"},
                )
                assert reply.status_code == 201, reply.text

            def ratings() -> list[str]:
                return [
                    r.rcpt_tos[0]
                    for r in sink.received
                    if r.message["Subject"].startswith("How did we do?")
                ]

            for _ in range(100):
                if len(ratings()) >= count:
                    break
                await asyncio.sleep(0.2)
            # Both timers keep running: nothing more may come.
            await asyncio.sleep(2)
            assert sorted(ratings()) == sorted(f"c{n}@example.org" for n in range(count))
            await owner.aclose()
    finally:
        sink.stop()
