"""Two-factor authentication through the HTTP boundary, on SQLite and PostgreSQL: setting it up,
the login's second step, replayed and recovery codes, throttling, the owner's rule per role, an
owner's reset, turning it off."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from frontdesk.db.session import unit_of_work
from frontdesk.users import service as users_service
from frontdesk.users import totp, two_factor
from frontdesk.users.sessions import login_policy
from tests.clock import FrozenClock
from tests.conftest import BOTH_STORES, PASSWORD, SQLITE_ONLY, Agent, Desk
from tests.unit.support import error_of, fields_of

pytestmark = SQLITE_ONLY

NOW = datetime(2026, 12, 2, 9, 0, 10, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    return FrozenClock(monkeypatch, NOW)


async def enrol(agent: Agent, clock: FrozenClock) -> tuple[str, list[str]]:
    setup = await agent.client.post("/api/v1/me/two-factor/setup")
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    confirmed = await agent.client.post(
        "/api/v1/me/two-factor/confirm",
        json={"code": totp.code_at(secret, clock.now), "password": PASSWORD},
    )
    assert confirmed.status_code == 200, confirmed.text
    codes: list[str] = confirmed.json()["recovery_codes"]
    return secret, codes


def next_code(secret: str, clock: FrozenClock) -> str:
    """The code of the next 30-second step (the current one was used)."""
    clock.advance(seconds=30)
    return totp.code_at(secret, clock.now)


async def password_step(client: httpx.AsyncClient, user: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def second_step(client: httpx.AsyncClient, challenge: str, code: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login/2fa", json={"challenge": challenge, "code": code})


async def test_setting_it_up_shows_a_qr_code_and_the_secret_and_needs_a_code(
    desk: Desk, clock: FrozenClock
) -> None:
    agent = await desk.agent()
    setup = (await agent.client.post("/api/v1/me/two-factor/setup")).json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/frontdesk:")
    assert f"secret={setup['secret']}" in setup["otpauth_uri"]
    assert setup["qr_svg"].startswith("data:image/svg+xml")
    assert setup["password_required"] is True
    wrong = await agent.client.post(
        "/api/v1/me/two-factor/confirm", json={"code": "000000", "password": PASSWORD}
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["fields"][0]["field"] == "code"
    assert (await agent.client.get("/api/v1/me/two-factor")).json()["enabled"] is False

    right = await agent.client.post(
        "/api/v1/me/two-factor/confirm",
        json={"code": totp.code_at(setup["secret"], clock.now), "password": PASSWORD},
    )
    assert right.status_code == 200
    codes = right.json()["recovery_codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    state = (await agent.client.get("/api/v1/me/two-factor")).json()
    assert state["enabled"] is True
    assert state["recovery_codes_left"] == 10
    assert (await agent.client.get("/api/v1/me")).json()["two_factor_enabled"] is True
    again = await agent.client.post("/api/v1/me/two-factor/setup")
    assert again.status_code == 409


async def test_the_seed_is_stored_sealed_not_as_the_app_shows_it(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    agent = await desk.agent()
    secret, _codes = await enrol(agent, clock)
    async with unit_of_work(app.state.sessionmaker) as session:
        user = await users_service.get_user(session, user_id=agent.id)
        assert user.totp_secret
        assert secret not in user.totp_secret


async def test_login_with_two_factor_answers_a_challenge_then_a_session_for_a_code(
    http: httpx.AsyncClient, desk: Desk, clock: FrozenClock
) -> None:
    agent = await desk.agent()
    secret, _codes = await enrol(agent, clock)
    response = await http.post(
        "/api/v1/auth/login", json={"email": agent.user["email"], "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["two_factor_required"] is True
    assert body["challenge"]
    assert "frontdesk_session" not in response.headers.get("set-cookie", "")
    assert (await http.get("/api/v1/me")).status_code == 401

    signed_in = await second_step(http, body["challenge"], next_code(secret, clock))
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["email"] == agent.user["email"]
    assert signed_in.json()["recovery_codes_left"] is None
    assert (await http.get("/api/v1/me")).json()["id"] == agent.id
    # The challenge is spent.
    again = await second_step(http, body["challenge"], next_code(secret, clock))
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "challenge_expired"


async def test_a_code_is_taken_once(
    desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    agent = await desk.agent()
    secret, _codes = await enrol(agent, clock)
    code = next_code(secret, clock)
    first = await password_step(http, agent.user)
    assert (await second_step(http, first["challenge"], code)).status_code == 200

    other = httpx.AsyncClient(transport=http._transport, base_url="http://desk.test")
    async with other:
        challenge = (await password_step(other, agent.user))["challenge"]
        replayed = await second_step(other, challenge, code)
        assert replayed.status_code == 401
        assert replayed.json()["error"]["code"] == "bad_code"
        # Nor the code of that step once the next has begun, though one step of drift would
        # otherwise take it; the new step's code works.
        clock.advance(seconds=30)
        assert (await second_step(other, challenge, code)).status_code == 401
        current = totp.code_at(secret, clock.now)
        assert (await second_step(other, challenge, current)).status_code == 200


@BOTH_STORES
async def test_a_recovery_code_works_once_and_says_how_many_are_left(
    desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    agent = await desk.agent()
    _secret, codes = await enrol(agent, clock)
    challenge = (await password_step(http, agent.user))["challenge"]
    used = await second_step(http, challenge, codes[3].upper().replace("-", " "))
    assert used.status_code == 200, used.text
    assert used.json()["recovery_codes_left"] == 9

    challenge = (await password_step(http, agent.user))["challenge"]
    again = await second_step(http, challenge, codes[3])
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "bad_code"


async def test_wrong_codes_are_throttled_and_a_right_password_does_not_reset_the_count(
    desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    agent = await desk.agent()
    secret, _codes = await enrol(agent, clock)
    challenge = (await password_step(http, agent.user))["challenge"]
    for guess in range(5):
        wrong = await second_step(http, challenge, f"{guess:06d}")
        assert wrong.status_code == 401, wrong.text
    challenge = (await password_step(http, agent.user))["challenge"]
    throttled = await second_step(http, challenge, next_code(secret, clock))
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0

    clock.advance(minutes=16)
    challenge = (await password_step(http, agent.user))["challenge"]
    assert (await second_step(http, challenge, next_code(secret, clock))).status_code == 200


async def test_wrong_codes_from_elsewhere_do_not_lock_out_a_browser_that_signed_in_before(
    app: FastAPI, desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    """Someone who learnt the password cannot keep its owner from finishing their own login."""
    agent = await desk.agent()
    secret, _codes = await enrol(agent, clock)
    challenge = (await password_step(http, agent.user))["challenge"]
    assert (await second_step(http, challenge, next_code(secret, clock))).status_code == 200

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as thief:
        stolen = (await password_step(thief, agent.user))["challenge"]
        for guess in range(5):
            assert (await second_step(thief, stolen, f"{guess:06d}")).status_code == 401
        stolen = (await password_step(thief, agent.user))["challenge"]
        assert (await second_step(thief, stolen, next_code(secret, clock))).status_code == 429

    challenge = (await password_step(http, agent.user))["challenge"]
    signed_in = await second_step(http, challenge, next_code(secret, clock))
    assert signed_in.status_code == 200, signed_in.text


async def test_an_unknown_or_expired_challenge_is_refused(
    desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    agent = await desk.agent()
    secret, _codes = await enrol(agent, clock)
    unknown = await second_step(http, "c_" + secrets.token_urlsafe(32), next_code(secret, clock))
    assert unknown.status_code == 401
    assert unknown.json()["error"]["code"] == "challenge_expired"

    challenge = (await password_step(http, agent.user))["challenge"]
    clock.advance(minutes=5, seconds=1)
    expired = await second_step(http, challenge, totp.code_at(secret, clock.now))
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "challenge_expired"


async def test_a_role_that_must_use_it_can_only_set_it_up_until_it_does(
    desk: Desk, clock: FrozenClock
) -> None:
    owner = await desk.agent(role="owner")
    agent = await desk.agent()
    token = (await agent.client.post("/api/v1/me/tokens", json={"name": "script"})).json()["token"]
    policy = await owner.client.put("/api/v1/security", json={"two_factor_roles": ["agent"]})
    assert policy.status_code == 200
    assert policy.json() == {"two_factor_roles": ["agent"]}

    refused = await agent.client.get("/api/v1/inboxes")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "two_factor_required"
    assert "two-factor" in refused.json()["error"]["message"]
    assert (await agent.client.patch("/api/v1/me", json={"name": "X"})).status_code == 403
    me = (await agent.client.get("/api/v1/me")).json()
    assert me["two_factor_setup_required"] is True
    async with httpx.AsyncClient(
        transport=agent.client._transport, base_url="http://desk.test"
    ) as script:
        by_token = await script.get("/api/v1/inboxes", headers={"Authorization": f"Bearer {token}"})
        assert by_token.status_code == 403
        assert by_token.json()["error"]["code"] == "two_factor_required"
        # The owner's own role is not required: nothing changes for them.
        assert (await owner.client.get("/api/v1/inboxes")).status_code == 200

        await enrol(agent, clock)
        assert (await agent.client.get("/api/v1/inboxes")).status_code == 200
        assert (await agent.client.get("/api/v1/me")).json()["two_factor_setup_required"] is False
        by_token = await script.get("/api/v1/inboxes", headers={"Authorization": f"Bearer {token}"})
        assert by_token.status_code == 200


async def test_turning_it_on_needs_the_password_not_only_a_session(
    desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    """A session left open (or stolen) must not lock its user out with someone else's phone."""
    agent = await desk.agent()
    secret = (await agent.client.post("/api/v1/me/two-factor/setup")).json()["secret"]
    url = "/api/v1/me/two-factor/confirm"
    code = totp.code_at(secret, clock.now)
    missing = await agent.client.post(url, json={"code": code})
    assert error_of(missing, 422)["fields"][0] | {"message": ""} == {
        "field": "password",
        "code": "required",
        "message": "",
    }
    wrong = await agent.client.post(url, json={"code": code, "password": "not my password"})
    assert fields_of(error_of(wrong, 422)) == {"password"}
    assert (await agent.client.get("/api/v1/me/two-factor")).json()["enabled"] is False
    assert "csrf_token" in await password_step(http, agent.user)  # still a plain login
    # Wrong passwords count like wrong codes: guessing is throttled.
    for _ in range(4):
        await agent.client.post(url, json={"code": code, "password": "not my password"})
    throttled = await agent.client.post(url, json={"code": code, "password": PASSWORD})
    assert error_of(throttled, 429)
    clock.advance(minutes=16)
    right = await agent.client.post(
        url, json={"code": totp.code_at(secret, clock.now), "password": PASSWORD}
    )
    assert right.status_code == 200, right.text


async def test_a_user_of_single_sign_on_without_a_password_turns_it_on_with_a_code(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    agent = await desk.agent()
    async with unit_of_work(app.state.sessionmaker) as session:
        user = await users_service.get_user(session, user_id=agent.id)
        user.password_hash = None
    setup = (await agent.client.post("/api/v1/me/two-factor/setup")).json()
    assert setup["password_required"] is False
    confirmed = await agent.client.post(
        "/api/v1/me/two-factor/confirm", json={"code": totp.code_at(setup["secret"], clock.now)}
    )
    assert confirmed.status_code == 200, confirmed.text


async def test_an_api_token_cannot_touch_its_users_two_factor_authentication(
    desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    """A token that leaked must not set it up on the holder's phone and lock the owner out of
    their password login, nor renew or turn off the owner's."""
    agent = await desk.agent()
    token = (await agent.client.post("/api/v1/me/tokens", json={"name": "script"})).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    setup = await http.post("/api/v1/me/two-factor/setup", headers=bearer)
    assert "two-factor" in error_of(setup, 403, "two_factor_needs_login")["message"]
    # Not even on top of a setup the desk started.
    secret = (await agent.client.post("/api/v1/me/two-factor/setup")).json()["secret"]
    confirm = await http.post(
        "/api/v1/me/two-factor/confirm",
        json={"code": totp.code_at(secret, clock.now), "password": PASSWORD},
        headers=bearer,
    )
    error_of(confirm, 403, "two_factor_needs_login")
    assert (await http.get("/api/v1/me/two-factor", headers=bearer)).json()["enabled"] is False
    assert "csrf_token" in await password_step(http, agent.user)  # no second step asked

    secret, _codes = await enrol(agent, clock)
    for path, body in [
        ("/api/v1/me/two-factor/recovery-codes", {"code": next_code(secret, clock)}),
        ("/api/v1/me/two-factor/disable", {"password": PASSWORD, "code": next_code(secret, clock)}),
    ]:
        error_of(await http.post(path, json=body, headers=bearer), 403, "two_factor_needs_login")
    state = (await http.get("/api/v1/me/two-factor", headers=bearer)).json()
    assert (state["enabled"], state["recovery_codes_left"]) == (True, 10)


async def test_only_an_owner_sets_the_rule(desk: Desk) -> None:
    admin = await desk.agent(role="admin")
    agent = await desk.agent()
    refused = await admin.client.put("/api/v1/security", json={"two_factor_roles": ["admin"]})
    assert refused.status_code == 403
    assert (await admin.client.get("/api/v1/security")).json() == {"two_factor_roles": []}
    assert (await agent.client.get("/api/v1/security")).status_code == 403


@BOTH_STORES
async def test_turning_it_off_needs_the_password_and_a_code_and_is_refused_when_required(
    desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    owner = await desk.agent(role="owner")
    agent = await desk.agent()
    secret, _codes = await enrol(agent, clock)
    await owner.client.put("/api/v1/security", json={"two_factor_roles": ["agent"]})
    enforced = await agent.client.post(
        "/api/v1/me/two-factor/disable",
        json={"password": PASSWORD, "code": next_code(secret, clock)},
    )
    assert enforced.status_code == 403
    assert enforced.json()["error"]["code"] == "two_factor_enforced"

    await owner.client.put("/api/v1/security", json={"two_factor_roles": []})
    wrong_password = await agent.client.post(
        "/api/v1/me/two-factor/disable",
        json={"password": "not my password", "code": next_code(secret, clock)},
    )
    assert wrong_password.status_code == 422
    off = await agent.client.post(
        "/api/v1/me/two-factor/disable",
        json={"password": PASSWORD, "code": next_code(secret, clock)},
    )
    assert off.status_code == 204
    assert "csrf_token" in await password_step(http, agent.user)  # a session straight away


async def test_new_recovery_codes_need_a_code_and_replace_the_old_ones(
    desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    agent = await desk.agent()
    secret, old = await enrol(agent, clock)
    refused = await agent.client.post(
        "/api/v1/me/two-factor/recovery-codes", json={"code": "123456"}
    )
    assert refused.status_code == 422
    fresh = await agent.client.post(
        "/api/v1/me/two-factor/recovery-codes", json={"code": next_code(secret, clock)}
    )
    assert fresh.status_code == 200
    new = fresh.json()["recovery_codes"]
    assert len(new) == 10
    assert not set(new) & set(old)
    challenge = (await password_step(http, agent.user))["challenge"]
    assert (await second_step(http, challenge, old[0])).status_code == 401
    assert (await second_step(http, challenge, new[0])).status_code == 200


async def test_an_owner_resets_a_lost_phone_and_the_user_is_logged_out(
    desk: Desk, http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    owner = await desk.agent(role="owner")
    admin = await desk.agent(role="admin")
    agent = await desk.agent()
    await enrol(agent, clock)
    path = f"/api/v1/users/{agent.id}/two-factor"
    assert (await admin.client.delete(path)).status_code == 403
    assert (await owner.client.delete(f"/api/v1/users/{owner.id}/two-factor")).status_code == 403
    assert (await owner.client.delete(path)).status_code == 204
    assert (await agent.client.get("/api/v1/me")).status_code == 401
    assert (await owner.client.delete(path)).status_code == 409
    users = (await owner.client.get("/api/v1/users")).json()
    assert next(u for u in users if u["id"] == agent.id)["two_factor_enabled"] is False
    assert "csrf_token" in await password_step(http, agent.user)


async def test_the_second_step_is_one_function_for_any_first_factor(
    app: FastAPI, desk: Desk, clock: FrozenClock
) -> None:
    """What single sign-on or any other first factor calls: a session, or a challenge."""
    plain = await desk.user()
    agent = await desk.agent()
    await enrol(agent, clock)
    policy = login_policy(app.state.settings)
    async with unit_of_work(app.state.sessionmaker) as session:
        user = await users_service.get_user(session, user_id=plain["id"])
        step = await two_factor.second_step(
            session, user=user, policy=policy, ip="127.0.0.1", user_agent=None
        )
        assert isinstance(step, two_factor.SignedIn)
        user = await users_service.get_user(session, user_id=agent.id)
        step = await two_factor.second_step(
            session, user=user, policy=policy, ip="127.0.0.1", user_agent=None
        )
        assert isinstance(step, two_factor.Challenge)
        assert step.expires_at == clock.now + two_factor.CHALLENGE_LIFETIME
