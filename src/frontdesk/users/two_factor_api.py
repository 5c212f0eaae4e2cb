"""Two-factor authentication from the desk: one's own (Preferences → Security), an owner's reset
of someone else's, and the owner's rule of which roles must use it (Settings → Security). The
login's second step is in users/api.py, beside the first."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from frontdesk.deps import (
    AuthenticateFirst,
    CurrentAdmin,
    CurrentAgent,
    CurrentAuth,
    CurrentLogin,
    SessionDep,
    SettingsDep,
    client_ip,
)
from frontdesk.kit.schemas import Id
from frontdesk.users import service, two_factor
from frontdesk.users.schemas import (
    RecoveryCodesRead,
    SecurityPolicyRead,
    SecurityPolicyUpdate,
    TwoFactorCode,
    TwoFactorConfirm,
    TwoFactorDisable,
    TwoFactorSetupRead,
    TwoFactorStatusRead,
)
from frontdesk.users.sessions import login_policy

router = APIRouter(tags=["two-factor"], route_class=AuthenticateFirst)


@router.get("/me/two-factor", response_model=TwoFactorStatusRead)
async def get_status(auth: CurrentLogin, session: SessionDep) -> TwoFactorStatusRead:
    result = await two_factor.status(session, user=auth[0])
    return TwoFactorStatusRead.model_validate(result)


# Setting it up, renewing recovery codes and turning it off are the desk's: by API token, 403
# `two_factor_needs_login` (users/two_factor.py `_ensure_in_person`).


@router.post("/me/two-factor/setup", response_model=TwoFactorSetupRead)
async def start_setup(
    auth: CurrentLogin, session: SessionDep, settings: SettingsDep
) -> TwoFactorSetupRead:
    """A new secret to put in an authenticator app; it counts only once confirmed."""
    user, login = auth
    enrolment = await two_factor.start_enrolment(
        session, user=user, secret_key=settings.secret, by_token=login is None
    )
    return TwoFactorSetupRead(
        secret=enrolment.secret,
        otpauth_uri=enrolment.uri,
        qr_svg=enrolment.qr_svg,
        password_required=enrolment.password_required,
    )


@router.post("/me/two-factor/confirm", response_model=RecoveryCodesRead)
async def confirm_setup(
    body: TwoFactorConfirm,
    request: Request,
    auth: CurrentLogin,
    session: SessionDep,
    settings: SettingsDep,
) -> RecoveryCodesRead:
    """A code from the app and the user's password turn it on; the answer holds the recovery
    codes, shown this once."""
    user, login = auth
    codes = await two_factor.confirm_enrolment(
        session,
        user=user,
        secret_key=settings.secret,
        code=body.code,
        password=body.password,
        by_token=login is None,
        ip=client_ip(request),
        policy=login_policy(settings),
    )
    return RecoveryCodesRead(recovery_codes=codes)


@router.post("/me/two-factor/recovery-codes", response_model=RecoveryCodesRead)
async def new_recovery_codes(
    body: TwoFactorCode,
    request: Request,
    auth: CurrentAuth,
    session: SessionDep,
    settings: SettingsDep,
) -> RecoveryCodesRead:
    """New recovery codes for a current code; the old ones stop working."""
    user, login = auth
    codes = await two_factor.regenerate_recovery_codes(
        session,
        user=user,
        secret_key=settings.secret,
        code=body.code,
        by_token=login is None,
        ip=client_ip(request),
        policy=login_policy(settings),
    )
    return RecoveryCodesRead(recovery_codes=codes)


@router.post("/me/two-factor/disable", status_code=status.HTTP_204_NO_CONTENT)
async def disable(
    body: TwoFactorDisable,
    request: Request,
    auth: CurrentAuth,
    session: SessionDep,
    settings: SettingsDep,
) -> None:
    user, login = auth
    await two_factor.disable(
        session,
        user=user,
        secret_key=settings.secret,
        password=body.password,
        code=body.code,
        by_token=login is None,
        ip=client_ip(request),
        policy=login_policy(settings),
    )


@router.delete("/users/{user_id}/two-factor", status_code=status.HTTP_204_NO_CONTENT)
async def reset(user_id: Id, actor: CurrentAgent, session: SessionDep) -> None:
    """An owner turns off someone's two-factor authentication (a lost phone); their sessions end."""
    user = await service.get_user(session, user_id=user_id)
    await two_factor.reset(session, actor=actor, user=user)


@router.get("/security", response_model=SecurityPolicyRead)
async def get_policy(_admin: CurrentAdmin, session: SessionDep) -> SecurityPolicyRead:
    return SecurityPolicyRead(two_factor_roles=await two_factor.required_roles(session))


@router.put("/security", response_model=SecurityPolicyRead)
async def set_policy(
    body: SecurityPolicyUpdate, actor: CurrentAgent, session: SessionDep
) -> SecurityPolicyRead:
    """Owners only: the roles that must use two-factor authentication."""
    roles = await two_factor.set_required_roles(session, actor=actor, roles=body.two_factor_roles)
    return SecurityPolicyRead(two_factor_roles=roles)
