"""Login, sessions, CSRF, throttling and API tokens, through the real HTTP boundary."""

from __future__ import annotations

import httpx

from tests.conftest import PASSWORD, Desk


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
