"""An email address a visitor types proves nothing: it never files their chat or message on the
customer who owns the address, agents see that it is unverified, an inbox that requires identity
refuses it, and one network address can start only so many chats with one."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.config import Settings
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import count_rows, error_of, online

pytestmark = SQLITE_ONLY

SECRET = "identity-secret-of-the-shop"
CEO = "ceo@client.example"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"unconfirmed_email_rate_per_hour": 3})


async def known_customer(agent: Agent, email: str = CEO) -> dict[str, Any]:
    """A customer the agents entered themselves: their address is theirs."""
    response = await agent.client.post(
        "/api/v1/customers", json={"name": "Cleo Exec", "emails": [email]}
    )
    assert response.status_code == 201, response.text
    customer: dict[str, Any] = response.json()
    assert customer["verified"] is True
    return customer


async def end(agent: Agent, chat_id: int) -> dict[str, Any]:
    assert (await agent.client.post(f"/api/v1/chats/{chat_id}/join")).status_code == 200
    ended = await agent.client.post(f"/api/v1/chats/{chat_id}/end")
    assert ended.status_code == 200, ended.text
    ticket = await agent.client.get(f"/api/v1/tickets/{ended.json()['ticket_id']}")
    body: dict[str, Any] = ticket.json()
    return body


async def tickets_of(agent: Agent, customer_id: int) -> list[dict[str, Any]]:
    response = await agent.client.get("/api/v1/tickets", params={"customer_id": customer_id})
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestTypedAddresses:
    @BOTH_STORES
    async def test_a_chat_claiming_a_known_address_is_not_filed_on_its_customer(
        self, app: Any, desk: Desk, visitors: Any
    ) -> None:
        from frontdesk.mail.models import OutboxMessage

        inbox = await desk.inbox(identity_secret=SECRET)
        ada = await desk.agent(inboxes=[inbox])
        await online(ada)
        ceo = await known_customer(ada)
        chat = await (await visitors(inbox)).start_chat("Send me last month's invoices", email=CEO)

        detail = (await ada.client.get(f"/api/v1/chats/{chat['id']}")).json()
        assert detail["visitor_email"] == CEO
        assert detail["visitor_verified"] is False
        assert detail["visitor"]["verified"] is False

        ticket = await end(ada, chat["id"])
        assert ticket["customer_id"] != ceo["id"]
        assert ticket["customer"]["verified"] is False
        assert ticket["customer"]["emails"] == []
        assert ticket["entries"][0]["data"]["email"] == CEO
        assert ticket["entries"][0]["data"]["verified"] is False
        assert ticket["claimed_email"] == CEO
        assert await tickets_of(ada, ceo["id"]) == []
        assert await count_rows(app, OutboxMessage) == 0
        # Still said when the transcript is no longer among the entries the page holds.
        ticket_url = f"/api/v1/tickets/{ticket['id']}"
        await ada.client.post(f"{ticket_url}/notes", json={"text": "Asked for an invoice"})
        later = (await ada.client.get(ticket_url, params={"entries": 1})).json()
        assert later["entries"][0]["text"] == "Asked for an invoice"
        assert later["earlier_entries"] > 0
        assert later["claimed_email"] == CEO

    async def test_a_contact_form_claiming_a_known_address_is_not_filed_on_its_customer(
        self, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        ceo = await known_customer(ada)
        sent = await (await visitors(inbox)).client.post(
            "/messenger/v1/contact",
            json={"name": "Cleo", "email": CEO, "text": "Change my bank details"},
        )
        assert sent.status_code == 201, sent.text

        assert await tickets_of(ada, ceo["id"]) == []
        (listed,) = (await ada.client.get("/api/v1/tickets", params={"type": "web"})).json()[
            "items"
        ]
        ticket = (await ada.client.get(f"/api/v1/tickets/{listed['id']}")).json()
        assert ticket["customer"]["verified"] is False
        assert ticket["entries"][0]["data"]["email"] == CEO
        assert ticket["entries"][0]["data"]["verified"] is False

    async def test_a_signed_in_visitor_is_filed_on_their_customer(
        self, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox(identity_secret=SECRET)
        ada = await desk.agent(inboxes=[inbox])
        await online(ada)
        ceo = await known_customer(ada)
        visitor = await visitors(inbox)
        assert (await visitor.identify(CEO, secret=SECRET))["identity_verified"] is True
        chat = await visitor.start_chat("Hello", email=CEO)

        detail = (await ada.client.get(f"/api/v1/chats/{chat['id']}")).json()
        assert detail["visitor_verified"] is True
        assert detail["visitor"]["verified"] is True
        ticket = await end(ada, chat["id"])
        assert ticket["customer_id"] == ceo["id"]
        assert ticket["entries"][0]["data"]["verified"] is True

    async def test_claims_of_a_new_address_share_one_unverified_customer(
        self, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        await online(ada)
        first = await end(
            ada, (await (await visitors(inbox)).start_chat(email="x@example.org"))["id"]
        )
        second = await end(
            ada, (await (await visitors(inbox)).start_chat(email="x@example.org"))["id"]
        )
        assert first["customer_id"] == second["customer_id"]
        assert first["customer"]["emails"] == ["x@example.org"]
        assert first["customer"]["verified"] is False

    async def test_typing_another_address_drops_the_signed_identity(
        self, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox(identity_secret=SECRET)
        visitor = await visitors(inbox)
        await visitor.identify(CEO, secret=SECRET)
        sent = await visitor.client.post(
            "/messenger/v1/contact",
            json={"name": "Cleo", "email": "other@example.org", "text": "Hello"},
        )
        assert sent.status_code == 201, sent.text
        me = (await visitor.client.get("/messenger/v1/me")).json()
        assert me["email"] == "other@example.org"
        assert me["identity_verified"] is False


class TestRequiredIdentity:
    async def test_only_the_signed_address_may_chat_or_write(
        self, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox(identity_secret=SECRET, require_identity=True)
        await online(await desk.agent(inboxes=[inbox]))
        anonymous = await visitors(inbox)
        for path, body in [
            ("/messenger/v1/chats", {"text": "Hi", "email": CEO}),
            ("/messenger/v1/chats", {"text": "Hi"}),
            ("/messenger/v1/contact", {"name": "Cleo", "email": CEO, "text": "Hi"}),
        ]:
            error = error_of(await anonymous.client.post(path, json=body), 403)
            assert error["code"] == "identity_unverified"
            assert "signed in" in error["message"]

        signed_in = await visitors(inbox)
        await signed_in.identify(CEO, secret=SECRET)
        for path, body in [
            ("/messenger/v1/chats", {"text": "Hi", "email": "other@example.org"}),
            ("/messenger/v1/contact", {"name": "Cleo", "email": "other@example.org", "text": "Hi"}),
        ]:
            error_of(await signed_in.client.post(path, json=body), 403, "identity_unverified")
        assert (await signed_in.client.get("/messenger/v1/me")).json()["identity_verified"]
        await signed_in.start_chat("Hi", email=CEO.upper())
        await signed_in.start_chat("Hi again", email=None)
        contact = {"name": "Cleo", "email": CEO, "text": "Hi"}
        assert (await signed_in.client.post("/messenger/v1/contact", json=contact)).is_success


class TestRateLimit:
    async def test_one_network_address_starts_few_chats_with_an_unconfirmed_address(
        self, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox(identity_secret=SECRET)
        await online(await desk.agent(inboxes=[inbox]))
        for n in range(3):
            await (await visitors(inbox)).start_chat(email=f"victim{n}@example.org")
        refused = await (await visitors(inbox)).client.post(
            "/messenger/v1/chats", json={"text": "Hi", "email": "victim3@example.org"}
        )
        error = error_of(refused, 429, "unconfirmed_email_limit")
        assert "without an email address" in error["message"]
        assert int(refused.headers["retry-after"]) > 0

        # The visitor can still chat; signed-in visitors are not counted.
        await (await visitors(inbox)).start_chat(email=None)
        signed_in = await visitors(inbox)
        await signed_in.identify(CEO, secret=SECRET)
        await signed_in.start_chat(email=CEO)
