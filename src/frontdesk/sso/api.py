"""Single sign-on: the login page's options and the OpenID Connect redirect and callback (no
authentication: they are how one signs in), and the provider settings (owners)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.config import Settings
from frontdesk.deps import AuthenticateFirst, CurrentAdmin, SessionDep, SettingsDep
from frontdesk.kit.clock import utcnow
from frontdesk.sso import oidc, service
from frontdesk.sso.attempts import ATTEMPT_COOKIE, ATTEMPT_LIFETIME, seal, unseal
from frontdesk.sso.models import SsoSettings
from frontdesk.sso.schemas import (
    SsoLoginOptions,
    SsoSettingsRead,
    SsoSettingsWrite,
    SsoTestRequest,
    SsoTestResult,
)
from frontdesk.users.models import Role
from frontdesk.users.sessions import sign_in

log = logging.getLogger(__name__)

CALLBACK_PATH = "/api/v1/auth/sso/callback"
# Only the callback needs the attempt cookie back.
ATTEMPT_COOKIE_PATH = "/api/v1/auth/sso"

login_router = APIRouter(prefix="/auth/sso", tags=["account"])
router = APIRouter(prefix="/sso", tags=["sso"], route_class=AuthenticateFirst)


def redirect_uri(settings: Settings) -> str:
    return settings.public_url.rstrip("/") + CALLBACK_PATH


def _to_login(session: AsyncSession, reason: service.Refusal) -> RedirectResponse:
    """Back to the desk's login page, which says why in the agent's language."""
    service.refused(session, reason)
    response = RedirectResponse("/login?" + urlencode({"sso_error": reason.value}), 303)
    response.delete_cookie(ATTEMPT_COOKIE, path=ATTEMPT_COOKIE_PATH)
    return response


@login_router.get("", response_model=SsoLoginOptions)
async def login_options(session: SessionDep) -> SsoLoginOptions:
    settings = await service.get_settings(session)
    enabled = settings.enabled and bool(settings.issuer and settings.client_id)
    return SsoLoginOptions(
        enabled=enabled,
        label=service.label(settings) if enabled else "",
        sso_only=enabled and settings.sso_only,
    )


@login_router.get("/start", status_code=303, response_class=RedirectResponse, responses={303: {}})
async def start(session: SessionDep, settings: SettingsDep) -> RedirectResponse:
    """To the provider's sign-in page (authorization code flow with PKCE)."""
    try:
        sso = await service.enabled_settings(session)
        discovery = await oidc.discover(sso.issuer)
    except service.SignInRefused as refused:
        return _to_login(session, refused.reason)
    except oidc.ProviderError as error:
        log.warning("Single sign-on: %s", error)
        return _to_login(session, service.Refusal.provider_error)
    attempt = oidc.Attempt.new()
    response = RedirectResponse(
        oidc.authorization_url(
            discovery,
            client_id=sso.client_id,
            redirect_uri=redirect_uri(settings),
            attempt=attempt,
        ),
        303,
    )
    # SameSite=Lax: the provider's redirect back is a top-level GET, which carries it.
    response.set_cookie(
        ATTEMPT_COOKIE,
        seal(settings.secret, attempt, now=utcnow()),
        max_age=int(ATTEMPT_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path=ATTEMPT_COOKIE_PATH,
    )
    return response


@login_router.get(
    "/callback", status_code=303, response_class=RedirectResponse, responses={303: {}}
)
async def callback(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
) -> RedirectResponse:
    """Where the provider sends the browser back: the code is exchanged, the ID token checked,
    and the person signed in to the desk, or sent to the login page with the reason."""
    attempt = unseal(settings.secret, request.cookies.get(ATTEMPT_COOKIE), now=utcnow())
    if attempt is None or not state or state != attempt.state:
        return _to_login(session, service.Refusal.bad_state)
    if error or not code:
        log.info("Single sign-on: the provider said %s", error or "no code")
        return _to_login(session, service.Refusal.provider_refused)
    try:
        sso = await service.enabled_settings(session)
        discovery = await oidc.discover(sso.issuer)
        id_token = await oidc.exchange_code(
            discovery,
            client_id=sso.client_id,
            client_secret=sso.client_secret,
            redirect_uri=redirect_uri(settings),
            code=code,
            verifier=attempt.verifier,
        )
        keys = await oidc.fetch_keys(discovery)
    except service.SignInRefused as refused:
        return _to_login(session, refused.reason)
    except oidc.ProviderError as problem:
        log.warning("Single sign-on: %s", problem)
        return _to_login(session, service.Refusal.provider_error)
    try:
        claims = oidc.validate_id_token(
            id_token,
            keys=keys,
            issuer=discovery.issuer,
            client_id=sso.client_id,
            nonce=attempt.nonce,
            now=int(utcnow().timestamp()),
        )
        user, _created = await service.resolve_user(
            session, settings=sso, issuer=discovery.issuer, claims=claims
        )
    except oidc.ProviderError as problem:
        log.warning("Single sign-on: %s", problem)
        return _to_login(session, service.Refusal.invalid_token)
    except service.SignInRefused as refused:
        log.info("Single sign-on refused: %s", refused.reason.value)
        return _to_login(session, refused.reason)
    # The provider did the second factor: no local one is asked (docs/security.md).
    response = RedirectResponse("/", 303)
    response.delete_cookie(ATTEMPT_COOKIE, path=ATTEMPT_COOKIE_PATH)
    await sign_in(
        session, user=user, request=request, response=response, settings=settings, method="sso"
    )
    return response


def _read(sso: SsoSettings, settings: Settings) -> SsoSettingsRead:
    return SsoSettingsRead(
        enabled=sso.enabled,
        issuer=sso.issuer,
        client_id=sso.client_id,
        client_secret_set=bool(sso.client_secret),
        button_label=sso.button_label,
        create_users=sso.create_users,
        default_role=sso.default_role,
        allowed_domains=list(sso.allowed_domains),
        sso_only=sso.sso_only,
        redirect_uri=redirect_uri(settings),
    )


@router.get("/settings", response_model=SsoSettingsRead)
async def get_settings(
    admin: CurrentAdmin, session: SessionDep, settings: SettingsDep
) -> SsoSettingsRead:
    service.ensure_owner(admin)
    return _read(await service.get_settings(session), settings)


@router.put("/settings", response_model=SsoSettingsRead)
async def update_settings(
    body: SsoSettingsWrite, admin: CurrentAdmin, session: SessionDep, settings: SettingsDep
) -> SsoSettingsRead:
    fields = body.model_dump() | {"default_role": Role(body.default_role.value)}
    sso = await service.update_settings(
        session, actor=admin, fields=service.SettingsFields(**fields)
    )
    return _read(sso, settings)


@router.post("/settings/test", response_model=SsoTestResult)
async def test_settings(body: SsoTestRequest, admin: CurrentAdmin) -> SsoTestResult:
    """Fetches the issuer's discovery document and keys; `ok` false says what went wrong."""
    result = await service.test_provider(actor=admin, issuer=body.issuer)
    return SsoTestResult(**result.__dict__)
