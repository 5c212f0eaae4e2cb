"""An OpenID Connect provider for the tests: a real HTTP server on a free loopback port with the
discovery document, an authorization endpoint that signs the configured person in without a
page (as a provider does once its user is signed in and consented), a token endpoint that checks
the client, the redirect URI and the PKCE verifier, and the JWKS its RS256 ID tokens are signed
with. PKCE and tokens follow the standards through authlib and joserfc (authlib's JOSE).

Knobs make it misbehave the ways a real provider, or an attacker between, could: another nonce
or audience, an expired token, a token signed with a key the JWKS does not hold."""

from __future__ import annotations

import base64
import functools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from tests.realtime import serve_in_thread

CLIENT_ID = "frontdesk-sso-test"
CLIENT_SECRET = "sso-client-secret-for-tests"


@dataclass
class Person:
    """Who is signed in at the provider."""

    email: str
    sub: str = field(default_factory=lambda: "sub-" + secrets.token_hex(6))
    name: str = "Sam Single"
    email_verified: bool = True


@dataclass
class Issued:
    person: Person
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None


@functools.cache
def _keys() -> tuple[RSAKey, RSAKey]:
    """The provider's signing key and a foreign one under the same kid: made once a process,
    since an RSA key takes a tenth of a second or more to generate, and no test is about the key
    being new (each provider has its own port, issuer and codes)."""
    return (
        RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"}),
        RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"}),
    )


@dataclass
class OidcProvider:
    person: Person | None = None
    # Misbehaviour, one at a time.
    nonce_override: str | None = None
    audience_override: str | None = None
    expired: bool = False
    foreign_key: bool = False
    # Every token request: (client authentication used, answer status).
    token_requests: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key, self.other_key = _keys()
        self.codes: dict[str, Issued] = {}
        self._lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    self._json(200, provider.discovery())
                elif parts.path == "/jwks":
                    self._json(200, dict(KeySet([provider.key]).as_dict(private=False)))
                elif parts.path == "/authorize":
                    status, location = provider.authorize(query)
                    if status == 302:
                        self.send_response(302)
                        self.send_header("Location", location)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                    else:
                        self._json(status, {"error": location})
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, body = provider.token(form, self.headers.get("Authorization"))
                self._json(status, body)

            def _json(self, status: int, body: dict[str, Any]) -> None:
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
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> OidcProvider:
        serve_in_thread(self._http)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, str]:
        if query.get("client_id") != CLIENT_ID:
            return 400, "unauthorized_client"
        if query.get("response_type") != "code" or "openid" not in query.get("scope", ""):
            return 400, "invalid_request"
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, "invalid_request: PKCE S256 required"
        redirect_uri = query.get("redirect_uri", "")
        answer: dict[str, str] = {"state": query.get("state", "")}
        if self.person is None:
            answer["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(16)
            with self._lock:
                self.codes[code] = Issued(
                    person=self.person,
                    client_id=CLIENT_ID,
                    redirect_uri=redirect_uri,
                    challenge=query["code_challenge"],
                    nonce=query.get("nonce"),
                )
            answer["code"] = code
        return 302, f"{redirect_uri}?{urlencode(answer)}"

    def _client(self, form: dict[str, str], authorization: str | None) -> tuple[str, bool]:
        if authorization and authorization.startswith("Basic "):
            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
            return "client_secret_basic", (user, password) == (CLIENT_ID, CLIENT_SECRET)
        pair = (form.get("client_id"), form.get("client_secret"))
        return "client_secret_post", pair == (CLIENT_ID, CLIENT_SECRET)

    def token(self, form: dict[str, str], authorization: str | None) -> tuple[int, dict[str, Any]]:
        method, client_ok = self._client(form, authorization)
        with self._lock:
            issued = self.codes.pop(form.get("code", ""), None)
        answer: tuple[int, dict[str, Any]]
        if not client_ok:
            answer = (401, {"error": "invalid_client"})
        elif form.get("grant_type") != "authorization_code" or issued is None:
            answer = (400, {"error": "invalid_grant", "error_description": "Unknown code."})
        elif form.get("redirect_uri") != issued.redirect_uri:
            answer = (400, {"error": "invalid_grant", "error_description": "redirect_uri."})
        elif create_s256_code_challenge(form.get("code_verifier", "")) != issued.challenge:
            answer = (400, {"error": "invalid_grant", "error_description": "PKCE verifier."})
        else:
            answer = (
                200,
                {
                    "access_token": "at-" + secrets.token_hex(8),
                    "token_type": "Bearer",
                    "expires_in": 3600,
                    "id_token": self.id_token(issued),
                },
            )
        self.token_requests.append((method, answer[0]))
        return answer

    def id_token(self, issued: Issued) -> str:
        now = int(time.time())
        person = issued.person
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": person.sub,
            "aud": self.audience_override or issued.client_id,
            "iat": now - (7200 if self.expired else 0),
            "exp": now + (-3600 if self.expired else 600),
            "email": person.email,
            "email_verified": person.email_verified,
            "name": person.name,
        }
        nonce = self.nonce_override or issued.nonce
        if nonce is not None:
            claims["nonce"] = nonce
        key = self.other_key if self.foreign_key else self.key
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, key)
