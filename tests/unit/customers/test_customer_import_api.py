"""Importing customers from a CSV file (`POST /customers/import`): the preview writes nothing,
the import creates and fills in as the rules say (docs/desk.md, "Importing customers"), in short
batches, once whatever the number of runs; a file it cannot read is a 4xx that says what to fix,
with nothing written. SQLite alone but the tests that send the import's own reads and locks,
on both stores (docs/architecture.md, "Which store a test runs on")."""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit.models import AuditEvent
from frontdesk.customers import import_api, importing
from frontdesk.customers.models import Customer, CustomerContact
from frontdesk.db.session import unit_of_work
from frontdesk.privacy.models import Erasure, ErasureKind
from tests.conftest import BOTH_STORES, SQLITE_ONLY, Agent, Desk
from tests.unit.support import count_rows, error_of, use_cheap_passwords
from tests.unit.test_bad_input_api import Upload

pytestmark = SQLITE_ONLY

CSV = {"Content-Type": "text/csv"}


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


async def send(
    client: httpx.AsyncClient, data: bytes | str, *, dry_run: bool, **headers: str
) -> httpx.Response:
    body = data.encode() if isinstance(data, str) else data
    return await client.post(
        f"/api/v1/customers/import?dry_run={'true' if dry_run else 'false'}",
        content=body,
        headers={**CSV, **headers},
    )


async def imported(agent: Agent, data: bytes | str, *, dry_run: bool = False) -> dict[str, Any]:
    response = await send(agent.client, data, dry_run=dry_run)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def counts(answer: dict[str, Any]) -> dict[str, int]:
    return {key: answer[key] for key in ("rows", "created", "updated", "skipped", "errors")}


async def customer(agent: Agent, email: str) -> dict[str, Any]:
    found = (await agent.client.get("/api/v1/customers", params={"email": email})).json()
    assert len(found["items"]) == 1, found
    person: dict[str, Any] = found["items"][0]
    return person


async def new_customer(agent: Agent, **body: Any) -> dict[str, Any]:
    response = await agent.client.post("/api/v1/customers", json=body)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


# Semicolons, a byte order mark, the spellings a spreadsheet of another help desk uses.
SHEET = codecs.BOM_UTF8 + (
    b"Full name;E-mail;Phone number;Company\r\n"
    b"Jane Doe;Jane@Example.org;+33 6 12 34 56 78;Acme\r\n"
    b"Alan Turing;alan@example.org;;Bletchley\r\n"
    b";;;\r\n"
    b"Bob;bob@;;\r\n"
)


class TestPreviewAndImport:
    @BOTH_STORES
    async def test_the_preview_writes_nothing_and_the_import_does_what_it_said(
        self, desk: Desk
    ) -> None:
        admin = await desk.agent(role="admin")
        preview = await imported(admin, SHEET, dry_run=True)
        assert preview["dry_run"] is True
        assert preview["delimiter"] == ";"
        assert preview["columns"] == {
            "email": "E-mail",
            "name": "Full name",
            "first_name": None,
            "last_name": None,
            "phone": "Phone number",
            "ignored": ["Company"],
        }
        assert counts(preview) == {
            "rows": 3,
            "created": 2,
            "updated": 0,
            "skipped": 0,
            "errors": 1,
        }
        # Row numbers as the spreadsheet shows them: the column names are row 1, the blank
        # row 4 is counted.
        assert preview["problems"] == [
            {
                "row": 5,
                "outcome": "error",
                "code": "email_invalid",
                "message": "Row 5: 'bob@' is not an email address.",
            }
        ]
        first = preview["first_rows"]
        assert [(row["row"], row["outcome"]) for row in first] == [
            (2, "create"),
            (3, "create"),
            (5, "error"),
        ]
        assert first[0]["name"] == "Jane Doe"
        assert first[0]["email"] == "Jane@Example.org"
        assert await count_rows(desk.app, Customer) == 0

        done = await imported(admin, SHEET)
        assert done["dry_run"] is False
        assert counts(done) == counts(preview)
        assert done["problems"] == preview["problems"]
        jane = await customer(admin, "jane@example.org")
        assert jane["name"] == "Jane Doe"
        assert jane["emails"] == ["jane@example.org"]
        assert jane["phones"] == ["+33612345678"]
        assert jane["verified"] is True
        alan = await customer(admin, "alan@example.org")
        assert alan["phones"] == []
        assert await count_rows(desk.app, Customer) == 2

    async def test_the_same_file_twice_creates_nothing_the_second_time(self, desk: Desk) -> None:
        owner = await desk.agent(role="owner")
        await imported(owner, SHEET)
        again = await imported(owner, SHEET)
        assert counts(again) == {
            "rows": 3,
            "created": 0,
            "updated": 0,
            "skipped": 2,
            "errors": 1,
        }
        # Up to date is no problem to list.
        assert [problem["code"] for problem in again["problems"]] == ["email_invalid"]
        assert await count_rows(desk.app, Customer) == 2

    async def test_commas_french_headers_and_first_and_last_names(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        sheet = (
            "Prénom,Nom,Courriel,Téléphone\n"
            "Marie,Curie,marie@example.fr,01 23 45 67 89\n"
            '"Pierre, dit ""P.""",Curie,pierre@example.fr,\n'
        )
        answer = await imported(admin, sheet)
        assert answer["delimiter"] == ","
        assert answer["columns"]["first_name"] == "Prénom"
        assert answer["columns"]["last_name"] == "Nom"
        assert answer["columns"]["email"] == "Courriel"
        assert answer["created"] == 2
        assert (await customer(admin, "marie@example.fr"))["name"] == "Marie Curie"
        assert (await customer(admin, "marie@example.fr"))["phones"] == ["0123456789"]
        assert (await customer(admin, "pierre@example.fr"))["name"] == 'Pierre, dit "P." Curie'

    async def test_new_customers_join_the_organisation_of_their_domain(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        acme = await admin.client.post(
            "/api/v1/organisations", json={"name": "Acme", "domains": ["acme.example"]}
        )
        assert acme.status_code == 201, acme.text
        answer = await imported(
            admin, "Name,Email\nWile,wile@acme.example\nRoad,road@runner.example\n"
        )
        assert answer["created"] == 2
        assert (await customer(admin, "wile@acme.example"))["organisation"] == {
            "id": acme.json()["id"],
            "name": "Acme",
        }
        assert (await customer(admin, "road@runner.example"))["organisation"] is None

    # Both stores: its read of the audit entry's JSON is a statement no other test sends
    # to PostgreSQL (bench/store_shapes.py).
    @BOTH_STORES
    async def test_one_audit_entry_with_the_counts_and_no_personal_data(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        await imported(admin, SHEET, dry_run=True)
        await imported(admin, SHEET)
        async with desk.app.state.sessionmaker() as session:
            entries = (
                await session.scalars(
                    select(AuditEvent).where(AuditEvent.action == "customers.imported")
                )
            ).all()
        assert len(entries) == 1
        assert entries[0].actor_id == admin.id
        assert entries[0].changes == {
            "rows": 3,
            "created": 2,
            "updated": 0,
            "skipped": 0,
            "errors": 1,
        }

    async def test_only_owners_and_admins_import(self, desk: Desk) -> None:
        agent = await desk.agent()
        error_of(await send(agent.client, SHEET, dry_run=True), 403, "forbidden")
        assert await count_rows(desk.app, Customer) == 0


class TestRules:
    @BOTH_STORES
    async def test_an_existing_customer_is_filled_in_never_overwritten(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        await new_customer(admin, name="", emails=["nameless@example.org"])
        await new_customer(admin, name="Typed By Agent", emails=["typed@example.org"])
        await new_customer(
            admin, name="Complete", emails=["complete@example.org"], phones=["+1 555 0100"]
        )
        sheet = (
            "Name,Email,Phone\n"
            "From File,NAMELESS@example.org,+1 555 0101\n"
            "Other Name,typed@example.org,+1 555 0102\n"
            "Other Name,complete@example.org,+1 555 0103\n"
        )
        preview = await imported(admin, sheet, dry_run=True)
        assert counts(preview) == {
            "rows": 3,
            "created": 0,
            "updated": 2,
            "skipped": 1,
            "errors": 0,
        }
        assert [(row["outcome"], row["filled"]) for row in preview["first_rows"]] == [
            ("update", ["name", "phone"]),
            ("update", ["phone"]),
            ("skip", []),
        ]
        assert counts(await imported(admin, sheet)) == counts(preview)
        nameless = await customer(admin, "nameless@example.org")
        assert (nameless["name"], nameless["phones"]) == ("From File", ["+15550101"])
        typed = await customer(admin, "typed@example.org")
        assert (typed["name"], typed["phones"]) == ("Typed By Agent", ["+15550102"])
        complete = await customer(admin, "complete@example.org")
        assert (complete["name"], complete["phones"]) == ("Complete", ["+15550100"])

    @BOTH_STORES
    async def test_rows_that_cannot_be_imported_say_why(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        await new_customer(admin, name="Has A Phone", emails=["owner@example.org"], phones=["0100"])
        sheet = (
            "name,email,phone\n"
            "No Address,,+1 555 0199\n"
            "Too Long," + "x" * 10 + "@example.org," + "\n"
            ",,\n"
            "Bad Phone,badphone@example.org,call me\n"
            "Taken Phone,taken@example.org,0100\n"
            "Jane,jane@example.org,0200\n"
            "Jane Again,JANE@example.org,\n"
            "Shared Phone,shared@example.org,0200\n"
        ) + ("N" * 201 + ",long@example.org,\n")
        answer = await imported(admin, sheet)
        problems = {problem["row"]: problem for problem in answer["problems"]}
        assert problems[2]["code"] == "email_missing"
        assert problems[2]["message"].startswith("Row 2: no email address")
        assert "identified by their address" in problems[2]["message"]
        assert problems[5] == {
            "row": 5,
            "outcome": "error",
            "code": "phone_invalid",
            "message": "Row 5: 'call me' is not a phone number (3 to 40 of digits, spaces and "
            "+ ( ) - .).",
        }
        assert problems[6]["code"] == "phone_taken"
        assert "already belongs to another customer" in problems[6]["message"]
        assert problems[8] == {
            "row": 8,
            "outcome": "skip",
            "code": "duplicate",
            "message": "Row 8: jane@example.org is also on row 7, which is the one imported.",
        }
        assert problems[9]["code"] == "phone_taken"
        assert problems[9]["message"] == (
            "Row 9: the phone 0200 is also on row 7, for another address."
        )
        assert problems[10]["code"] == "name_too_long"
        assert set(problems) == {2, 5, 6, 8, 9, 10}
        assert counts(answer) == {
            "rows": 8,
            "created": 2,
            "updated": 0,
            "skipped": 1,
            "errors": 5,
        }
        assert (await customer(admin, "jane@example.org"))["name"] == "Jane"

    @BOTH_STORES
    async def test_blocked_senders_and_customers_being_erased_are_skipped(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        blocked = await admin.client.post(
            "/api/v1/blocked-senders", json={"pattern": "@spam.example"}
        )
        assert blocked.status_code == 201, blocked.text
        leaving = await new_customer(admin, name="", emails=["leaving@example.org"])
        async with unit_of_work(desk.app.state.sessionmaker) as session:
            session.add(
                Erasure(
                    kind=ErasureKind.customer,
                    customer_id=leaving["id"],
                    progress={"step": "entries", "emails": ["gone@example.org"]},
                )
            )
        sheet = (
            "email,name\n"
            "promo@news.spam.example,Promo\n"
            "leaving@example.org,Leaving\n"
            "gone@example.org,Gone\n"
            "fine@example.org,Fine\n"
        )
        answer = await imported(admin, sheet)
        assert [(p["row"], p["outcome"], p["code"]) for p in answer["problems"]] == [
            (2, "skip", "blocked_sender"),
            (3, "skip", "being_erased"),
            (4, "skip", "being_erased"),
        ]
        assert "blocked sender" in answer["problems"][0]["message"]
        assert "is being erased" in answer["problems"][1]["message"]
        assert (answer["created"], answer["skipped"]) == (1, 3)
        assert (await customer(admin, "leaving@example.org"))["name"] == ""
        assert await count_rows(desk.app, Customer) == 2


class TestBatches:
    @BOTH_STORES
    async def test_each_batch_is_a_transaction_and_rules_hold_across_them(
        self, desk: Desk, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        admin = await desk.agent(role="admin")
        monkeypatch.setattr(importing, "BATCH", 2)
        opened: list[AsyncSession] = []
        real = unit_of_work

        @asynccontextmanager
        async def counted(sessionmaker: Any) -> AsyncIterator[AsyncSession]:
            async with real(sessionmaker) as session:
                opened.append(session)
                yield session

        monkeypatch.setattr(import_api, "unit_of_work", counted)
        sheet = "email,phone\n" + "".join(f"p{i}@example.org,{i:04d}\n" for i in range(5))
        # Rows 7 and 8: the address of row 2 and the phone of row 3, two batches later.
        sheet += "p0@example.org,\nlate@example.org,0001\n"
        answer = await imported(admin, sheet)
        assert counts(answer) == {
            "rows": 7,
            "created": 5,
            "updated": 0,
            "skipped": 1,
            "errors": 1,
        }
        assert [(p["row"], p["code"]) for p in answer["problems"]] == [
            (7, "duplicate"),
            (8, "phone_taken"),
        ]
        # Four batches of two rows, then the audit entry's.
        assert len(opened) == 5


class TestBadFiles:
    @pytest.mark.parametrize(
        ("body", "status", "says"),
        [
            (b"PK\x03\x04\x14\x00\x06\x00", 422, "Excel workbook (.xlsx)"),
            (b"email\nada@example.org\x00\x01\x02\n", 422, "binary data"),
            ("email,name\nzoé@example.org,Zoé\n".encode("latin-1"), 422, "not UTF-8"),
            (codecs.BOM_UTF16_LE + "email\n".encode("utf-16-le"), 422, "UTF-16"),
            (b"Name,Phone\nAda,0100\n", 422, '"Email"'),
            (b"ada@example.org,Ada\n", 422, "first row that names the columns"),
            (b"", 422, "The file is empty"),
            (b" \n\n", 422, "The file is empty"),
            (b"email,name\n", 422, "no customers"),
            (b"email\n" + b"x@example.org\n" * 10_001, 422, "more than 10,000"),
            (b"email\n" + b"x" * (importing.MAX_BYTES), 413, "larger than 5 MB"),
        ],
    )
    async def test_a_file_that_cannot_be_imported_says_what_to_fix(
        self, desk: Desk, body: bytes, status: int, says: str
    ) -> None:
        admin = await desk.agent(role="admin")
        for dry_run in (True, False):
            response = await send(admin.client, body, dry_run=dry_run)
            error = error_of(response, status)
            assert says in error["message"], error
        assert await count_rows(desk.app, Customer) == 0
        assert await count_rows(desk.app, CustomerContact) == 0

    async def test_a_form_upload_is_refused_with_what_to_send(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        response = await admin.client.post(
            "/api/v1/customers/import?dry_run=true",
            files={"file": ("customers.csv", b"email\nada@example.org\n", "text/csv")},
        )
        error = error_of(response, 415, "unsupported_media_type")
        assert "Content-Type: text/csv" in error["message"]

    async def test_a_body_sent_in_chunks_is_counted_as_it_arrives(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")

        async def chunks() -> AsyncIterator[bytes]:
            yield b"email\n"
            for _ in range(6):
                yield b"x" * (1024 * 1024)

        response = await admin.client.post(
            "/api/v1/customers/import?dry_run=false", content=chunks(), headers=CSV
        )
        error_of(response, 413, "import_too_large")

    async def test_an_anonymous_file_is_refused_before_it_is_read(
        self, http: httpx.AsyncClient
    ) -> None:
        upload = Upload(8 * 1024 * 1024)
        response = await http.post(
            "/api/v1/customers/import?dry_run=true", content=upload.chunks(), headers=CSV
        )
        error_of(response, 401, "not_authenticated")
        assert upload.read == 0

    async def test_dry_run_is_required(self, desk: Desk, app: FastAPI) -> None:
        admin = await desk.agent(role="admin")
        response = await admin.client.post(
            "/api/v1/customers/import", content=b"email\nada@example.org\n", headers=CSV
        )
        error_of(response, 422, "invalid")
        assert await count_rows(app, Customer) == 0


class TestRetry:
    async def test_a_retry_with_its_idempotency_key_gets_the_first_answer(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        first = await send(admin.client, SHEET, dry_run=False, **{"Idempotency-Key": "import-1"})
        again = await send(admin.client, SHEET, dry_run=False, **{"Idempotency-Key": "import-1"})
        assert first.status_code == again.status_code == 200, again.text
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == first.json()
        assert first.json()["created"] == 2
        assert await count_rows(desk.app, Customer) == 2
