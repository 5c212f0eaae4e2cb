"""Talking to an OpenID Connect provider: discovery, the authorization request with PKCE, the
code exchange and the ID token's checks (OpenID Connect Core 1.0 §3.1). No database here:
sso/service.py decides who the person is.

Every way the provider can fail (unreachable, an answer that is not what the standard says, a
token that does not check out) is a ProviderError with a sentence for the owner, never a 500."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from frontdesk.mail.oauth import is_loopback_url

TIMEOUT = 15.0
SCOPE = "openid email profile"
# Asymmetric algorithms only: HS256 would make the client secret a signing key.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
# Clocks drift: a token issued "in a second" is still fine.
LEEWAY_SECONDS = 60


class ProviderError(Exception):
    """The provider could not be asked or its answer does not check out; the message says which."""


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    # client_secret_basic when the provider says it takes it (the standard's default), else post.
    auth_method: str


@dataclass(frozen=True)
class Claims:
    subject: str
    email: str
    email_verified: bool
    name: str


def check_issuer_url(issuer: str) -> str | None:
    """What is wrong with an issuer address, or None."""
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname or " " in issuer:
        return "Give the issuer's address, such as https://accounts.google.com."
    if parts.scheme == "http" and not is_loopback_url(issuer):
        return "The issuer must be https://: the client secret and tokens cross the network."
    if parts.query or parts.fragment:
        return "The issuer is an address without ? or #."
    return None


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


async def _get_json(client: httpx.AsyncClient, url: str, what: str) -> dict[str, Any]:
    try:
        response = await client.get(url, headers={"Accept": "application/json"})
    except httpx.HTTPError as error:
        reason = str(error) or type(error).__name__
        raise ProviderError(f"Could not reach {what} at {url}: {reason}.") from None
    if response.status_code != 200:
        raise ProviderError(f"{what.capitalize()} at {url} answered HTTP {response.status_code}.")
    try:
        body = response.json()
    except ValueError:
        raise ProviderError(f"{what.capitalize()} at {url} did not answer JSON.") from None
    if not isinstance(body, dict):
        raise ProviderError(f"{what.capitalize()} at {url} did not answer a JSON object.")
    return body


def _endpoint(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or check_issuer_url(value.split("?")[0]) is not None:
        raise ProviderError(f"The discovery document has no usable {key}.")
    return value


async def discover(issuer: str) -> Discovery:
    problem = check_issuer_url(issuer)
    if problem:
        raise ProviderError(problem)
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
        body = await _get_json(client, discovery_url(issuer), "the discovery document")
    said = body.get("issuer")
    # OpenID Connect Discovery §4.3: the document must name the issuer it was asked for.
    if not isinstance(said, str) or said.rstrip("/") != issuer.rstrip("/"):
        raise ProviderError(
            f'The discovery document names the issuer "{said}", not "{issuer}": '
            "copy the issuer exactly as the provider gives it."
        )
    methods = body.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    auth_method = (
        "client_secret_basic"
        if isinstance(methods, list) and "client_secret_basic" in methods
        else "client_secret_post"
    )
    return Discovery(
        issuer=said,
        authorization_endpoint=_endpoint(body, "authorization_endpoint"),
        token_endpoint=_endpoint(body, "token_endpoint"),
        jwks_uri=_endpoint(body, "jwks_uri"),
        auth_method=auth_method,
    )


@dataclass(frozen=True)
class Attempt:
    """What one sign-in keeps between the redirect and the callback."""

    state: str
    nonce: str
    verifier: str

    @staticmethod
    def new() -> Attempt:
        return Attempt(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(48),
        )


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_url(
    discovery: Discovery, *, client_id: str, redirect_uri: str, attempt: Attempt
) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": SCOPE,
            "state": attempt.state,
            "nonce": attempt.nonce,
            "code_challenge": s256(attempt.verifier),
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in discovery.authorization_endpoint else "?"
    return f"{discovery.authorization_endpoint}{separator}{query}"


async def exchange_code(
    discovery: Discovery,
    *,
    client_id: str,
    client_secret: str | None,
    redirect_uri: str,
    code: str,
    verifier: str,
) -> str:
    """The ID token the token endpoint gives for the code."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    auth: httpx.Auth = httpx.Auth()  # none
    if client_secret and discovery.auth_method == "client_secret_basic":
        auth = httpx.BasicAuth(client_id, client_secret)
    else:
        form["client_id"] = client_id
        if client_secret:
            form["client_secret"] = client_secret
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
            response = await client.post(
                discovery.token_endpoint,
                data=form,
                auth=auth,
                headers={"Accept": "application/json"},
            )
    except httpx.HTTPError as error:
        reason = str(error) or type(error).__name__
        raise ProviderError(f"Could not reach the token endpoint: {reason}.") from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):
        said = ""
        if isinstance(body, dict) and body.get("error"):
            said = f": {body['error']}"
            if body.get("error_description"):
                said += f" ({body['error_description']})"
        raise ProviderError(
            f"The token endpoint refused the code (HTTP {response.status_code}{said})."
        )
    id_token = body.get("id_token")
    if not isinstance(id_token, str) or not id_token:
        raise ProviderError("The token endpoint gave no ID token: is the openid scope allowed?")
    return id_token


async def fetch_keys(discovery: Discovery) -> KeySet:
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
        body = await _get_json(client, discovery.jwks_uri, "the provider's keys (JWKS)")
    try:
        return KeySet.import_key_set(body)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as error:
        raise ProviderError(f"The provider's keys (JWKS) could not be read: {error}.") from None


def validate_id_token(
    id_token: str, *, keys: KeySet, issuer: str, client_id: str, nonce: str, now: int
) -> Claims:
    """The signature (the provider's keys), then iss, aud, exp, nonce and email_verified."""
    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
    except JoseError as error:
        raise ProviderError(
            f"The ID token's signature does not check out ({error.error})."
        ) from None
    except ValueError as error:
        raise ProviderError(f"The ID token could not be read: {error}.") from None
    claims = token.claims
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        sub={"essential": True},
        aud={"essential": True, "value": client_id},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as error:
        said = error.description or error.error
        raise ProviderError(f"The ID token does not check out: {said}.") from None
    # With several audiences, the one the token was issued to must be us (Core §3.1.3.7).
    azp = claims.get("azp")
    if isinstance(claims.get("aud"), list) and len(claims["aud"]) > 1 and azp != client_id:
        raise ProviderError("The ID token was issued to another client (azp).")
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise ProviderError("The ID token has no email: is the email scope allowed?")
    verified = claims.get("email_verified")
    name = claims.get("name")
    return Claims(
        subject=str(claims["sub"]),
        email=email,
        email_verified=verified is True or verified == "true",
        name=name if isinstance(name, str) else "",
    )
