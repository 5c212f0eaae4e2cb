"""Login, sessions, CSRF, throttling and API tokens, through the real HTTP boundary."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from tests.conftest import PASSWORD, SQLITE_ONLY, Desk

pytestmark = SQLITE_ONLY


@asynccontextmanager
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Another browser: its own cookies, the same network address as the test client."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://desk.test"
    ) as client:
        yield client


def csrf_headers(client: httpx.AsyncClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies["frontdesk_csrf"]}


class TestLogin:
    async def test_login_sets_httponly_lax_cookie_and_returns_csrf_token(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        user = await desk.user()
        response = await http.post(
            "/api/v1/auth/login", json={"email": user["email"].upper(), "password": PASSWORD}
        )
        assert response.status_code == 200
        cookie = next(
            header
            for header in response.headers.get_list("set-cookie")
            if header.startswith("frontdesk_session=")
        )
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Secure" not in cookie  # public URL is http:// in tests
        assert response.json()["csrf_token"]
        me = await http.get("/api/v1/me")
        assert me.json()["email"] == user["email"]

    async def test_wrong_password_is_401_with_a_clear_message(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        user = await desk.user()
        response = await http.post(
            "/api/v1/auth/login", json={"email": user["email"], "password": "nope nope nope"}
        )
        assert response.status_code == 401
        assert response.json()["error"] == {
            "code": "bad_credentials",
            "message": "Wrong email or password.",
        }

    async def test_repeated_failures_throttle_the_account_even_with_the_right_password(
        self, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        user = await desk.user()
        for _ in range(5):
            response = await http.post(
                "/api/v1/auth/login", json={"email": user["email"], "password": "wrong-guess!"}
            )
            assert response.status_code == 401
        response = await http.post(
            "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
        )
        assert response.status_code == 429
        assert "Too many failed logins for this account" in response.json()["error"]["message"]
        assert int(response.headers["retry-after"]) > 0

    async def test_guesses_from_elsewhere_do_not_lock_out_a_browser_that_signed_in_before(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        user = await desk.user()
        signed_in = await http.post(
            "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
        )
        cookie = next(
            header
            for header in signed_in.headers.get_list("set-cookie")
            if header.startswith("frontdesk_device=")
        )
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "Path=/api/v1/auth/login" in cookie
        await http.post("/api/v1/auth/logout", headers=csrf_headers(http))

        async with browser(app) as attacker:
            for _ in range(5):
                guess = await attacker.post(
                    "/api/v1/auth/login", json={"email": user["email"], "password": "guess-1234"}
                )
                assert guess.status_code == 401
            locked = await attacker.post(
                "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
            )
            assert locked.status_code == 429
            assert "browser you have signed in to the desk from before" in locked.text

        again = await http.post(
            "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
        )
        assert again.status_code == 200, again.text

    async def test_a_known_browser_s_own_failures_lock_that_browser_only(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        user = await desk.user()
        await http.post("/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD})
        for _ in range(5):
            wrong = await http.post(
                "/api/v1/auth/login", json={"email": user["email"], "password": "wrong-guess!"}
            )
            assert wrong.status_code == 401
        locked = await http.post(
            "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
        )
        assert locked.status_code == 429
        assert "from this browser" in locked.json()["error"]["message"]
        async with browser(app) as elsewhere:
            other = await elsewhere.post(
                "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
            )
            assert other.status_code == 200, other.text

    async def test_a_new_password_forgets_the_browsers_trusted_with_the_old_one(
        self, app: FastAPI, http: httpx.AsyncClient, desk: Desk
    ) -> None:
        """Someone who once knew the password keeps no guesses of their own after it changed."""
        user = await desk.user()
        async with browser(app) as thief:
            stolen = await thief.post(
                "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
            )
            assert stolen.status_code == 200
            signed_in = await http.post(
                "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
            )
            assert signed_in.status_code == 200
            changed = await http.patch(
                "/api/v1/me",
                json={"password": "a-new-password-2026", "current_password": PASSWORD},
                headers=csrf_headers(http),
            )
            assert changed.status_code == 200, changed.text
            for _ in range(5):
                guess = await thief.post(
                    "/api/v1/auth/login", json={"email": user["email"], "password": "guess-1234"}
                )
                assert guess.status_code == 401
            # Counted with everyone else's: the account is locked for browsers not trusted.
            async with browser(app) as stranger:
                locked = await stranger.post(
                    "/api/v1/auth/login",
                    json={"email": user["email"], "password": "a-new-password-2026"},
                )
            assert locked.status_code == 429
            assert "for this account" in locked.json()["error"]["message"]

    async def test_a_browser_vouches_only_for_the_accounts_that_signed_in_from_it(
        self, app: FastAPI, desk: Desk
    ) -> None:
        owner, attacker_account = await desk.user(), await desk.user()
        async with browser(app) as attacker:
            # The attacker's own account signs in: the cookie vouches for it, not the owner's.
            mine = await attacker.post(
                "/api/v1/auth/login",
                json={"email": attacker_account["email"], "password": PASSWORD},
            )
            assert mine.status_code == 200
            for _ in range(5):
                await attacker.post(
                    "/api/v1/auth/login", json={"email": owner["email"], "password": "guess-1234"}
                )
            async with browser(app) as stranger:
                locked = await stranger.post(
                    "/api/v1/auth/login", json={"email": owner["email"], "password": PASSWORD}
                )
            assert locked.status_code == 429
            # A cookie edited to name the owner is not vouched for either.
            forged = attacker.cookies["frontdesk_device"].split(".")[0] + "." + "0" * 20
            attacker.cookies.clear()
            attacker.cookies.set("frontdesk_device", forged, domain="desk.test")
            still = await attacker.post(
                "/api/v1/auth/login", json={"email": owner["email"], "password": PASSWORD}
            )
            assert still.status_code == 429

    async def test_deactivated_user_cannot_log_in(self, desk: Desk) -> None:
        admin = await desk.agent(role="admin")
        user = await desk.user()
        response = await admin.client.patch(
            f"/api/v1/users/{user['id']}", json={"is_active": False}
        )
        assert response.status_code == 200
        other = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=desk.app), base_url="http://desk.test"
        )
        async with other:
            response = await other.post(
                "/api/v1/auth/login", json={"email": user["email"], "password": PASSWORD}
            )
        assert response.status_code == 401
