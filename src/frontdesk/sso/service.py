"""Single sign-on's rules: who may change the provider settings, whether a password login is
still allowed, and who a verified provider account is (an existing user, a linked one, or a new
one made just in time). The provider's protocol is sso/oidc.py; the cookie is sso/attempts.py."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from frontdesk.audit import service as audit
from frontdesk.errors import Forbidden, Invalid
from frontdesk.kit.clock import utcnow
from frontdesk.sso import oidc
from frontdesk.sso.models import SETTINGS_ID, SsoIdentity, SsoSettings
from frontdesk.users import service as users_service
from frontdesk.users.models import Role, User

DEFAULT_LABEL = "single sign-on"
MAX_DOMAINS = 50


class Refusal(enum.StrEnum):
    """Why a sign-in through the provider did not let someone in; the desk's login page says it
    in the agent's language (sso.errors.* in web/desk/src/i18n)."""

    not_enabled = "not_enabled"
    provider_error = "provider_error"
    bad_state = "bad_state"
    provider_refused = "provider_refused"
    invalid_token = "invalid_token"  # noqa: S105  (a reason, not a secret)
    email_not_verified = "email_not_verified"
    no_account = "no_account"
    domain_not_allowed = "domain_not_allowed"
    deactivated = "deactivated"
    linked_to_another = "linked_to_another"


class PasswordsOff(Forbidden):
    """A correct password for a desk that signs in with its provider only."""

    code = "sso_only"
    # The refusal stays in the audit log.
    keep_changes = True


class SignInRefused(Exception):
    def __init__(self, reason: Refusal, detail: str = "") -> None:
        super().__init__(detail or reason.value)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class SettingsFields:
    enabled: bool
    issuer: str
    client_id: str
    # None keeps the stored secret; "" forgets it (a public client).
    client_secret: str | None
    button_label: str
    create_users: bool
    default_role: Role
    allowed_domains: list[str]
    sso_only: bool


def ensure_owner(user: User) -> None:
    if user.role != Role.owner:
        raise Forbidden("Only an owner can change single sign-on.", code="owner_only")


async def get_settings(session: AsyncSession) -> SsoSettings:
    """The settings row; a blank, disabled one when none was ever saved (not added)."""
    row = await session.scalar(
        select(SsoSettings)
        .where(SsoSettings.id == SETTINGS_ID)
        .options(undefer(SsoSettings.client_secret))
    )
    if row is None:
        return SsoSettings(
            id=SETTINGS_ID,
            enabled=False,
            issuer="",
            client_id="",
            client_secret=None,
            button_label="",
            create_users=False,
            default_role=Role.agent,
            allowed_domains=[],
            sso_only=False,
        )
    return row


def label(settings: SsoSettings) -> str:
    return settings.button_label or DEFAULT_LABEL


def _clean_domains(domains: list[str]) -> list[str]:
    cleaned: list[str] = []
    for raw in domains:
        domain = raw.strip().lower().lstrip("@")
        if not domain:
            continue
        if " " in domain or "." not in domain or "@" in domain or len(domain) > 253:
            raise Invalid("allowed_domains", f'"{raw}" is not a domain such as example.com.')
        if domain not in cleaned:
            cleaned.append(domain)
    if len(cleaned) > MAX_DOMAINS:
        raise Invalid("allowed_domains", f"At most {MAX_DOMAINS} domains.")
    return cleaned


async def update_settings(
    session: AsyncSession, *, actor: User, fields: SettingsFields
) -> SsoSettings:
    ensure_owner(actor)
    issuer = fields.issuer.strip().rstrip("/")
    if issuer:
        problem = oidc.check_issuer_url(issuer)
        if problem:
            raise Invalid("issuer", problem)
    if fields.default_role == Role.owner:
        raise Invalid("default_role", "New users get the agent or admin role, never owner.")
    domains = _clean_domains(fields.allowed_domains)
    settings = await get_settings(session)
    secret = settings.client_secret if fields.client_secret is None else fields.client_secret
    if fields.enabled and not (issuer and fields.client_id.strip()):
        raise Invalid(
            "enabled", "Give the issuer and the client id before turning single sign-on on."
        )
    if fields.sso_only and not fields.enabled:
        raise Invalid("sso_only", "Turn single sign-on on before making it the only way in.")
    settings.enabled = fields.enabled
    settings.issuer = issuer
    settings.client_id = fields.client_id.strip()
    settings.client_secret = secret or None
    settings.button_label = fields.button_label.strip()
    settings.create_users = fields.create_users
    settings.default_role = fields.default_role
    settings.allowed_domains = domains
    settings.sso_only = fields.sso_only
    settings.updated_at = utcnow()
    if settings not in session:
        session.add(settings)
    await session.flush()
    return settings


@dataclass(frozen=True)
class TestResult:
    ok: bool
    message: str
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    jwks_uri: str | None = None


async def test_provider(*, actor: User, issuer: str) -> TestResult:
    """Fetches the discovery document and the keys, as a sign-in would."""
    ensure_owner(actor)
    issuer = issuer.strip().rstrip("/")
    try:
        discovery = await oidc.discover(issuer)
        keys = await oidc.fetch_keys(discovery)
    except oidc.ProviderError as error:
        return TestResult(ok=False, message=str(error))
    count = len(keys.keys)
    return TestResult(
        ok=True,
        message=f"The provider answered: {count} signing key{'s' if count != 1 else ''}.",
        authorization_endpoint=discovery.authorization_endpoint,
        token_endpoint=discovery.token_endpoint,
        jwks_uri=discovery.jwks_uri,
    )


def refused(session: AsyncSession, reason: Refusal) -> None:
    """A sign-in through the provider that did not let someone in, kept in the audit log."""
    audit.record(session, action="auth.sso_refused", changes={"reason": reason.value})


async def ensure_password_login_allowed(session: AsyncSession, *, user: User) -> None:
    """With "SSO only", a password signs in owners alone: their break-glass way in when the
    provider is down or misconfigured."""
    if user.role == Role.owner:
        return
    settings = await get_settings(session)
    if settings.enabled and settings.sso_only:
        audit.record(
            session, action="auth.login_failed", target=user, changes={"reason": "sso_only"}
        )
        raise PasswordsOff(
            f"Sign in with {label(settings)}: passwords are turned off for this desk."
        )


async def enabled_settings(session: AsyncSession) -> SsoSettings:
    settings = await get_settings(session)
    if not settings.enabled or not settings.issuer or not settings.client_id:
        raise SignInRefused(Refusal.not_enabled)
    return settings


def _domain(email: str) -> str:
    return email.rsplit("@", 1)[-1].lower()


async def resolve_user(
    session: AsyncSession, *, settings: SsoSettings, issuer: str, claims: oidc.Claims
) -> tuple[User, bool]:
    """The user a verified provider account signs in as, and whether they were just created.

    Linking: the first sign-in of a provider account matches the user by email and remembers the
    account's subject (sub) with that user; from then on the subject decides, whatever email the
    provider says."""
    if not claims.email_verified:
        raise SignInRefused(Refusal.email_not_verified)
    email = users_service.normalize_email(claims.email)
    # Every sign-in, not only new accounts: the list says which provider accounts may come in.
    if settings.allowed_domains and _domain(email) not in settings.allowed_domains:
        raise SignInRefused(Refusal.domain_not_allowed)
    identity = await session.scalar(
        select(SsoIdentity).where(
            SsoIdentity.issuer == issuer, SsoIdentity.subject == claims.subject
        )
    )
    now = utcnow()
    if identity is not None:
        user = await users_service.get_user(session, user_id=identity.user_id)
        if not user.is_active:
            raise SignInRefused(Refusal.deactivated)
        identity.email, identity.last_login_at = email, now
        return user, False
    existing = await users_service.get_user_by_email(session, email=email)
    if existing is not None:
        if not existing.is_active:
            raise SignInRefused(Refusal.deactivated)
        linked = await session.scalar(
            select(SsoIdentity).where(
                SsoIdentity.user_id == existing.id, SsoIdentity.issuer == issuer
            )
        )
        if linked is not None:
            # The email now belongs to another account at the provider than the one linked.
            raise SignInRefused(Refusal.linked_to_another)
        session.add(
            SsoIdentity(user_id=existing.id, issuer=issuer, subject=claims.subject, email=email)
        )
        await session.flush()
        audit.record(session, action="sso.linked", target=existing, changes={"issuer": issuer})
        return existing, False
    if not settings.create_users:
        raise SignInRefused(Refusal.no_account)
    user = await users_service.create_user(
        session,
        email=email,
        name=claims.name.strip()[:200] or email.split("@")[0],
        password=None,
        role=settings.default_role if settings.default_role != Role.owner else Role.agent,
    )
    session.add(SsoIdentity(user_id=user.id, issuer=issuer, subject=claims.subject, email=email))
    await session.flush()
    audit.record(session, action="sso.linked", target=user, changes={"issuer": issuer})
    return user, True
