"""Accounts: users, password login with throttling, desk sessions, personal API tokens."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import context as audit_context
from frontdesk.audit.service import Target, record
from frontdesk.db.unique import flush_unique
from frontdesk.errors import (
    BadCredentials,
    Conflict,
    Forbidden,
    Invalid,
    LoginThrottled,
    NotFound,
    Unauthorized,
)
from frontdesk.kit.clock import utcnow
from frontdesk.kit.ids import new_token, token_digest
from frontdesk.kit.passwords import hash_password, needs_rehash, verify_password
from frontdesk.kit.text import normalized_lines
from frontdesk.kit.zones import is_place
from frontdesk.pending_replies import gone as scheduled_gone
from frontdesk.timetracking import gone as timers_gone
from frontdesk.users import light_agents
from frontdesk.users.events import (
    AccessEndedReason,
    publish_access_ended,
    record_account_changed,
)
from frontdesk.users.models import (
    DEFAULT_PREFERENCES,
    MAX_EMAIL_SIGNATURE,
    MAX_TOKEN_LIFETIME_DAYS,
    ApiToken,
    AuthSession,
    LoginFailure,
    Role,
    TokenAccess,
    User,
)

MIN_PASSWORD_LENGTH = 10
PREFERENCE_TYPES: dict[str, type] = {
    "sound": bool,
    "desktop_notifications": bool,
    "language": str,
    "time_zone": str,
    "undo_send_seconds": int,
}
# Undo send's choices in seconds, 0 for off (pending_replies/service.py holds the replies).
UNDO_SEND_SECONDS = (0, 5, 10, 20, 30)
# The languages the desk has words for: LOCALES in web/desk/src/i18n/index.ts (a test keeps the
# two lists equal).
DESK_LANGUAGES = ("en", "fr")
# Names the tz database keeps for its own machinery, not places: browsers refuse them, and a
# desk told to format dates in them would fail.
# The longest IANA name has 32 characters; past this a name is no zone (and no file to look up).
MAX_TIME_ZONE_LENGTH = 64


@dataclass(frozen=True)
class LoginPolicy:
    max_failures_per_account: int
    max_failures_per_ip: int
    window: timedelta
    session_lifetime: timedelta


async def hash_in_thread(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def ensure_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid("password", f"Use at least {MIN_PASSWORD_LENGTH} characters.")


async def get_user(session: AsyncSession, *, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


async def get_user_by_email(session: AsyncSession, *, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == normalize_email(email)))


async def list_users(session: AsyncSession) -> Sequence[User]:
    return (await session.scalars(select(User).order_by(User.name, User.id))).all()


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    password: str | None,
    role: Role = Role.agent,
    max_concurrent_chats: int = 3,
) -> User:
    if password is not None:
        ensure_password_strength(password)
    email = normalize_email(email)
    if await get_user_by_email(session, email=email) is not None:
        raise Conflict(f"A user with the email {email} already exists.", code="email_taken")
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=await hash_in_thread(password) if password else None,
        max_concurrent_chats=max_concurrent_chats,
        preferences=dict(DEFAULT_PREFERENCES),
    )
    session.add(user)
    taken = Conflict(f"A user with the email {email} already exists.", code="email_taken")
    await flush_unique(session, taken=taken)
    return user


async def update_user(
    session: AsyncSession,
    *,
    actor: User,
    user: User,
    name: str | None = None,
    email: str | None = None,
    role: Role | None = None,
    is_active: bool | None = None,
    password: str | None = None,
    max_concurrent_chats: int | None = None,
    email_signature: str | None = None,
    current_session: AuthSession | None = None,
    current_password: str | None = None,
    proof: PasswordProof | None = None,
) -> User:
    """`current_session`: the actor's own desk session, None when they act by API token.
    Setting one's own password needs `current_password`, checked and throttled under `proof`
    as a login is: a stolen session or token must not be able to lock its owner out.
    `email_signature`: None leaves it, "" (or only spaces) removes it."""
    if password is not None and actor.id == user.id:
        # First, before anything changes: a wrong current password keeps its failed attempt
        # (for throttling) and nothing else of the request.
        await _ensure_own_password(
            session,
            user=user,
            given=current_password,
            signed_in=current_session is not None,
            proof=proof,
        )
    changing_power = role is not None and role != user.role
    # Who may act first: an admin is told they may not touch an owner, not whether the desk
    # has another one.
    if role == Role.owner and actor.role != Role.owner:
        raise Forbidden("Only an owner can make someone an owner.")
    if user.role == Role.owner and actor.role != Role.owner and actor.id != user.id:
        raise Forbidden("Only an owner can change an owner.")
    if (changing_power or is_active is False) and user.role == Role.owner:
        await _ensure_another_owner(session, user=user)
    if changing_power and role == Role.collaborator:
        await light_agents.ensure_may_become_light(session, user=user)
    # Checked before anything changes: a refused signature leaves the rest of the save undone.
    signature = cleaned_signature(email_signature) if email_signature is not None else None
    if name is not None:
        user.name = name.strip()
    if email is not None and normalize_email(email) != user.email:
        if await get_user_by_email(session, email=email) is not None:
            raise Conflict(f"A user with the email {email} already exists.", code="email_taken")
        user.email = normalize_email(email)
    if changing_power:
        # An admin sees every inbox and an agent only theirs; and the role may now have to use
        # two-factor authentication. Their open desks check both again (chats/socket.py).
        record_account_changed(session, user_ids=[user.id])
    if role is not None:
        user.role = role
    if password is not None:
        ensure_password_strength(password)
        user.password_hash = await hash_in_thread(password)
        # The hash itself never goes into the log (the flush listener does not read it).
        record(session, action="user.password_changed", target=user)
        # Everywhere else is logged out; the browser that changed it stays in.
        await end_all_sessions(
            session, user=user, keep=current_session, reason=AccessEndedReason.password_changed
        )
    if max_concurrent_chats is not None:
        user.max_concurrent_chats = max_concurrent_chats
    if email_signature is not None:
        user.email_signature = signature
    if is_active is not None:
        user.is_active = is_active
        if not is_active:
            await end_all_sessions(session, user=user, reason=AccessEndedReason.deactivated)
            await _revoke_all_tokens(session, user=user)
            await timers_gone.agent_deactivated(session, user_id=user.id)
            await scheduled_gone.agent_deactivated(session, user_id=user.id)
    user.updated_at = utcnow()
    return user


def cleaned_signature(text: str) -> str | None:
    """An agent's own signature as saved: plain text, its line ends as an inbox's signature's
    (kit/text.py `normalized_lines`); None for none (empty, or only spaces). Braces in it are
    text: it is inserted as written, never filled (inboxes/signatures.py)."""
    text = normalized_lines(text)
    if len(text) > MAX_EMAIL_SIGNATURE:
        raise Invalid(
            "email_signature",
            f"At most {MAX_EMAIL_SIGNATURE} characters: your signature has {len(text)}.",
            field_code="too_long",
            limit=MAX_EMAIL_SIGNATURE,
        )
    return text or None


@dataclass(frozen=True)
class PasswordProof:
    """Where a request to change one's own password came from, for the login throttle."""

    ip: str
    policy: LoginPolicy


async def _ensure_own_password(
    session: AsyncSession,
    *,
    user: User,
    given: str | None,
    signed_in: bool,
    proof: PasswordProof | None,
) -> None:
    if not signed_in:
        raise NeedsLogin(
            "An API token cannot change its user's password: sign in to the desk and change it "
            "under Preferences → Security.",
            code="password_needs_login",
        )
    if user.password_hash is None:
        # Created by single sign-on: no password to prove the request with, so a stolen session
        # could otherwise give the account a password of the thief's choosing.
        raise Forbidden(
            "You sign in with single sign-on and have no desk password. An admin can set one "
            "for you in Settings → Users.",
            code="no_password",
        )
    if not given:
        raise Invalid("current_password", "Give your current password to choose a new one.")
    if proof is not None:
        await ensure_not_throttled(session, account=user.email, ip=proof.ip, policy=proof.policy)
    if not await asyncio.to_thread(verify_password, user.password_hash, given):
        if proof is not None:
            # Counted with failed logins: guessing here is guessing there.
            session.add(LoginFailure(account=user.email, ip=proof.ip))
        raise WrongCurrentPassword


class WrongCurrentPassword(Invalid):
    # The failed attempt recorded with it must stay, for throttling.
    keep_changes = True

    def __init__(self) -> None:
        super().__init__("current_password", "This is not your current password.")


async def _revoke_all_tokens(session: AsyncSession, *, user: User) -> None:
    """A deactivated user's tokens stop for good: reactivating the account does not bring back
    a token that may have left with them."""
    await session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def _ensure_another_owner(session: AsyncSession, *, user: User) -> None:
    owners = await session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.owner, User.is_active, User.id != user.id)
    )
    if not owners:
        raise Conflict("The desk needs at least one active owner.", code="last_owner")


def update_preferences(user: User, *, preferences: dict[str, Any]) -> User:
    merged = dict(DEFAULT_PREFERENCES) | dict(user.preferences)
    for key, value in preferences.items():
        expected = PREFERENCE_TYPES.get(key)
        if expected is None:
            raise Invalid(f"preferences.{key}", "Unknown preference.")
        # A bool is an int to Python, not to JSON: `true` is no number of seconds.
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise Invalid(f"preferences.{key}", f"Must be a {expected.__name__}.")
        # Both are strings by now; isinstance tells the type checker so.
        if key == "language" and isinstance(value, str):
            _ensure_desk_language(value)
        elif key == "time_zone" and isinstance(value, str):
            _ensure_time_zone(value)
        elif key == "undo_send_seconds" and value not in UNDO_SEND_SECONDS:
            choices = ", ".join(str(seconds) for seconds in UNDO_SEND_SECONDS)
            raise Invalid("preferences.undo_send_seconds", f"Choose one of {choices} (0 is off).")
        merged[key] = value
    user.preferences = merged
    user.updated_at = utcnow()
    return user


def _ensure_desk_language(language: str) -> None:
    if language and language not in DESK_LANGUAGES:
        choices = ", ".join(f'"{code}"' for code in DESK_LANGUAGES)
        raise Invalid(
            "preferences.language",
            f'The desk speaks {choices}; "{language}" is not one of them. '
            'Use "" to follow the browser\'s language.',
        )


def is_time_zone(name: str) -> bool:
    """An IANA time zone the server's tz database knows, such as "Europe/Paris"."""
    return len(name) <= MAX_TIME_ZONE_LENGTH and is_place(name)


def _ensure_time_zone(time_zone: str) -> None:
    if time_zone and not is_time_zone(time_zone):
        raise Invalid(
            "preferences.time_zone",
            f'"{time_zone}" is not a time zone: use an IANA name such as "Europe/Paris" '
            '(case matters), or "" to follow the browser\'s time zone.',
        )


# --- login, sessions, tokens -------------------------------------------------------------------


async def ensure_not_throttled(
    session: AsyncSession,
    *,
    account: str,
    ip: str,
    policy: LoginPolicy,
    device: str | None = None,
) -> None:
    """Refuses a login attempt after too many failures. From a browser the account signed in
    from before (`device`, users/devices.py), only that browser's own failures count; from
    anywhere else, the account's and the address's failures from unknown browsers."""
    since = utcnow() - policy.window
    minutes = int(policy.window.total_seconds() // 60)
    from_elsewhere = LoginFailure.device.is_(None)
    limits = (
        [
            (
                (LoginFailure.account == account) & (LoginFailure.device == device),
                policy.max_failures_per_account,
                "device",
                f"Too many failed logins from this browser. Try again in {minutes} minutes.",
            )
        ]
        if device is not None
        else [
            (
                (LoginFailure.account == account) & from_elsewhere,
                policy.max_failures_per_account,
                "account",
                f"Too many failed logins for this account. Try again in {minutes} minutes, "
                "or sign in from a browser you have signed in to the desk from before.",
            ),
            (
                (LoginFailure.ip == ip) & from_elsewhere,
                policy.max_failures_per_ip,
                "ip",
                f"Too many failed logins for your network address. Try again in {minutes} minutes.",
            ),
        ]
    )
    for condition, limit, kind, message in limits:
        failures = await session.scalar(
            select(func.count()).where(condition, LoginFailure.at >= since)
        )
        if (failures or 0) >= limit:
            # The email tried is an agent's account (or a guess at one), never a customer's.
            record(
                session,
                action="auth.login_throttled",
                target=Target("user", None, account),
                changes={"limit": kind},
            )
            raise LoginThrottled(message, retry_after=int(policy.window.total_seconds()))


async def authenticate(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    ip: str,
    policy: LoginPolicy,
    vouched: Callable[[User], str | None] | None = None,
) -> User:
    """Checks the password; a failure is recorded by the caller's own transaction (see login).
    `vouched` names the browser when it signed in to the account before (users/devices.py)."""
    account = normalize_email(email)
    user = await get_user_by_email(session, email=account)
    device = vouched(user) if vouched is not None and user is not None else None
    await ensure_not_throttled(session, account=account, ip=ip, policy=policy, device=device)
    # argon2 is slow on purpose: off the event loop, so sockets and requests keep flowing.
    ok = await asyncio.to_thread(verify_password, user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        session.add(LoginFailure(account=account, ip=ip, device=device))
        reason = "unknown_account" if user is None else "wrong_password" if not ok else "inactive"
        record(
            session,
            action="auth.login_failed",
            target=Target("user", user.id if user else None, account),
            changes={"reason": reason},
        )
        raise BadCredentials("Wrong email or password.")
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = await hash_in_thread(password)
    await session.execute(delete(LoginFailure).where(LoginFailure.account == account))
    return user


async def start_session(
    session: AsyncSession,
    *,
    user: User,
    policy: LoginPolicy,
    ip: str | None,
    user_agent: str | None,
    method: str = "password",
) -> tuple[AuthSession, str]:
    """`method`: how they proved who they are ("password", "sso"), for the audit log."""
    token = new_token("s_")
    now = utcnow()
    auth = AuthSession(
        user_id=user.id,
        token_hash=token_digest(token),
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + policy.session_lifetime,
        ip=ip,
        user_agent=(user_agent or "")[:300] or None,
    )
    session.add(auth)
    await session.flush()
    audit_context.identify(user)
    record(session, action="auth.login", target=user, changes={"method": method})
    return auth, token


async def resolve_session(session: AsyncSession, *, token: str) -> tuple[AuthSession, User] | None:
    row = (
        await session.execute(
            select(AuthSession, User)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.token_hash == token_digest(token))
        )
    ).one_or_none()
    if row is None:
        return None
    auth, user = row
    now = utcnow()
    if auth.expires_at <= now or not user.is_active:
        return None
    # Touch at most once a minute: every request writing the row would serialise the desk.
    if now - auth.last_seen_at > timedelta(minutes=1):
        await session.execute(
            update(AuthSession).where(AuthSession.id == auth.id).values(last_seen_at=now)
        )
    return auth, user


async def end_session(session: AsyncSession, *, auth: AuthSession) -> None:
    await session.execute(delete(AuthSession).where(AuthSession.id == auth.id))
    user = await session.get(User, auth.user_id)
    record(session, action="auth.logout", target=user or Target("user", auth.user_id))
    publish_access_ended(
        session, user_id=auth.user_id, reason=AccessEndedReason.logged_out, session_id=auth.id
    )


async def end_all_sessions(
    session: AsyncSession,
    *,
    user: User,
    reason: AccessEndedReason,
    keep: AuthSession | None = None,
) -> None:
    statement = delete(AuthSession).where(AuthSession.user_id == user.id)
    if keep is not None:
        statement = statement.where(AuthSession.id != keep.id)
    await session.execute(statement)
    publish_access_ended(
        session, user_id=user.id, reason=reason, all_sessions_but=keep.id if keep else 0
    )


class NeedsLogin(Forbidden):
    """Refused to an API token, left to a person signed in to the desk: a token that leaked must
    not give whoever holds it a way in of their own (a password of their choosing, another
    token) nor lock the owner out (two-factor authentication on the holder's phone). Its code
    names what was refused: `password_needs_login`, `token_needs_login`,
    `two_factor_needs_login`."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code)


async def create_api_token(
    session: AsyncSession,
    *,
    user: User,
    name: str,
    by_token: bool,
    access: TokenAccess = TokenAccess.write,
    expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """`by_token`: asked with an API token, which may not make more of itself.
    `expires_in_days`: None for a token that never expires."""
    if by_token:
        raise NeedsLogin(
            "An API token cannot create API tokens: sign in to the desk and create one under "
            "Preferences → API tokens.",
            code="token_needs_login",
        )
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_LIFETIME_DAYS:
        raise Invalid(
            "expires_in_days",
            f"A token expires after 1 to {MAX_TOKEN_LIFETIME_DAYS} days, or never "
            "(leave expires_in_days out).",
        )
    token = new_token("fd_")
    now = utcnow()
    api_token = ApiToken(
        user_id=user.id,
        name=name.strip() or "API token",
        token_hash=token_digest(token),
        prefix=token[:10],
        access=access,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(api_token)
    await session.flush()
    record(
        session,
        action="token.created",
        target=Target("token", api_token.id, api_token.name),
        changes={
            "owner": user.email,
            "prefix": api_token.prefix,
            "access": access.value,
            "expires_at": api_token.expires_at.isoformat() if api_token.expires_at else None,
        },
    )
    return api_token, token


async def list_api_tokens(session: AsyncSession, *, user: User) -> Sequence[ApiToken]:
    return (
        await session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id)
        )
    ).all()


async def revoke_api_token(session: AsyncSession, *, user: User, token_id: int) -> None:
    result = await session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise NotFound("No such API token.")
    name = await session.scalar(select(ApiToken.name).where(ApiToken.id == token_id))
    record(
        session,
        action="token.revoked",
        target=Target("token", token_id, name),
        changes={"owner": user.email},
    )
    publish_access_ended(
        session, user_id=user.id, reason=AccessEndedReason.token_revoked, token_id=token_id
    )


class TokenExpired(Unauthorized):
    """Distinct from a token that never was (`bad_token`): a script can tell its owner to make
    a new one rather than look for a typo."""

    def __init__(self) -> None:
        super().__init__(
            "This API token has expired: create a new one under Preferences → API tokens.",
            code="token_expired",
        )


# `last_used_at` is written at most this often per token: a script calling many times a second
# costs one write a minute, not one per request.
LAST_USED_PRECISION = timedelta(minutes=1)


async def resolve_api_token(session: AsyncSession, *, token: str) -> tuple[ApiToken, User] | None:
    """The live token and its active user, None when there is none; raises `TokenExpired` for a
    token past its expiry (its use is not recorded)."""
    row = (
        await session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == token_digest(token), ApiToken.revoked_at.is_(None))
        )
    ).one_or_none()
    if row is None:
        return None
    api_token, user = row
    if not user.is_active:
        return None
    if api_token.expired:
        raise TokenExpired
    now = utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_PRECISION:
        # Guarded: of two requests in the same minute, only one writes.
        await session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == api_token.id,
                (ApiToken.last_used_at.is_(None))
                | (ApiToken.last_used_at <= now - LAST_USED_PRECISION),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
    return api_token, user
