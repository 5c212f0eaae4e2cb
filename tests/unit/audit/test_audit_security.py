"""The audit log records sign-ins, accounts and tokens with who, when and from where."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.audit.models import AuditEvent
from tests.conftest import BOTH_STORES, PASSWORD, SQLITE_ONLY, Desk
from tests.unit.audit.support import entries, only
from tests.unit.support import count_rows, error_of, use_cheap_passwords

pytestmark = SQLITE_ONLY

BROWSER = "Mozilla/5.0 (audit test)"


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_passwords(monkeypatch)


def client(app: FastAPI, ip: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(ip, 4321)),
        base_url="http://desk.test",
        headers={"User-Agent": BROWSER, "X-Request-ID": "req-42"},
    )


@BOTH_STORES
async def test_sign_in_success_and_failure_are_recorded_with_the_address(
    app: FastAPI, desk: Desk
) -> None:
    owner = await desk.agent(role="owner")
    ada = await desk.user(name="Ada")
    async with client(app, "203.0.113.9") as browser:
        wrong = await browser.post(
            "/api/v1/auth/login", json={"email": ada["email"], "password": "not the password"}
        )
        error_of(wrong, 401, "bad_credentials")
        unknown = await browser.post(
            "/api/v1/auth/login", json={"email": "nobody@staff.test", "password": "whatever1234"}
        )
        error_of(unknown, 401, "bad_credentials")
        right = await browser.post(
            "/api/v1/auth/login", json={"email": ada["email"], "password": PASSWORD}
        )
        assert right.status_code == 200, right.text
        browser.headers["X-CSRF-Token"] = right.json()["csrf_token"]
        assert (await browser.post("/api/v1/auth/logout")).status_code == 204

    failures = await entries(owner, action="auth.login_failed")
    assert [(f["target_label"], f["changes"]) for f in failures] == [
        ("nobody@staff.test", {"reason": "unknown_account"}),
        (ada["email"], {"reason": "wrong_password"}),
    ]
    assert {(f["actor_kind"], f["actor_id"], f["ip"]) for f in failures} == {
        ("anonymous", None, "203.0.113.9")
    }
    assert failures[1]["target_id"] == ada["id"]
    login = await only(owner, "auth.login", actor_id=ada["id"])
    assert login["actor_kind"] == "user"
    assert login["actor_label"] == ada["email"]
    assert login["ip"] == "203.0.113.9"
    assert login["user_agent"] == BROWSER
    assert login["request_id"] == "req-42"
    assert login["target_type"] == "user"
    assert login["target_id"] == ada["id"]
    logout = await only(owner, "auth.logout")
    assert (logout["actor_id"], logout["ip"]) == (ada["id"], "203.0.113.9")


async def test_a_throttled_sign_in_is_recorded(app: FastAPI, desk: Desk) -> None:
    owner = await desk.agent(role="owner")
    ada = await desk.user()
    async with client(app, "198.51.100.7") as browser:
        for _ in range(app.state.settings.login_max_failures_per_account):
            await browser.post(
                "/api/v1/auth/login", json={"email": ada["email"], "password": "wrong-wrong"}
            )
        refused = await browser.post(
            "/api/v1/auth/login", json={"email": ada["email"], "password": PASSWORD}
        )
        error_of(refused, 429)
    throttled = await only(owner, "auth.login_throttled")
    assert throttled["target_label"] == ada["email"]
    assert throttled["ip"] == "198.51.100.7"
    assert throttled["changes"] == {"limit": "account"}


async def test_a_role_change_records_before_and_after_and_who(desk: Desk) -> None:
    owner = await desk.agent(role="owner")
    ada = await desk.user(name="Ada")
    changed = await owner.client.patch(f"/api/v1/users/{ada['id']}", json={"role": "admin"})
    assert changed.status_code == 200, changed.text
    entry = await only(owner, "user.role_changed")
    assert entry["changes"] == {"role": ["agent", "admin"]}
    assert (entry["actor_kind"], entry["actor_id"]) == ("user", owner.id)
    assert entry["actor_label"] == owner.user["email"]
    assert (entry["target_type"], entry["target_id"]) == ("user", ada["id"])
    assert entry["target_label"] == ada["email"]
    assert entry["ip"] == "127.0.0.1"

    await owner.client.patch(f"/api/v1/users/{ada['id']}", json={"is_active": False})
    gone = await only(owner, "user.deactivated")
    assert gone["changes"] == {"is_active": [True, False]}


async def test_a_new_user_and_a_password_change_never_show_the_password(desk: Desk) -> None:
    owner = await desk.agent(role="owner")
    made = await owner.client.post(
        "/api/v1/users",
        json={"email": "bo@example.com", "name": "Bo", "password": "a long password 1"},
    )
    assert made.status_code == 201, made.text
    created = await only(owner, "user.created", actor_id=owner.id)
    assert created["target_id"] == made.json()["id"]
    assert created["changes"]["email"] == [None, "bo@example.com"]
    assert created["changes"]["role"] == [None, "agent"]
    assert created["actor_id"] == owner.id
    renamed = await owner.client.patch(
        f"/api/v1/users/{made.json()['id']}",
        json={"name": "Bo B.", "password": "another long one 2"},
    )
    assert renamed.status_code == 200, renamed.text
    assert (await only(owner, "user.updated"))["changes"] == {"name": ["Bo", "Bo B."]}
    changed = await only(owner, "user.password_changed")
    assert changed["changes"] == {}
    assert changed["target_id"] == made.json()["id"]
    everything = (await owner.client.get("/api/v1/audit-events.csv")).text
    assert "long password" not in everything
    assert "long one" not in everything
    assert "argon2" not in everything


async def test_api_tokens_created_used_and_revoked(desk: Desk, app: FastAPI) -> None:
    owner = await desk.agent(role="owner")
    made = await owner.client.post("/api/v1/me/tokens", json={"name": "Backup script"})
    assert made.status_code == 201, made.text
    token = made.json()
    created = await only(owner, "token.created")
    assert (created["target_type"], created["target_id"]) == ("token", token["id"])
    assert created["target_label"] == "Backup script"
    assert token["token"] not in str(created)

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://desk.test",
        headers={"Authorization": f"Bearer {token['token']}"},
    ) as script:
        revoked = await script.delete(f"/api/v1/me/tokens/{token['id']}")
        assert revoked.status_code == 204, revoked.text
    entry = await only(owner, "token.revoked")
    assert (entry["actor_kind"], entry["actor_id"]) == ("api_token", owner.id)
    assert entry["target_label"] == "Backup script"


async def test_a_change_that_fails_leaves_no_entry(desk: Desk, app: FastAPI) -> None:
    owner = await desk.agent(role="owner")
    ada = await desk.user(name="Ada")
    bo = await owner.client.post(
        "/api/v1/users",
        json={"email": "bo@example.com", "name": "Bo", "password": "a long password 1"},
    )
    assert bo.status_code == 201, bo.text
    before = await count_rows(app, AuditEvent)
    # The name is changed first, then the email is found taken: the whole change rolls back.
    refused = await owner.client.patch(
        f"/api/v1/users/{ada['id']}", json={"name": "Ada Lovelace", "email": "bo@example.com"}
    )
    error_of(refused, 409, "email_taken")
    assert await count_rows(app, AuditEvent) == before
    assert (await owner.client.get(f"/api/v1/users/{ada['id']}")).json()["name"] == "Ada"
