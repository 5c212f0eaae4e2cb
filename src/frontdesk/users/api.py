"""Login, logout, the current agent, users (admins), personal API tokens."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request, Response, status

from frontdesk.chats import service as chats_service
from frontdesk.config import Settings
from frontdesk.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AuthenticateFirst,
    CurrentAdmin,
    CurrentAgent,
    CurrentAuth,
    CurrentLogin,
    SessionDep,
    SettingsDep,
    client_ip,
)
from frontdesk.errors import Forbidden
from frontdesk.kit.clock import utcnow
from frontdesk.kit.schemas import Id
from frontdesk.notifications import service as notifications_service
from frontdesk.sso import service as sso_service
from frontdesk.tickets import departures
from frontdesk.tickets import viewers as ticket_viewers
from frontdesk.users import devices, out_of_office, service, two_factor
from frontdesk.users.models import User
from frontdesk.users.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    ColleagueRead,
    LoginRequest,
    MeRead,
    MeUpdate,
    OutOfOfficeSet,
    TwoFactorChallengeRead,
    TwoFactorLoginRequest,
    TwoFactorSignedIn,
    UserCreate,
    UserRead,
    UserUpdate,
    user_read,
)
from frontdesk.users.sessions import (
    device_cookie,
    login_policy,
    remember_device,
    set_session_cookies,
)

router = APIRouter(tags=["account"], route_class=AuthenticateFirst)
users_router = APIRouter(prefix="/users", tags=["users"], route_class=AuthenticateFirst)


def _ensure_same_origin(request: Request, settings: Settings) -> None:
    """Login is the one cookie-setting write without a CSRF token, so check where it came from."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    allowed = {urlsplit(settings.public_url).netloc, request.headers.get("host", "")}
    if urlsplit(origin).netloc not in allowed:
        raise Forbidden("Log in from the desk's own page.", code="bad_origin")


def _me(
    user: User, csrf_token: str | None, settings: Settings, *, must_enrol: bool = False
) -> MeRead:
    return MeRead.model_validate(user, from_attributes=True).model_copy(
        update={
            "csrf_token": csrf_token,
            "two_factor_setup_required": must_enrol,
            "spam_retention_days": settings.spam_retention_days,
        }
    )


@router.post("/auth/login", response_model=MeRead | TwoFactorChallengeRead)
async def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> MeRead | TwoFactorChallengeRead:
    """With two-factor authentication on, the right password answers a challenge, not a
    session: finish with POST /auth/login/2fa."""
    _ensure_same_origin(request, settings)
    policy = login_policy(settings)
    user = await service.authenticate(
        session,
        email=body.email,
        password=body.password,
        ip=client_ip(request),
        policy=policy,
        vouched=lambda user: devices.recognised(
            device_cookie(request), secret=settings.secret, user=user
        ),
    )
    await sso_service.ensure_password_login_allowed(session, user=user)
    step = await two_factor.second_step(
        session,
        user=user,
        policy=policy,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    if isinstance(step, two_factor.Challenge):
        return TwoFactorChallengeRead(challenge=step.token, expires_at=step.expires_at)
    set_session_cookies(response, settings, policy, auth=step.auth, token=step.token)
    remember_device(request, response, settings, user=user)
    must_enrol = await two_factor.must_enrol(session, user)
    return _me(user, step.auth.csrf_token, settings, must_enrol=must_enrol)


@router.post("/auth/login/2fa", response_model=TwoFactorSignedIn)
async def login_second_step(
    body: TwoFactorLoginRequest,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
) -> TwoFactorSignedIn:
    _ensure_same_origin(request, settings)
    policy = login_policy(settings)
    signed_in = await two_factor.complete_challenge(
        session,
        challenge=body.challenge,
        code=body.code,
        secret_key=settings.secret,
        policy=policy,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        device_cookie=device_cookie(request),
    )
    set_session_cookies(response, settings, policy, auth=signed_in.auth, token=signed_in.token)
    remember_device(request, response, settings, user=signed_in.user)
    me = _me(signed_in.user, signed_in.auth.csrf_token, settings)
    return TwoFactorSignedIn(**me.model_dump(), recovery_codes_left=signed_in.recovery_codes_left)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(auth: CurrentLogin, response: Response, session: SessionDep) -> None:
    _user, auth_session = auth
    if auth_session is not None:
        await service.end_session(session, auth=auth_session)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.get("/me", response_model=MeRead)
async def get_me(auth: CurrentLogin, session: SessionDep, settings: SettingsDep) -> MeRead:
    user, auth_session = auth
    return _me(
        user,
        auth_session.csrf_token if auth_session else None,
        settings,
        must_enrol=await two_factor.must_enrol(session, user),
    )


@router.patch("/me", response_model=MeRead)
async def update_me(
    body: MeUpdate,
    auth: CurrentAuth,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> MeRead:
    user, auth_session = auth
    # The password's check first: a wrong current one keeps its failed attempt and nothing else.
    await service.update_user(
        session,
        actor=user,
        user=user,
        name=body.name,
        password=body.password,
        max_concurrent_chats=body.max_concurrent_chats,
        email_signature=_signature_sent(body),
        current_session=auth_session,
        current_password=body.current_password,
        proof=service.PasswordProof(client_ip(request), login_policy(settings)),
    )
    if body.preferences is not None:
        service.update_preferences(
            user, preferences=body.preferences.model_dump(exclude_unset=True)
        )
    return _me(user, auth_session.csrf_token if auth_session else None, settings)


def _signature_sent(body: MeUpdate | UserUpdate) -> str | None:
    """None: left as it is; "" removes it, as null does when sent."""
    if "email_signature" not in body.model_fields_set:
        return None
    return body.email_signature or ""


@router.get("/me/tokens", response_model=list[ApiTokenRead])
async def list_tokens(user: CurrentAgent, session: SessionDep) -> list[ApiTokenRead]:
    tokens = await service.list_api_tokens(session, user=user)
    return [ApiTokenRead.model_validate(token) for token in tokens]


@router.post("/me/tokens", response_model=ApiTokenCreated, status_code=status.HTTP_201_CREATED)
async def create_token(
    body: ApiTokenCreate, auth: CurrentAuth, session: SessionDep
) -> ApiTokenCreated:
    """From the desk only: an API token gets 403 `token_needs_login`."""
    user, login = auth
    api_token, token = await service.create_api_token(
        session,
        user=user,
        name=body.name,
        by_token=login is None,
        access=body.access,
        expires_in_days=body.expires_in_days,
    )
    return ApiTokenCreated(**ApiTokenRead.model_validate(api_token).model_dump(), token=token)


@router.delete("/me/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(token_id: Id, user: CurrentAgent, session: SessionDep) -> None:
    await service.revoke_api_token(session, user=user, token_id=token_id)


@router.put("/me/out-of-office", response_model=UserRead)
async def set_my_out_of_office(
    body: OutOfOfficeSet, user: CurrentAgent, session: SessionDep
) -> UserRead:
    """Out of office (docs/desk.md): from `from` (now when left out) until `until` (or until
    ended), the agent is unavailable for chat, skipped by auto-assignment and chat invitations,
    and gets no push or email notification. Replaces the one set, if any."""
    await _set_out_of_office(session, actor=user, user=user, body=body)
    return UserRead.model_validate(user)


@router.delete("/me/out-of-office", response_model=UserRead)
async def end_my_out_of_office(user: CurrentAgent, session: SessionDep) -> UserRead:
    """Ends it now, or takes back one to come. Chat availability stays off: go online again
    yourself."""
    ended = await out_of_office.end_out_of_office(session, actor=user, user=user, now=utcnow())
    return UserRead.model_validate(ended)


async def _set_out_of_office(
    session: SessionDep, *, actor: User, user: User, body: OutOfOfficeSet
) -> User:
    return await out_of_office.set_out_of_office(
        session,
        actor=actor,
        user=user,
        start=body.from_,
        until=body.until,
        note=body.note,
        keep_assigned=body.keep_assigned,
        now=utcnow(),
    )


@users_router.get("", response_model=list[UserRead | ColleagueRead])
async def list_users(viewer: CurrentAgent, session: SessionDep) -> list[ColleagueRead]:
    """Every agent can see their colleagues (to pick an assignee or transfer a chat): as
    `ColleagueRead` to an agent, as `UserRead` to admins and owners."""
    return [user_read(user, viewer) for user in await service.list_users(session)]


@users_router.post("", response_model=UserRead, status_code=status.HTTP_201_CREATED)
async def create_user(body: UserCreate, admin: CurrentAdmin, session: SessionDep) -> UserRead:
    if body.role.value == "owner" and admin.role.value != "owner":
        raise Forbidden("Only an owner can make someone an owner.")
    user = await service.create_user(
        session,
        email=body.email,
        name=body.name,
        password=body.password,
        role=body.role,
        max_concurrent_chats=body.max_concurrent_chats,
    )
    return UserRead.model_validate(user)


async def load_user(user_id: Id, session: SessionDep, _agent: CurrentAgent) -> User:
    return await service.get_user(session, user_id=user_id)


LoadedUser = Annotated[User, Depends(load_user)]


@users_router.get("/{user_id}", response_model=UserRead | ColleagueRead)
async def get_user(user: LoadedUser, viewer: CurrentAgent) -> ColleagueRead:
    return user_read(user, viewer)


@users_router.put("/{user_id}/out-of-office", response_model=UserRead)
async def set_out_of_office(
    body: OutOfOfficeSet, user: LoadedUser, admin: CurrentAdmin, session: SessionDep
) -> UserRead:
    """Admins and owners set an agent's out of office, as `PUT /me/out-of-office` does; only an
    owner sets an owner's (403), and a deactivated user has none (409 `user_deactivated`)."""
    set_ = await _set_out_of_office(session, actor=admin, user=user, body=body)
    return UserRead.model_validate(set_)


@users_router.delete("/{user_id}/out-of-office", response_model=UserRead)
async def end_out_of_office(user: LoadedUser, admin: CurrentAdmin, session: SessionDep) -> UserRead:
    """Ends it now, or takes back one to come; only an owner ends an owner's (403)."""
    ended = await out_of_office.end_out_of_office(session, actor=admin, user=user, now=utcnow())
    return UserRead.model_validate(ended)


@users_router.patch("/{user_id}", response_model=UserRead)
async def update_user(
    body: UserUpdate,
    user: LoadedUser,
    admin: CurrentAdmin,
    auth: CurrentAuth,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> UserRead:
    was_admin = user.is_admin
    await service.update_user(
        session,
        actor=admin,
        user=user,
        name=body.name,
        email=body.email,
        role=body.role,
        is_active=body.is_active,
        password=body.password,
        max_concurrent_chats=body.max_concurrent_chats,
        email_signature=_signature_sent(body),
        current_session=auth[1],
        current_password=body.current_password,
        proof=service.PasswordProof(client_ip(request), login_policy(settings)),
    )
    if user.is_light_agent and user.available_for_chat:
        # Made a light agent: never online for chats (docs/desk.md, "Light agents").
        await chats_service.set_availability(session, user=user, available=False)
    if body.is_active is False:
        # Offline the way every agent goes offline (chats/availability.py): the desks hear it, it
        # is logged, and waiting chats nobody else can answer end.
        await chats_service.set_availability(
            session, user=user, available=False, reason="deactivated"
        )
        await notifications_service.forget_browsers(session, user_id=user.id)
    if user.is_active and was_admin and not user.is_admin:
        # Not listed on the tickets of inboxes they no longer see (their desk leaves the page).
        await ticket_viewers.drop_user_unseeing(session, user=user)
    if body.is_active is False or (was_admin and not user.is_admin):
        # The tickets they no longer see go back to their inboxes (tickets/departures.py).
        gone = departures.Departure.demoted if user.is_active else departures.Departure.deactivated
        await departures.release_tickets(session, user=user, actor=admin, departure=gone)
    return UserRead.model_validate(user)
