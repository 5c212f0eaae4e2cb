"""Two-factor authentication: TOTP codes from an authenticator app, recovery codes for a lost
phone, the login's second step, and the owner's rule of which roles must use it.

The TOTP seed is sealed at rest (kit/secretbox.py) under a key derived from the app's secret
key; recovery codes and login challenges are kept only as digests. Wrong codes count as failed
logins (users/service.py `ensure_not_throttled`) under a key of their own, so that getting the
password right again does not wipe them."""

from __future__ import annotations

import asyncio
import base64
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import segno
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit
from frontdesk.errors import Conflict, Forbidden, Invalid, Unauthorized
from frontdesk.kit import secretbox
from frontdesk.kit.clock import utcnow
from frontdesk.kit.ids import new_token, token_digest
from frontdesk.kit.passwords import verify_password
from frontdesk.users import devices, totp
from frontdesk.users.events import AccessEndedReason, record_account_changed
from frontdesk.users.models import (
    AuthSession,
    LoginFailure,
    RecoveryCode,
    Role,
    SecurityPolicy,
    TwoFactorChallenge,
    User,
)
from frontdesk.users.service import (
    LoginPolicy,
    NeedsLogin,
    end_all_sessions,
    ensure_not_throttled,
    start_session,
)

CHALLENGE_LIFETIME = timedelta(minutes=5)
RECOVERY_CODE_COUNT = 10
# 16 base32 characters: 80 random bits, so that a copy of the digests cannot be brute-forced.
RECOVERY_CODE_LENGTH = 16
SEAL_PURPOSE = "totp-secret"
ISSUER = "frontdesk"
POLICY_ID = 1

CodeKind = Literal["totp", "recovery"]
WRONG_CODE = (
    "This code is not right, or was already used. Enter the code your authenticator app shows "
    "now, or one of your recovery codes."
)


class WrongCode(Invalid):
    """A code that is not right: the failed attempt it recorded must stay, for throttling."""

    keep_changes = True

    def __init__(self) -> None:
        super().__init__("code", WRONG_CODE)


class WrongPassword(Invalid):
    keep_changes = True

    def __init__(self) -> None:
        super().__init__("password", "This is not your password.")


class BadCode(Unauthorized):
    """The login's second step with a wrong code: counted, like a wrong password."""

    code = "bad_code"
    keep_changes = True


class TwoFactorRequired(Forbidden):
    code = "two_factor_required"

    def __init__(self) -> None:
        super().__init__(
            "Your role must use two-factor authentication: set it up in Preferences → Security "
            "before doing anything else."
        )


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr_svg: str  # a data: URI of an SVG image, drawn here: no outside service sees the seed
    # Confirming needs the user's password; not for a user of single sign-on who has none.
    password_required: bool


@dataclass(frozen=True)
class Status:
    enabled: bool
    enabled_at: datetime | None
    required: bool
    recovery_codes_left: int


@dataclass(frozen=True)
class SignedIn:
    user: User
    auth: AuthSession
    token: str
    # With a recovery code: how many are left (the desk warns when they run low).
    recovery_codes_left: int | None = None


@dataclass(frozen=True)
class Challenge:
    user: User
    token: str
    expires_at: datetime


def _failure_key(user: User) -> str:
    return f"two-factor:{user.id}"


# --- the owner's rule ---------------------------------------------------------------------------


async def required_roles(session: AsyncSession) -> list[Role]:
    policy = await session.get(SecurityPolicy, POLICY_ID)
    roles = set(policy.two_factor_roles) if policy is not None else set()
    return [role for role in Role if role.value in roles]


async def set_required_roles(
    session: AsyncSession, *, actor: User, roles: Iterable[Role]
) -> list[Role]:
    if actor.role != Role.owner:
        raise Forbidden("Only an owner can choose who must use two-factor authentication.")
    chosen = [role for role in Role if role in set(roles)]
    roles_stored = [role.value for role in chosen]
    policy = await session.get(SecurityPolicy, POLICY_ID)
    if policy is None:
        try:
            async with session.begin_nested():
                session.add(SecurityPolicy(id=POLICY_ID, two_factor_roles=roles_stored))
            _tell_open_desks(session)
            return chosen
        except IntegrityError:
            # Another owner saved the first rule at the same moment: this one replaces it.
            policy = await session.get(SecurityPolicy, POLICY_ID, populate_existing=True)
            if policy is None:
                raise Conflict("Try again.", code="conflict") from None
    policy.two_factor_roles = roles_stored
    policy.updated_at = utcnow()
    await session.flush()
    _tell_open_desks(session)
    return chosen


def _tell_open_desks(session: AsyncSession) -> None:
    """The rule applies at once (docs/security.md): a desk open in a role that must now use
    two-factor authentication, without it, stops (chats/socket.py checks on this event)."""
    record_account_changed(session, user_ids=None)


async def must_enrol(session: AsyncSession, user: User) -> bool:
    """A user whose role must use two-factor authentication and who has not set it up."""
    if user.two_factor_enabled:
        return False
    return user.role in await required_roles(session)


async def status(session: AsyncSession, *, user: User) -> Status:
    return Status(
        enabled=user.two_factor_enabled,
        enabled_at=user.two_factor_enabled_at,
        required=user.role in await required_roles(session),
        recovery_codes_left=await recovery_codes_left(session, user=user),
    )


# --- setting it up, turning it off --------------------------------------------------------------


def _qr_svg(uri: str) -> str:
    # Black on white whatever the desk's theme: phone cameras read that best.
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def _ensure_in_person(by_token: bool) -> None:
    """One's own two-factor authentication is set up, renewed and turned off from the desk: an
    API token that leaked must not lock its owner out with a phone of the holder's."""
    if by_token:
        raise NeedsLogin(
            "An API token cannot change its user's two-factor authentication: sign in to the "
            "desk and do it under Preferences → Security.",
            code="two_factor_needs_login",
        )


async def start_enrolment(
    session: AsyncSession, *, user: User, secret_key: bytes, by_token: bool
) -> Enrolment:
    _ensure_in_person(by_token)
    if user.two_factor_enabled:
        raise Conflict(
            "Two-factor authentication is already on; turn it off first to use another phone.",
            code="two_factor_enabled",
        )
    secret = totp.new_secret()
    user.totp_pending_secret = secretbox.seal(secret_key, SEAL_PURPOSE, secret)
    uri = totp.provisioning_uri(secret, account=user.email, issuer=ISSUER)
    return Enrolment(
        secret=secret,
        uri=uri,
        qr_svg=_qr_svg(uri),
        password_required=user.password_hash is not None,
    )


async def confirm_enrolment(
    session: AsyncSession,
    *,
    user: User,
    secret_key: bytes,
    code: str,
    password: str | None,
    by_token: bool,
    ip: str,
    policy: LoginPolicy,
) -> list[str]:
    """Turns it on once a code shows the app holds the seed, and the password that the user is
    who they say (a session left open, or stolen, must not be able to lock them out, as with
    GitHub or Zendesk); answers the new recovery codes. A user of single sign-on without a
    password gives none: their provider's sign-in never asks for this code anyway."""
    _ensure_in_person(by_token)
    if user.two_factor_enabled:
        raise Conflict("Two-factor authentication is already on.", code="two_factor_enabled")
    if user.totp_pending_secret is None:
        raise Conflict(
            "Start setting up two-factor authentication first.", code="two_factor_not_started"
        )
    if user.password_hash is not None and not password:
        raise Invalid(
            "password",
            "Give your password to turn on two-factor authentication.",
            field_code="required",
        )
    await ensure_not_throttled(session, account=_failure_key(user), ip=ip, policy=policy)
    if user.password_hash is not None and not await asyncio.to_thread(
        verify_password, user.password_hash, password or ""
    ):
        # Counted like a wrong code, as when turning it off.
        session.add(LoginFailure(account=_failure_key(user), ip=ip))
        raise WrongPassword
    secret = _unseal(secret_key, user.totp_pending_secret)
    step = totp.matching_step(secret, code, at=utcnow(), after=None) if secret else None
    if step is None:
        session.add(LoginFailure(account=_failure_key(user), ip=ip))
        audit.record(
            session, action="two_factor.code_failed", target=user, changes={"when": "setup"}
        )
        raise WrongCode
    user.totp_secret = user.totp_pending_secret
    user.totp_pending_secret = None
    user.totp_last_step = step
    user.two_factor_enabled_at = utcnow()
    await _clear_failures(session, user)
    audit.record(session, action="two_factor.enabled", target=user, changes={"method": "totp"})
    return await _new_recovery_codes(session, user=user)


async def regenerate_recovery_codes(
    session: AsyncSession,
    *,
    user: User,
    secret_key: bytes,
    code: str,
    by_token: bool,
    ip: str,
    policy: LoginPolicy,
) -> list[str]:
    _ensure_in_person(by_token)
    _ensure_enabled(user)
    await _verify_or_count(
        session, user=user, secret_key=secret_key, code=code, ip=ip, policy=policy
    )
    audit.record(session, action="two_factor.recovery_codes_regenerated", target=user)
    return await _new_recovery_codes(session, user=user)


async def disable(
    session: AsyncSession,
    *,
    user: User,
    secret_key: bytes,
    password: str,
    code: str,
    by_token: bool,
    ip: str,
    policy: LoginPolicy,
) -> None:
    _ensure_in_person(by_token)
    _ensure_enabled(user)
    if user.role in await required_roles(session):
        raise Forbidden(
            f"Your role ({user.role.value}) must use two-factor authentication, so it cannot be "
            "turned off. To move it to a new phone, ask an owner to reset it.",
            code="two_factor_enforced",
        )
    await ensure_not_throttled(session, account=_failure_key(user), ip=ip, policy=policy)
    if not await asyncio.to_thread(verify_password, user.password_hash, password):
        session.add(LoginFailure(account=_failure_key(user), ip=ip))
        raise WrongPassword
    await _verify_or_count(
        session, user=user, secret_key=secret_key, code=code, ip=ip, policy=policy
    )
    await _forget(session, user)
    audit.record(session, action="two_factor.disabled", target=user)


async def reset(session: AsyncSession, *, actor: User, user: User) -> None:
    """An owner turns off someone's two-factor authentication (a lost phone): every session of
    theirs ends, and they set it up again at their next login if their role requires it."""
    if actor.role != Role.owner:
        raise Forbidden("Only an owner can reset someone's two-factor authentication.")
    if actor.id == user.id:
        raise Forbidden(
            "Turn off your own two-factor authentication in Preferences → Security.",
            code="own_two_factor",
        )
    await reset_from_server(session, user=user)


async def reset_from_server(session: AsyncSession, *, user: User) -> None:
    """The reset itself, also for whoever runs the server (`frontdesk reset-two-factor`): the
    way back in for a lone owner who lost both phone and recovery codes."""
    if not user.two_factor_enabled and user.totp_pending_secret is None:
        raise Conflict(
            f"{user.name} does not use two-factor authentication.", code="two_factor_disabled"
        )
    await _forget(session, user)
    await end_all_sessions(session, user=user, reason=AccessEndedReason.two_factor_reset)
    audit.record(session, action="two_factor.reset", target=user)


async def _forget(session: AsyncSession, user: User) -> None:
    user.totp_secret = None
    user.totp_pending_secret = None
    user.totp_last_step = None
    user.two_factor_enabled_at = None
    user.updated_at = utcnow()
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    await session.execute(delete(TwoFactorChallenge).where(TwoFactorChallenge.user_id == user.id))


def _ensure_enabled(user: User) -> None:
    if not user.two_factor_enabled:
        raise Conflict("Two-factor authentication is off.", code="two_factor_disabled")


def _unseal(secret_key: bytes, stored: str) -> str | None:
    try:
        return secretbox.unseal(secret_key, SEAL_PURPOSE, stored)
    except secretbox.Unreadable:
        # Sealed under a secret key since changed: no code from the app can match; recovery
        # codes still work, and an owner can reset it (docs/security.md).
        return None


# --- recovery codes -----------------------------------------------------------------------------


def _new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()
    return "-".join(raw[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4))


def _recovery_digest(code: str) -> str:
    return totp.digest_of(totp.normalize_code(code).lower())


async def _new_recovery_codes(session: AsyncSession, *, user: User) -> list[str]:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user.id, digest=_recovery_digest(c)) for c in codes)
    await session.flush()
    return codes


async def recovery_codes_left(session: AsyncSession, *, user: User) -> int:
    left = await session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    return left or 0


# --- checking a code ----------------------------------------------------------------------------


async def check_code(
    session: AsyncSession, *, user: User, secret_key: bytes, code: str
) -> CodeKind | None:
    """A TOTP code (6 digits) or a recovery code, each taken at most once; None if neither."""
    cleaned = totp.normalize_code(code)
    if len(cleaned) == totp.DIGITS and cleaned.isdigit():
        secret = _unseal(secret_key, user.totp_secret) if user.totp_secret else None
        step = (
            totp.matching_step(secret, cleaned, at=utcnow(), after=user.totp_last_step)
            if secret
            else None
        )
        if step is None:
            return None
        # Conditional, so that two requests racing with one code cannot both pass.
        taken = await session.execute(
            update(User)
            .where(
                User.id == user.id,
                or_(User.totp_last_step.is_(None), User.totp_last_step < step),
            )
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        user.totp_last_step = step
        return "totp"
    if len(cleaned) != RECOVERY_CODE_LENGTH:
        return None
    used = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.digest == _recovery_digest(cleaned),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return "recovery" if used.rowcount == 1 else None  # type: ignore[attr-defined]


async def _verify_or_count(
    session: AsyncSession,
    *,
    user: User,
    secret_key: bytes,
    code: str,
    ip: str,
    policy: LoginPolicy,
    at_login: bool = False,
    device: str | None = None,
) -> CodeKind:
    """A code checked and taken, or the failure counted; at login a wrong code is a 401 like a
    wrong password, elsewhere a 422 on the `code` field of a signed-in user's form. `device`
    names a browser the user signed in from before: its failures count apart (users/devices.py)."""
    await ensure_not_throttled(
        session, account=_failure_key(user), ip=ip, policy=policy, device=device
    )
    kind = await check_code(session, user=user, secret_key=secret_key, code=code)
    if kind is None:
        session.add(LoginFailure(account=_failure_key(user), ip=ip, device=device))
        when = "login" if at_login else "form"
        audit.record(session, action="two_factor.code_failed", target=user, changes={"when": when})
        if at_login:
            raise BadCode(WRONG_CODE)
        raise WrongCode
    await _clear_failures(session, user)
    if kind == "recovery":
        left = await recovery_codes_left(session, user=user)
        audit.record(
            session, action="two_factor.recovery_code_used", target=user, changes={"left": left}
        )
    return kind


async def _clear_failures(session: AsyncSession, user: User) -> None:
    await session.execute(delete(LoginFailure).where(LoginFailure.account == _failure_key(user)))


# --- the login's second step --------------------------------------------------------------------


async def second_step(
    session: AsyncSession,
    *,
    user: User,
    policy: LoginPolicy,
    ip: str | None,
    user_agent: str | None,
) -> SignedIn | Challenge:
    """For a user who passed the first factor (their password): a session when they have no
    second factor, else a challenge that `complete_challenge` turns into one. Sign-in through
    single sign-on does not come here: the identity provider asks for its own second factor."""
    if not user.two_factor_enabled:
        auth, token = await start_session(
            session, user=user, policy=policy, ip=ip, user_agent=user_agent
        )
        return SignedIn(user=user, auth=auth, token=token)
    now = utcnow()
    # Housekeeping: this user's old challenges go as a new one comes.
    await session.execute(
        delete(TwoFactorChallenge).where(
            TwoFactorChallenge.user_id == user.id, TwoFactorChallenge.expires_at <= now
        )
    )
    token = new_token("c_")
    expires_at = now + CHALLENGE_LIFETIME
    session.add(
        TwoFactorChallenge(
            user_id=user.id, token_hash=token_digest(token), created_at=now, expires_at=expires_at
        )
    )
    await session.flush()
    return Challenge(user=user, token=token, expires_at=expires_at)


async def complete_challenge(
    session: AsyncSession,
    *,
    challenge: str,
    code: str,
    secret_key: bytes,
    policy: LoginPolicy,
    ip: str,
    user_agent: str | None,
    device_cookie: str | None = None,
) -> SignedIn:
    """Signs in the holder of a challenge whose code is right. `device_cookie` is the browser's
    cookie of users/devices.py, which may vouch for this user."""
    row = (
        await session.execute(
            select(TwoFactorChallenge, User)
            .join(User, User.id == TwoFactorChallenge.user_id)
            .where(TwoFactorChallenge.token_hash == token_digest(challenge))
        )
    ).one_or_none()
    if row is None or row[0].expires_at <= utcnow() or not row[1].is_active:
        raise Unauthorized(
            "This sign-in has expired or is not valid: enter your email and password again.",
            code="challenge_expired",
        )
    found, user = row
    kind = await _verify_or_count(
        session,
        user=user,
        secret_key=secret_key,
        code=code,
        ip=ip,
        policy=policy,
        at_login=True,
        device=devices.recognised(device_cookie, secret=secret_key, user=user),
    )
    await session.execute(delete(TwoFactorChallenge).where(TwoFactorChallenge.id == found.id))
    auth, token = await start_session(
        session, user=user, policy=policy, ip=ip, user_agent=user_agent, method=f"password+{kind}"
    )
    left = await recovery_codes_left(session, user=user) if kind == "recovery" else None
    return SignedIn(user=user, auth=auth, token=token, recovery_codes_left=left)
