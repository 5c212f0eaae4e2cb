"""The outbox viewer: admins see every queued, sent and failed mail; agents do not."""

from __future__ import annotations

import pytest

from tests.conftest import SQLITE_ONLY, Desk
from tests.unit.support import error_of, fields_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


class TestOutbox:
    async def test_admin_lists_newest_first_filters_and_pages(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        ticket = await new_ticket(admin.client, inbox)
        for n in range(3):
            response = await admin.client.post(
                f"/api/v1/tickets/{ticket['id']}/replies", json={"text": f"reply {n}"}
            )
            assert response.status_code == 201
        everything = (await admin.client.get("/api/v1/outbox")).json()
        assert [m["text"] for m in everything] == ["reply 2", "reply 1", "reply 0"]
        assert all(m["attempts"] == 0 and m["sent_at"] is None for m in everything)
        queued = (await admin.client.get("/api/v1/outbox?state=queued")).json()
        assert queued == everything
        assert (await admin.client.get("/api/v1/outbox?state=sent")).json() == []
        page = (await admin.client.get("/api/v1/outbox?limit=1&offset=1")).json()
        assert [m["text"] for m in page] == ["reply 1"]

    async def test_bad_parameters_are_422(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        for query, field in [
            ("state=lost", "state"),
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("offset=-1", "offset"),
        ]:
            error = error_of(await admin.client.get(f"/api/v1/outbox?{query}"), 422, "invalid")
            assert fields_of(error) == {field}

    async def test_agents_cannot_read_the_outbox(self, desk: Desk) -> None:
        agent = await desk.agent()
        error_of(await agent.client.get("/api/v1/outbox"), 403, "forbidden")

    async def test_line_breaks_in_names_and_subjects_stay_inside_their_header(
        self, desk: Desk
    ) -> None:
        admin = await desk.agent(role="admin", name="Ada\r\nBcc: everyone@example.org")
        inbox = await desk.inbox(name="Support\nTeam")
        ticket = await new_ticket(admin.client, inbox, subject="Refund\r\nX-Injected: yes")
        reply = await admin.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies", json={"text": "On its way."}
        )
        assert reply.status_code == 201, reply.text
        queued = (await admin.client.get("/api/v1/outbox")).json()[0]
        raw = await admin.client.get(f"/api/v1/outbox/{queued['id']}/raw")
        assert raw.status_code == 200, raw.text
        head = raw.text.split("\r\n\r\n", 1)[0]
        assert "\nBcc:" not in head
        assert "\nX-Injected:" not in head
        assert "Ada Bcc: everyone@example.org (Support Team)" in head
