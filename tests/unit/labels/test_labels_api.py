"""Labels: everyone reads them, admins manage them; names are unique regardless of case."""

from __future__ import annotations

from typing import Any

import pytest

from frontdesk.labels.models import Label
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Desk
from tests.unit.support import count_rows, error_of, fields_of, new_ticket, use_cheap_passwords

pytestmark = SQLITE_ONLY


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


class TestLabels:
    async def test_admin_creates_labels_every_agent_lists_them(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        agent = await desk.agent()
        first = await admin.client.post(
            "/api/v1/labels", json={"name": " vip ", "color": "#AABBCC"}
        )
        assert first.status_code == 201, first.text
        assert first.json()["name"] == "vip"
        assert first.json()["color"] == "#aabbcc"
        second = await admin.client.post("/api/v1/labels", json={"name": "billing"})
        assert second.json()["color"] == "#64748b"
        listed = (await agent.client.get("/api/v1/labels")).json()
        assert [label["name"] for label in listed] == ["billing", "vip"]

    @BOTH_STORES
    async def test_duplicate_name_is_409_whatever_the_case(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        assert (await admin.client.post("/api/v1/labels", json={"name": "Bug"})).status_code == 201
        error = error_of(await admin.client.post("/api/v1/labels", json={"name": "bug"}), 409)
        assert error["code"] == "label_exists"
        assert "bug" in error["message"]
        assert await count_rows(desk.app, Label) == 1

    async def test_bad_labels_are_422_naming_the_field(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        for body, field in [
            ({}, "name"),
            ({"name": "  "}, "name"),
            ({"name": "x" * 61}, "name"),
            ({"name": 42}, "name"),
            ({"name": "a", "color": "red"}, "color"),
            ({"name": "a", "color": "#12345"}, "color"),
            ({"name": "a", "icon": "star"}, "icon"),
        ]:
            error = error_of(await admin.client.post("/api/v1/labels", json=body), 422, "invalid")
            assert field in fields_of(error), (body, error)
        assert await count_rows(desk.app, Label) == 0

    async def test_rename_and_recolour(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        label = (await admin.client.post("/api/v1/labels", json={"name": "bug"})).json()
        await admin.client.post("/api/v1/labels", json={"name": "feature"})
        url = f"/api/v1/labels/{label['id']}"
        response = await admin.client.patch(url, json={"name": "Bug", "color": "#FF0000"})
        assert response.status_code == 200
        assert response.json() == {"id": label["id"], "name": "Bug", "color": "#ff0000"}
        error = error_of(await admin.client.patch(url, json={"name": "FEATURE"}), 409)
        assert error["code"] == "label_exists"
        error_of(await admin.client.patch(url, json={"color": "blue"}), 422, "invalid")
        assert (await admin.client.get("/api/v1/labels")).json()[0]["name"] == "Bug"

    async def test_deleting_a_label_removes_it_from_tickets(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        inbox = await desk.inbox()
        bug = (await admin.client.post("/api/v1/labels", json={"name": "bug"})).json()
        vip = (await admin.client.post("/api/v1/labels", json={"name": "vip"})).json()
        ticket = await new_ticket(admin.client, inbox, label_ids=[bug["id"], vip["id"]])
        assert (await admin.client.delete(f"/api/v1/labels/{bug['id']}")).status_code == 204
        after = (await admin.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
        assert [label["name"] for label in after["labels"]] == ["vip"]
        error_of(await admin.client.delete(f"/api/v1/labels/{bug['id']}"), 404, "not_found")

    async def test_unknown_label_is_404(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        error = error_of(await admin.client.patch("/api/v1/labels/999999", json={"name": "x"}), 404)
        assert error["message"] == "No such label."


class TestNamesInEveryAlphabet:
    @BOTH_STORES
    async def test_a_name_is_taken_whatever_its_case_or_unicode_form(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        created = await admin.client.post("/api/v1/labels", json={"name": "Été"})
        assert created.status_code == 201, created.text
        decomposed = "E\u0301te\u0301"
        for name in ("Été", "été", "ÉTÉ", decomposed):
            response = await admin.client.post("/api/v1/labels", json={"name": name})
            error = error_of(response, 409, "label_exists")
            assert "'Été'" in error["message"], (name, error)
        straße = (await admin.client.post("/api/v1/labels", json={"name": "Straße"})).json()
        error_of(await admin.client.post("/api/v1/labels", json={"name": "STRASSE"}), 409)
        rename = await admin.client.patch(f"/api/v1/labels/{straße['id']}", json={"name": "ÉTÉ"})
        assert "'Été'" in error_of(rename, 409, "label_exists")["message"]
        listed = (await admin.client.get("/api/v1/labels")).json()
        assert sorted(label["name"] for label in listed) == ["Straße", "Été"]

    async def test_labelling_a_chat_reuses_a_label_whatever_the_case(
        self, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox()
        admin = await desk.agent(role="admin", inboxes=[inbox])
        await admin.client.post("/api/v1/labels", json={"name": "Été"})
        await admin.client.put("/api/v1/me/availability", json={"available": True})
        chat = await (await visitors(inbox)).start_chat()
        await admin.client.post(f"/api/v1/chats/{chat['id']}/join")
        labelled = await admin.client.put(
            f"/api/v1/chats/{chat['id']}/labels", json={"labels": ["été", "VIP", "vip", "ÉTÉ"]}
        )
        assert labelled.status_code == 200, labelled.text
        assert sorted(labelled.json()["labels"]) == ["VIP", "Été"]
        assert await count_rows(desk.app, Label) == 2


async def test_a_deleted_labels_or_saved_replys_id_is_never_given_again(desk: Desk) -> None:
    """Rules and macros name them by id: the newest one deleted and another made must not take
    its id (SQLite gave the highest id plus one), or they would act on the new one."""
    admin = await desk.agent(role="admin")
    for path, body in (
        ("/api/v1/labels", {"name": "vip"}),
        ("/api/v1/saved-replies", {"name": "Refund", "text": "Refunded."}),
    ):
        first = (await admin.client.post(path, json=body)).json()
        assert (await admin.client.delete(f"{path}/{first['id']}")).status_code == 204
        again = await admin.client.post(path, json=body | {"name": body["name"] + "2"})
        assert again.status_code == 201, again.text
        assert again.json()["id"] > first["id"]


async def test_a_label_a_rule_or_a_macro_names_is_not_deleted_from_under_it(desk: Desk) -> None:
    """Deleted, it broke them without a word: "has not" held for every ticket, and the macro
    refused every ticket with "No such label". The message names who uses it."""
    inbox = await desk.inbox(name="Support")
    admin = await desk.agent(role="admin", inboxes=[inbox])
    bob = await desk.agent(inboxes=[inbox], name="Bob")
    made = {}
    for name in ("Spam", "VIP", "Refund", "Unused"):
        response = await admin.client.post("/api/v1/labels", json={"name": name})
        made[name] = response.json()["id"]
    rules = [
        (
            "Not spam to sales",
            {"type": "created"},
            [{"field": "label", "op": "has_not", "value": made["Spam"]}],
            True,
        ),
        ("VIP first", {"type": "label_added", "label_id": made["VIP"]}, [], False),
    ]
    for name, when, conditions, enabled in rules:
        body = {
            "name": name,
            "when": when,
            "conditions": conditions,
            "actions": [{"type": "set_state", "state": "hold"}],
            "enabled": enabled,
        }
        assert (await admin.client.post("/api/v1/rules", json=body)).status_code == 201
    macro = {"name": "Refunded", "actions": [{"type": "label", "remove": [made["Refund"]]}]}
    assert (await bob.client.post("/api/v1/macros", json=macro)).status_code == 201

    for label, named in (
        ("Spam", "the rule “Not spam to sales”"),
        ("VIP", "the rule “VIP first” (switched off)"),
        ("Refund", "Bob's macro “Refunded”"),
    ):
        refused = await admin.client.delete(f"/api/v1/labels/{made[label]}")
        error = error_of(refused, 409, "label_in_use")
        assert f"The label “{label}” is used by {named}" in error["message"], error
    assert (await admin.client.delete(f"/api/v1/labels/{made['Unused']}")).status_code == 204
    assert await count_rows(desk.app, Label) == 3
