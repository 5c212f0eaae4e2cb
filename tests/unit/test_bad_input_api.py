"""Bad input at the HTTP boundary gets a clear 4xx in the one error shape, never a 500: bodies
over the size limit (refused as they arrive, and read only once the sender is known), ids past
the id columns, and JSON values of the wrong type."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from frontdesk.config import Settings
from frontdesk.customers.models import Customer
from frontdesk.deps import SessionDep
from frontdesk.kit.body_limit import DRAIN_LIMIT
from frontdesk.macros.models import Macro
from frontdesk.rules.models import Rule
from tests.conftest import POSTGRESQL_ONLY, Agent, Desk
from tests.unit.support import (
    count_rows,
    error_of,
    fields_of,
    new_ticket,
    use_cheap_passwords,
)

BIG_ID = 2**31  # one past the largest id PostgreSQL's INTEGER columns can store
CHUNK = 64 * 1024
MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


class Upload:
    """A body sent chunk by chunk, counting how much of it the server asked for."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read = 0

    async def chunks(self) -> AsyncIterator[bytes]:
        while self.read < self.size:
            self.read += CHUNK
            yield b" " * CHUNK


async def api_paths(http: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    paths: dict[str, dict[str, Any]] = (await http.get("/openapi.json")).json()["paths"]
    return paths


class TestBodyLimits:
    async def test_a_body_announced_over_the_limit_is_refused_and_never_held(
        self, desk: Desk
    ) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        ticket = await new_ticket(ada.client, inbox)
        upload = Upload(200 * MiB)
        response = await ada.client.post(
            f"/api/v1/tickets/{ticket['id']}/notes",
            content=upload.chunks(),
            headers={"Content-Type": "application/json", "Content-Length": str(upload.size)},
        )
        error = error_of(response, 413, "body_too_large")
        assert "at most 1 MiB" in error["message"]
        # Read on only so that the client, still sending, gets to read the 413 (DRAIN_LIMIT),
        # and dropped: of 200 MiB, no more than that.
        assert upload.read <= DRAIN_LIMIT + CHUNK

    async def test_a_body_sent_in_chunks_is_cut_off_at_the_limit(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        ticket = await new_ticket(ada.client, inbox)
        notes = f"/api/v1/tickets/{ticket['id']}/notes"
        upload = Upload(200 * MiB)
        response = await ada.client.post(
            notes, content=upload.chunks(), headers={"Content-Type": "application/json"}
        )
        error_of(response, 413, "body_too_large")
        assert upload.read <= MiB + DRAIN_LIMIT + 2 * CHUNK
        # Under the limit nothing changes: the longest note the desk allows is taken.
        longest = await ada.client.post(notes, json={"text": "é" * 50_000})
        assert longest.status_code == 201, longest.text

    async def test_an_anonymous_body_is_refused_before_it_is_read_on_every_route(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        public = {"/api/v1/auth/login", "/api/v1/auth/login/2fa", "/messenger/v1/visitors"}
        # The messenger's page reports take no visitor token (docs/messenger.md, "Live visitors").
        public.add("/messenger/v1/visits")
        # Takes the inbound token, checked before its raw message is read (tests/mail).
        public.add("/api/v1/inbound/mime")
        checked = 0
        for path, operations in (await api_paths(http)).items():
            for method, operation in operations.items():
                if "requestBody" not in operation or path in public:
                    continue
                upload = Upload(8 * MiB)
                response = await http.request(
                    method,
                    re.sub(r"\{\w+\}", "1", path),
                    content=upload.chunks(),
                    headers={"Content-Type": "application/json"},
                )
                assert response.status_code == 401, (method, path, response.text)
                assert upload.read == 0, (method, path)
                checked += 1
        assert checked > 30
        # Once the sender is known, a large body of unknown size is read as before.
        ada = await desk.agent()
        upload = Upload(512 * 1024)

        async def large_json() -> AsyncIterator[bytes]:
            yield b'{"name": "Ada Lovelace", "preferences": {"x": "'
            async for chunk in upload.chunks():
                yield chunk
            yield b'"}}'

        response = await ada.client.patch(
            "/api/v1/me", content=large_json(), headers={"Content-Type": "application/json"}
        )
        assert upload.read == upload.size
        assert error_of(response, 422, "invalid")["fields"] == [
            {"field": "preferences.x", "code": "invalid", "message": "Unknown preference."}
        ]


class TestBodyLimitSetting:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"max_request_bytes": 128 * 1024})

    async def test_the_limit_is_a_setting(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        ticket = await new_ticket(ada.client, inbox)
        notes = f"/api/v1/tickets/{ticket['id']}/notes"
        error = error_of(await ada.client.post(notes, json={"text": "x" * 200_000}), 413)
        assert "at most 128 KiB" in error["message"]


class TestIds:
    async def test_ids_past_64_bits_in_a_path_are_not_found_on_every_route(
        self, desk: Desk, visitors: Any, http: httpx.AsyncClient
    ) -> None:
        inbox = await desk.inbox()
        admin = await desk.agent(role="admin", inboxes=[inbox])
        visitor = await visitors(inbox)
        checked = 0
        for path, operations in (await api_paths(http)).items():
            if "{" not in path or path.startswith("/api/v1/inbound/mime"):
                continue
            client = visitor.client if path.startswith("/messenger/") else admin.client
            for method, operation in operations.items():
                named = [
                    parameter
                    for parameter in operation.get("parameters", [])
                    if parameter.get("in") == "path"
                    and parameter["schema"].get("type") != "integer"
                ]
                if named:
                    # A name in the path (a report table), not an id.
                    continue
                response = await client.request(
                    method, re.sub(r"\{\w+\}", str(BIG_ID), path), json={}
                )
                error = error_of(response, 404, "not_found")
                assert str(BIG_ID) in error["message"], (method, path)
                checked += 1
        assert checked > 30

    async def test_ids_past_64_bits_in_a_query_or_a_body_are_not_found(
        self, desk: Desk, visitors: Any
    ) -> None:
        inbox = await desk.inbox()
        admin = await desk.agent(role="admin", inboxes=[inbox])
        ticket = await new_ticket(admin.client, inbox)
        customer_id = ticket["customer_id"]
        visitor = await visitors(inbox)
        await admin.client.put("/api/v1/me/availability", json={"available": True})
        chat = await visitor.start_chat()
        await admin.client.post(f"/api/v1/chats/{chat['id']}/join")
        for name in ("inbox_id", "assignee_id", "label_id", "customer_id"):
            response = await admin.client.get("/api/v1/tickets", params={name: BIG_ID})
            error_of(response, 404, "not_found")
        for path in ("/api/v1/tickets/counts", "/api/v1/chats"):
            error_of(await admin.client.get(path, params={"inbox_id": BIG_ID}), 404, "not_found")
        new = {"inbox_id": inbox["id"], "customer": {"id": customer_id}, "subject": "Hi"}
        for method, path, body in [
            ("POST", "/api/v1/tickets", new | {"inbox_id": BIG_ID}),
            ("POST", "/api/v1/tickets", new | {"customer": {"id": BIG_ID}}),
            ("POST", "/api/v1/tickets", new | {"assignee_id": BIG_ID}),
            ("POST", "/api/v1/tickets", new | {"label_ids": [BIG_ID]}),
            ("PATCH", f"/api/v1/tickets/{ticket['id']}", {"assignee_id": BIG_ID}),
            ("PATCH", f"/api/v1/tickets/{ticket['id']}", {"label_ids": [BIG_ID]}),
            ("POST", f"/api/v1/inboxes/{inbox['id']}/members", {"user_id": BIG_ID}),
            ("POST", f"/api/v1/customers/{customer_id}/merge", {"source_id": BIG_ID}),
            ("POST", f"/api/v1/chats/{chat['id']}/invite", {"user_id": BIG_ID}),
            ("POST", f"/api/v1/chats/{chat['id']}/transfer", {"user_id": BIG_ID}),
        ]:
            response = await admin.client.request(method, path, json=body)
            error = error_of(response, 404, "not_found")
            assert str(BIG_ID) in error["message"], (method, path, body)
        read = await admin.client.post(f"/api/v1/chats/{chat['id']}/read", json={"seq": BIG_ID})
        assert fields_of(error_of(read, 422, "invalid")) == {"seq"}

    async def test_numbers_past_64_bits_in_a_search_or_a_cursor_are_harmless(
        self, desk: Desk
    ) -> None:
        inbox = await desk.inbox()
        ada = await desk.agent(inboxes=[inbox])
        await new_ticket(ada.client, inbox, subject="Order 1")
        found = await ada.client.get("/api/v1/tickets", params={"q": "#" + "9" * 30})
        assert found.status_code == 200, found.text
        assert found.json()["items"] == []
        found = await ada.client.get("/api/v1/tickets", params={"q": "²"})
        assert found.status_code == 200, found.text
        for key in ("2026-01-01T00:00:00+00:00", BIG_ID):
            forged = base64.urlsafe_b64encode(json.dumps([key, BIG_ID]).encode()).decode()
            sort = "-updated_at" if isinstance(key, str) else "-number"
            response = await ada.client.get(
                "/api/v1/tickets", params={"cursor": forged, "sort": sort}
            )
            assert fields_of(error_of(response, 422, "invalid")) == {"cursor"}


class TestStrictTypes:
    async def test_false_is_not_zero_and_one_is_not_true(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        admin = await desk.agent(role="admin", inboxes=[inbox])
        ada = await desk.agent(inboxes=[inbox])
        wrong: list[tuple[Agent, str, str, dict[str, object]]] = [
            (admin, "PATCH", "/api/v1/me", {"max_concurrent_chats": False}),
            (admin, "PATCH", "/api/v1/me", {"max_concurrent_chats": "0"}),
            (admin, "PATCH", "/api/v1/me", {"max_concurrent_chats": 2.0}),
            (admin, "PUT", "/api/v1/me/availability", {"available": 1}),
            (admin, "PUT", "/api/v1/me/availability", {"available": "true"}),
            (admin, "PATCH", f"/api/v1/users/{ada.id}", {"is_active": 0}),
            (admin, "PATCH", f"/api/v1/inboxes/{inbox['id']}", {"require_identity": "no"}),
            (admin, "POST", "/api/v1/tickets", {"inbox_id": str(inbox["id"])}),
        ]
        for client, method, path, body in wrong:
            response = await client.client.request(method, path, json=body)
            error = error_of(response, 422, "invalid")
            assert fields_of(error) >= set(body), (path, body, error)
        me = (await admin.client.get("/api/v1/me")).json()
        assert me["max_concurrent_chats"] == 3
        assert me["available_for_chat"] is False
        assert (await admin.client.get(f"/api/v1/users/{ada.id}")).json()["is_active"] is True


def forged_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


class TestDates:
    async def test_a_moment_without_an_offset_is_utc(self, desk: Desk) -> None:
        owner = await desk.agent(role="owner")
        for path, since, until in (
            ("/api/v1/ratings", "since", "until"),
            ("/api/v1/audit-events", "from", "to"),
        ):
            naive = await owner.client.get(
                path, params={since: "2026-01-01", until: "2099-01-01T00:00:00"}
            )
            aware = await owner.client.get(
                path, params={since: "2026-01-01T00:00:00Z", until: "2099-01-01T00:00:00+00:00"}
            )
            assert naive.status_code == 200, naive.text
            assert naive.json() == aware.json()

    async def test_a_moment_past_the_calendar_in_utc_is_refused_naming_its_field(
        self, desk: Desk
    ) -> None:
        inbox = await desk.inbox()
        owner = await desk.agent(role="owner", inboxes=[inbox])
        ticket = await new_ticket(owner.client, inbox)
        early, late = "0001-01-01T00:00:00+14:00", "9999-12-31T20:00:00-05:00"
        wrong: list[tuple[str, str, dict[str, Any], str]] = [
            ("GET", "/api/v1/ratings", {"params": {"since": early}}, "since"),
            ("GET", "/api/v1/ratings", {"params": {"until": late}}, "until"),
            ("GET", "/api/v1/audit-events", {"params": {"from": late}}, "from"),
            ("GET", "/api/v1/audit-events", {"params": {"to": early}}, "to"),
            (
                "GET",
                "/api/v1/reports/tickets",
                {"params": {"since": "9999-12-30", "until": "9999-12-31", "figure": "response"}},
                "until",
            ),
            (
                "PATCH",
                f"/api/v1/tickets/{ticket['id']}",
                {"json": {"state": "snoozed", "snoozed_until": late}},
                "snoozed_until",
            ),
            (
                "GET",
                "/api/v1/reports/volume",
                {
                    "params": {
                        "since": "0001-01-01",
                        "until": "0001-01-02",
                        "time_zone": "America/Los_Angeles",
                    }
                },
                "since",
            ),
            *(
                (
                    "GET",
                    "/api/v1/reports/volume",
                    {"params": {"since": "2026-01-01", "until": "2026-01-02", "time_zone": zone}},
                    "time_zone",
                )
                for zone in ("localtime", "posix/Europe/Paris", "Factory")
            ),
            *(
                (
                    "GET",
                    "/api/v1/tickets",
                    {"params": {"sort": sort, "cursor": forged_cursor([moment, 5])}},
                    "cursor",
                )
                for sort in ("-updated_at", "created_at")
                for moment in (early, late)
            ),
        ]
        for method, path, request, field in wrong:
            response = await owner.client.request(method, path, **request)
            assert fields_of(error_of(response, 422)) == {field}, (path, response.text)
        after = (await owner.client.get(f"/api/v1/tickets/{ticket['id']}")).json()
        assert (after["state"], after["snoozed_until"]) == ("open", None)


class TestNulCharacters:
    """PostgreSQL stores no NUL character (\\u0000) in text or JSON; JSON can carry one. Every
    string of a body, however deep, is checked before anything is stored, and the refusal
    names where it is."""

    async def test_a_nul_anywhere_in_a_body_is_refused_naming_its_field(self, desk: Desk) -> None:
        inbox = await desk.inbox()
        admin = await desk.agent(role="admin", inboxes=[inbox])
        label = (await admin.client.post("/api/v1/labels", json={"name": "vip"})).json()
        rule = {
            "name": "Refunds",
            "when": {"type": "created"},
            "conditions": [{"field": "text", "op": "contains", "value": "re\u0000fund"}],
            "actions": [{"type": "label", "add": [label["id"]]}],
        }
        wrong: list[tuple[str, str, dict[str, Any], str]] = [
            ("POST", "/api/v1/customers", {"attributes": {"plan": "a\u0000b"}}, "attributes.plan"),
            ("POST", "/api/v1/customers", {"attributes": {"pl\u0000an": "pro"}}, "attributes"),
            (
                "POST",
                "/api/v1/customers",
                {"attributes": {"seats": [1, {"deep": ["x", "\u0000"]}]}},
                "attributes.seats.1.deep.1",
            ),
            (
                "PATCH",
                f"/api/v1/inboxes/{inbox['id']}",
                {"messenger_settings": {"greeting": "a\u0000b"}},
                "messenger_settings.greeting",
            ),
            ("POST", "/api/v1/rules", rule, "conditions.0.value"),
            (
                "POST",
                "/api/v1/macros",
                {"name": "Note it", "actions": [{"type": "note", "text": "a\u0000b"}]},
                "actions.0.text",
            ),
            ("POST", "/api/v1/labels", {"name": "v\u0000ip"}, "name"),
        ]
        for method, path, body, field in wrong:
            response = await admin.client.request(method, path, json=body)
            error = error_of(response, 422, "invalid")
            assert error["fields"] == [
                {"field": field, "code": "invalid", "message": error["fields"][0]["message"]}
            ], (path, error)
            assert "NUL" in error["fields"][0]["message"]
        for model in (Customer, Rule, Macro):
            assert await count_rows(desk.app, model) == 0, model
        got = (await admin.client.get(f"/api/v1/inboxes/{inbox['id']}")).json()
        assert "greeting" not in got["messenger_settings"]

    @POSTGRESQL_ONLY
    async def test_what_the_database_refuses_elsewhere_is_a_422_naming_the_parameter(
        self, desk: Desk
    ) -> None:
        agent = await desk.agent()
        response = await agent.client.get("/api/v1/saved-replies", params={"q": "a\u0000b"})
        error = error_of(response, 422, "invalid")
        assert fields_of(error) == {"q"}
        assert "NUL" in error["message"]

    @POSTGRESQL_ONLY
    async def test_a_nul_refused_in_json_by_the_database_is_a_422_not_a_500(
        self, app: FastAPI, http: httpx.AsyncClient
    ) -> None:
        """SQLSTATE 22P05, "unsupported Unicode escape sequence": the net under the check of
        bodies, for whatever reaches a JSON column another way."""

        async def store(session: SessionDep) -> None:
            await session.execute(text("SELECT CAST(:doc AS jsonb)"), {"doc": '{"a": "\\u0000"}'})

        app.add_api_route("/api/v1/test-only/json", store, methods=["POST"])
        error = error_of(await http.post("/api/v1/test-only/json"), 422, "invalid")
        assert fields_of(error) == {"body"}
        assert "NUL" in error["message"]


class TestUnreadableBodies:
    """A body that cannot be read as JSON is a 400 that says why, and a body of another type a
    415, never a 422 about the first character or about a "dictionary"."""

    async def test_malformed_json_is_a_400_saying_where(self, desk: Desk) -> None:
        ada = await desk.agent()
        response = await ada.client.post(
            "/api/v1/labels", content=b"{x", headers={"Content-Type": "application/json"}
        )
        error = error_of(response, 400, "invalid_json")
        assert "fields" not in error
        assert "not valid JSON" in error["message"]
        assert "line 1 column 2" in error["message"]

    async def test_a_body_not_in_utf8_is_a_400_saying_so(self, desk: Desk) -> None:
        ada = await desk.agent()
        response = await ada.client.post(
            "/api/v1/labels",
            content='{"name": "Été"}'.encode("latin-1"),
            headers={"Content-Type": "application/json"},
        )
        error = error_of(response, 400, "invalid_json")
        assert "UTF-8" in error["message"]

    @pytest.mark.parametrize(
        "content_type", ["text/plain", "application/x-www-form-urlencoded", None]
    )
    async def test_a_body_of_another_type_is_a_415(
        self, desk: Desk, content_type: str | None
    ) -> None:
        ada = await desk.agent(role="admin")
        headers = {"Content-Type": content_type} if content_type else {}
        response = await ada.client.post(
            "/api/v1/labels", content=b'{"name": "vip"}', headers=headers
        )
        error = error_of(response, 415, "unsupported_media_type")
        assert "Content-Type: application/json" in error["message"]
        # The same body, declared as JSON, is taken.
        taken = await ada.client.post(
            "/api/v1/labels",
            content=b'{"name": "vip"}',
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        assert taken.status_code == 201, taken.text
