"""An agent's own email signature (docs/email.md, "Signatures"): set by themselves in
`PATCH /me`, or by admins and owners in `PATCH /users/{id}` (an admin cannot change an owner's),
saved as plain text with its line ends made one and its limit counted so, shown to themselves and
to admins but not to colleagues, audited with the profile; and what a reply then signs with, as
the ticket records it: the inbox's signature with `{{agent.signature}}` filled, their own alone
from an inbox without one."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.errors import Invalid
from frontdesk.users.service import cleaned_signature
from tests.conftest import SQLITE_ONLY, Agent, Desk
from tests.unit.audit.support import entries
from tests.unit.support import error_of, fields_of

pytestmark = SQLITE_ONLY

OWN = "Ada Lovelace, Support Lead\n+44 20 7946 0000\nhttps://cal.example/ada"


async def _own(agent: Agent, value: Any) -> dict[str, Any]:
    response = await agent.client.patch("/api/v1/me", json={"email_signature": value})
    assert response.status_code == 200, response.text
    me: dict[str, Any] = response.json()
    return me


async def _reply_signature(desk: Desk, *, inbox_signature: str | None, own: str | None) -> Any:
    """What a reply of Ada's records as its signature, in an inbox signed as given."""
    inbox = await desk.inbox(name="Shop Support")
    if inbox_signature is not None:
        admin = await desk.agent(role="admin")
        saved = await admin.client.patch(
            f"/api/v1/inboxes/{inbox['id']}", json={"email_signature": inbox_signature}
        )
        assert saved.status_code == 200, saved.text
    ada = await desk.agent(inboxes=[inbox], name="Ada Lovelace")
    if own is not None:
        await _own(ada, own)
    created = await ada.client.post(
        "/api/v1/tickets",
        json={
            "inbox_id": inbox["id"],
            "customer": {"email": "cora@example.org"},
            "subject": "Where is my parcel?",
        },
    )
    assert created.status_code == 201, created.text
    sent = await ada.client.post(
        f"/api/v1/tickets/{created.json()['id']}/replies", json={"text": "On its way."}
    )
    assert sent.status_code == 201, sent.text
    return sent.json()["data"].get("signature")


class TestOwnSignature:
    async def test_an_agent_sets_and_removes_theirs(self, desk: Desk) -> None:
        ada = await desk.agent()
        assert (await ada.client.get("/api/v1/me")).json()["email_signature"] is None
        # As a browser's textarea sends it: CRLF, spaces around the whole.
        me = await _own(ada, "  " + OWN.replace("\n", "\r\n") + "\r\n")
        assert me["email_signature"] == OWN
        assert (await ada.client.get("/api/v1/me")).json()["email_signature"] == OWN
        # Other fields leave it as it is.
        assert (await ada.client.patch("/api/v1/me", json={"name": "Ada L."})).status_code == 200
        assert (await ada.client.get("/api/v1/me")).json()["email_signature"] == OWN
        assert (await _own(ada, "   "))["email_signature"] is None
        await _own(ada, OWN)
        assert (await _own(ada, None))["email_signature"] is None

    async def test_too_long_is_refused_naming_the_limit_and_changes_nothing(
        self, desk: Desk
    ) -> None:
        ada = await desk.agent(name="Ada")
        refused = await ada.client.patch(
            "/api/v1/me", json={"name": "Ada B.", "email_signature": "x" * 1001}
        )
        error = error_of(refused, 422)
        assert fields_of(error) == {"email_signature"}, error
        assert "1000" in str(error), error
        me = (await ada.client.get("/api/v1/me")).json()
        assert (me["name"], me["email_signature"]) == ("Ada", None)
        # 1,000 as saved; more as a textarea sends them (CRLF), which the limit does not count.
        lines = ["x" * 99] * 10
        assert len("\r\n".join(lines)) > 1000
        assert (await _own(ada, "\r\n".join(lines)))["email_signature"] == "\n".join(lines)

    def test_the_service_refuses_past_the_limit_too(self) -> None:
        with pytest.raises(Invalid) as refused:
            cleaned_signature("x" * 1001)
        (field,) = refused.value.fields or []
        assert (field["field"], field["code"], field["limit"]) == (
            "email_signature",
            "too_long",
            1000,
        )
        assert "1000" in refused.value.message
        assert cleaned_signature(" \r\n ") is None

    async def test_admins_see_it_and_colleagues_do_not(self, desk: Desk) -> None:
        ada = await desk.agent(name="Ada")
        await _own(ada, OWN)
        admin = await desk.agent(role="admin")
        grace = await desk.agent(name="Grace")
        listed = {u["id"]: u for u in (await admin.client.get("/api/v1/users")).json()}
        assert listed[ada.id]["email_signature"] == OWN
        one = await admin.client.get(f"/api/v1/users/{ada.id}")
        assert one.json()["email_signature"] == OWN
        for seen in (
            {u["id"]: u for u in (await grace.client.get("/api/v1/users")).json()}[ada.id],
            (await grace.client.get(f"/api/v1/users/{ada.id}")).json(),
        ):
            assert "email_signature" not in seen
            assert "email" not in seen

    async def test_admins_set_an_agents_but_only_an_owner_sets_an_owners(self, desk: Desk) -> None:
        ada = await desk.agent()
        admin = await desk.agent(role="admin")
        owner = await desk.agent(role="owner")
        set_ = await admin.client.patch(f"/api/v1/users/{ada.id}", json={"email_signature": OWN})
        assert set_.status_code == 200, set_.text
        assert set_.json()["email_signature"] == OWN
        assert (await ada.client.get("/api/v1/me")).json()["email_signature"] == OWN

        refused = await admin.client.patch(
            f"/api/v1/users/{owner.id}", json={"email_signature": "Not yours"}
        )
        error_of(refused, 403)
        assert (await owner.client.get("/api/v1/me")).json()["email_signature"] is None
        by_owner = await owner.client.patch(
            f"/api/v1/users/{admin.id}", json={"email_signature": "Alan, admin"}
        )
        assert by_owner.status_code == 200, by_owner.text
        # An agent sets no one else's.
        error_of(
            await ada.client.patch(f"/api/v1/users/{admin.id}", json={"email_signature": ""}), 403
        )
        assert (await admin.client.get("/api/v1/me")).json()["email_signature"] == "Alan, admin"

    async def test_a_change_is_audited_with_the_profile(self, desk: Desk) -> None:
        ada = await desk.agent()
        owner = await desk.agent(role="owner")
        await _own(ada, "Ada")
        await _own(ada, "Ada Lovelace")
        changes = [
            entry["changes"]
            for entry in await entries(owner, action="user.updated")
            if entry["target_id"] == ada.id and "email_signature" in entry["changes"]
        ]
        assert changes == [
            {"email_signature": ["Ada", "Ada Lovelace"]},
            {"email_signature": [None, "Ada"]},
        ]


class TestWhatARepliesSignsWith:
    async def test_the_inbox_may_name_it_and_it_is_filled_for_the_author(self, desk: Desk) -> None:
        signature = await _reply_signature(
            desk, inbox_signature="{{agent.signature}}\n{{inbox.name}}", own=OWN
        )
        assert signature == f"{OWN}\nShop Support"

    async def test_an_inbox_without_a_signature_signs_with_the_authors_own(
        self, desk: Desk
    ) -> None:
        assert await _reply_signature(desk, inbox_signature=None, own=OWN) == OWN

    async def test_an_author_without_one_leaves_no_line_where_the_inbox_names_it(
        self, desk: Desk
    ) -> None:
        signature = await _reply_signature(
            desk,
            inbox_signature="{{agent.name}}\n\n{{agent.signature}}\n\n{{inbox.name}}",
            own=None,
        )
        assert signature == "Ada Lovelace\n\nShop Support"

    async def test_an_inbox_signature_without_it_goes_as_it_is(self, desk: Desk) -> None:
        assert await _reply_signature(desk, inbox_signature="{{inbox.name}}", own=OWN) == (
            "Shop Support"
        )

    async def test_neither_signs_nothing(self, desk: Desk) -> None:
        assert await _reply_signature(desk, inbox_signature=None, own=None) is None
