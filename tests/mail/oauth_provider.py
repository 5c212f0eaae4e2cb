"""A mail provider's OAuth 2.0 side, for the tests: a token endpoint that hands out short-lived
access tokens for a refresh token (and rotates the refresh token each time, as Microsoft does),
the token check Dovecot's oauth2 passdb asks, and a submission server that takes AUTH XOAUTH2 and
checks the token with the same endpoint. All real servers on free loopback ports."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from tests.mail.support import free_port
from tests.realtime import serve_in_thread

CLIENT_ID = "frontdesk-test-client"
CLIENT_SECRET = "client-secret-for-tests"


@dataclass
class Issued:
    user: str
    expires: float


@dataclass
class TokenServer:
    """`lifetime`: seconds an access token lasts (said as expires_in, and enforced). `delay`:
    seconds each token request takes, to make two processes ask at the same time."""

    user: str
    lifetime: int = 3600
    rotate: bool = True
    delay: float = 0.0
    access: dict[str, Issued] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)
    # Every token request: (grant_type, refresh token used, answer status).
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    # Every token check (Dovecot's and the SMTP server's): (token, valid).
    checks: list[tuple[str, bool]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, body = server.token(form)
                self._answer(status, body)

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                token = query.get("access_token", [""])[0]
                user = server.check(token)
                if user is None:
                    self._answer(401, {"error": "invalid_token"})
                else:
                    self._answer(200, {"email": user})

            def _answer(self, status: int, body: dict[str, object]) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *_args: object) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self._http.server_address[1])

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    @property
    def tokeninfo_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/tokeninfo?access_token="

    def __enter__(self) -> TokenServer:
        serve_in_thread(self._http)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()

    def grant(self) -> str:
        """A refresh token for the user, as the consent screen would give."""
        token = "refresh-" + secrets.token_hex(8)
        with self._lock:
            self.refresh[token] = self.user
        return token

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        if self.delay:
            time.sleep(self.delay)
        used = form.get("refresh_token", "")
        with self._lock:
            if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
                answer: tuple[int, dict[str, object]] = (401, {"error": "invalid_client"})
            elif form.get("grant_type") != "refresh_token":
                answer = (400, {"error": "unsupported_grant_type"})
            elif used not in self.refresh:
                answer = (
                    400,
                    {"error": "invalid_grant", "error_description": "Token has been revoked."},
                )
            else:
                user = self.refresh[used]
                access = "access-" + secrets.token_hex(8)
                self.access[access] = Issued(user, time.time() + self.lifetime)
                body: dict[str, object] = {
                    "access_token": access,
                    "token_type": "Bearer",
                    "expires_in": self.lifetime,
                }
                if self.rotate:
                    # The old refresh token is spent: only the new one works from now on.
                    del self.refresh[used]
                    rotated = "refresh-" + secrets.token_hex(8)
                    self.refresh[rotated] = user
                    body["refresh_token"] = rotated
                answer = (200, body)
            self.requests.append((form.get("grant_type", ""), used, answer[0]))
        return answer

    def check(self, token: str) -> str | None:
        with self._lock:
            issued = self.access.get(token)
            valid = issued is not None and issued.expires > time.time()
            self.checks.append((token, valid))
            return issued.user if issued is not None and valid else None

    def expire_access_tokens(self) -> None:
        """Every access token handed out so far stops working (time passing, or revoked)."""
        with self._lock:
            self.access.clear()

    def revoke_grants(self) -> None:
        """The user withdrew the app's access: refresh and access tokens are refused."""
        with self._lock:
            self.refresh.clear()
            self.access.clear()

    @property
    def refreshes(self) -> int:
        return len(self.requests)


class XOAuthSmtp:
    """A provider's submission server: mail only after AUTH XOAUTH2 with a token the token
    server accepts, as Gmail and Outlook check theirs."""

    def __init__(self, tokens: TokenServer) -> None:
        self.tokens = tokens
        self.port = free_port()
        self.logins: list[str] = []
        self.refused: list[str] = []
        self.received: list[tuple[str, list[str], bytes]] = []
        self._controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            auth_required=True,
            auth_require_tls=False,
        )

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        if len(args) < 2:
            return AuthResult(success=False, handled=False)
        parts = base64.b64decode(args[1]).decode().split("\x01")
        fields = dict(part.split("=", 1) for part in parts if "=" in part)
        token = fields.get("auth", "").removeprefix("Bearer ")
        user = self._ask(token)
        if user is None or user != fields.get("user"):
            self.refused.append(token)
            # As Gmail: the error as a JSON challenge, then 535 once the client answers.
            error = json.dumps({"status": "401", "schemes": "Bearer"}).encode()
            await server.challenge_auth(error)
            return AuthResult(
                success=False, handled=False, message="535 5.7.8 Username and Password not accepted"
            )
        self.logins.append(user)
        return AuthResult(success=True)

    def _ask(self, token: str) -> str | None:
        # Through HTTP, as a provider's mail server asks its identity service.
        try:
            with urllib.request.urlopen(self.tokens.tokeninfo_url + token, timeout=10) as answer:  # noqa: S310
                body = json.loads(answer.read())
        except urllib.error.HTTPError:
            return None
        email = body.get("email")
        return email if isinstance(email, str) else None

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        self.received.append(
            (
                str(envelope.mail_from),
                [str(r) for r in envelope.rcpt_tos],
                bytes(envelope.original_content or b""),
            )
        )
        return "250 OK"

    def __enter__(self) -> XOAuthSmtp:
        self._controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._controller.stop()
