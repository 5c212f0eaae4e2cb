from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BeforeValidator, ConfigDict, EmailStr, Field

from frontdesk.kit.schemas import FROM_STRING, InUtc, Name, ReadModel, WriteModel
from frontdesk.kit.text import normalized_lines
from frontdesk.users.models import (
    MAX_EMAIL_SIGNATURE,
    MAX_TOKEN_LIFETIME_DAYS,
    Role,
    TokenAccess,
    User,
)

MaxChats = Annotated[int, Field(ge=0, le=50)]
Moment = Annotated[AwareDatetime, FROM_STRING, InUtc]
# A note colleagues read beside the agent's name (docs/desk.md, "Out of office").
OUT_OF_OFFICE_NOTE_LENGTH = 200
EmailSignature = Annotated[
    str,
    Field(
        max_length=MAX_EMAIL_SIGNATURE,
        description="The user's own email signature, plain text (braces are text, not "
        "variables): what {{agent.signature}} in an inbox's signature is filled with, and what "
        "signs their email replies from an inbox without a signature. Line ends may be CRLF, "
        "CR or LF (saved as LF); the limit counts it so, without the spaces around it. Empty "
        "or null: none.",
    ),
    # Last, so it runs first: the limit counts the text as saved, not a textarea's CRLFs.
    BeforeValidator(lambda value: normalized_lines(value) if isinstance(value, str) else value),
]


class OutOfOfficeRead(ReadModel):
    """An absence set, now or to come; null once over or when none is set (read from
    `User.out_of_office`)."""

    model_config = ConfigDict(populate_by_name=True)

    from_: datetime = Field(alias="from", description="When it starts (or started).")
    until: datetime | None = Field(description="When it ends by itself; null: until turned off.")
    note: str | None = Field(description="A short note for colleagues.")
    keep_assigned: bool = Field(
        description="Tickets assigned to them that customers answer meanwhile stay theirs; "
        "false: they go back to the team."
    )


class OutOfOfficeSet(WriteModel):
    """Replaces the absence set, if any."""

    model_config = ConfigDict(populate_by_name=True)

    from_: Moment | None = Field(
        default=None,
        alias="from",
        description="When it starts; left out or null: now.",
    )
    until: Moment | None = Field(
        default=None,
        description="When it ends by itself (after `from`, not in the past); null: until "
        "turned off.",
    )
    note: Annotated[str, Field(max_length=OUT_OF_OFFICE_NOTE_LENGTH)] | None = Field(
        default=None, description="Shown to colleagues."
    )
    keep_assigned: bool = Field(
        default=False,
        description="Keep the tickets assigned to me that customers answer while I am away "
        "(default: they go back to the team).",
    )


class ColleagueRead(ReadModel):
    """What an agent sees of the other users: enough to name them, assign them, transfer a chat
    to them; not how they sign in or their address (docs/security.md, "What agents see of
    other users")."""

    id: int
    name: str
    role: Role
    is_active: bool
    available_for_chat: bool
    out_of_office: OutOfOfficeRead | None = Field(
        default=None,
        description='A planned absence, now or to come (docs/desk.md, "Out of office").',
    )


class UserRead(ColleagueRead):
    """A user as admins and owners see them, and as anyone sees themselves."""

    email: str
    max_concurrent_chats: int
    two_factor_enabled: bool = Field(
        default=False, description="Signs in with a code from an authenticator app as well."
    )
    email_signature: str | None = Field(
        default=None,
        description='Their own email signature (docs/email.md, "Signatures"); null: none.',
    )


def user_read(user: User, viewer: User) -> ColleagueRead:
    """Admins and owners see everything of a user, and everyone all of themselves; an agent
    sees of the others what their work needs (docs/security.md, "What agents see of other
    users")."""
    full = viewer.is_admin or viewer.id == user.id
    return (UserRead if full else ColleagueRead).model_validate(user)


# Defaults as in users/models.py DEFAULT_PREFERENCES: an account saved before a preference
# existed reads as if it had the default.
class Preferences(ReadModel):
    sound: bool = Field(default=True, description="Ring when a chat comes in.")
    desktop_notifications: bool = Field(
        default=True, description="A desktop notification while the desk is in the background."
    )
    language: str = Field(
        default="",
        description='The desk\'s language: "en", "fr", or "" to follow the browser.',
    )
    time_zone: str = Field(
        default="",
        description=(
            'The IANA time zone the desk shows times in, such as "Europe/Paris", '
            'or "" to follow the browser.'
        ),
    )
    undo_send_seconds: int = Field(
        default=0,
        description="Undo send: seconds an email reply sent from the desk waits before it goes "
        "out, during which it can be taken back; 0 (off), 5, 10, 20 or 30.",
    )


class PreferencesUpdate(WriteModel):
    """Only the preferences sent change; the service checks each value."""

    # An unknown name is refused by the service ("Unknown preference."), the one place that
    # knows them all, rather than here.
    model_config = ConfigDict(extra="allow")

    sound: bool | None = None
    desktop_notifications: bool | None = None
    language: Annotated[str, Field(max_length=16)] | None = Field(
        default=None, description='"en", "fr", or "" to follow the browser.'
    )
    time_zone: Annotated[str, Field(max_length=64)] | None = Field(
        default=None,
        description='An IANA time zone such as "Asia/Tokyo", or "" for the browser\'s.',
    )
    undo_send_seconds: int | None = Field(
        default=None, description="0 (off), 5, 10, 20 or 30 seconds."
    )


class MeRead(UserRead):
    preferences: Preferences
    two_factor_setup_required: bool = Field(
        default=False,
        description=(
            "The user's role must use two-factor authentication and they have not set it up: "
            "until they do, every call but this one, logging out and setting it up answers 403 "
            "`two_factor_required`."
        ),
    )
    csrf_token: str | None = Field(
        default=None,
        description="Send it back as X-CSRF-Token on every cookie-authenticated write.",
    )
    spam_retention_days: int = Field(
        default=30,
        description="Days after which spam is deleted (FRONTDESK_SPAM_RETENTION_DAYS); 0: kept "
        "until deleted by hand.",
    )


class LoginRequest(WriteModel):
    email: Annotated[str, Field(min_length=3, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=1000)]


class UserCreate(WriteModel):
    email: EmailStr
    name: Name
    password: Annotated[str, Field(min_length=10, max_length=1000)]
    role: Annotated[Role, FROM_STRING] = Role.agent
    max_concurrent_chats: MaxChats = 3


class UserUpdate(WriteModel):
    email: EmailStr | None = None
    name: Name | None = None
    password: Annotated[str, Field(min_length=10, max_length=1000)] | None = None
    current_password: Annotated[str, Field(max_length=1000)] | None = Field(
        default=None, description="Needed with `password` when it is the admin's own."
    )
    role: Annotated[Role, FROM_STRING] | None = None
    is_active: bool | None = None
    max_concurrent_chats: MaxChats | None = None
    email_signature: EmailSignature | None = Field(
        default=None,
        description="Their own email signature; empty or null removes it. Only an owner "
        "changes an owner's.",
    )


class MeUpdate(WriteModel):
    name: Name | None = None
    password: Annotated[str, Field(min_length=10, max_length=1000)] | None = None
    current_password: Annotated[str, Field(max_length=1000)] | None = Field(
        default=None,
        description="Needed with `password`.",
    )
    max_concurrent_chats: MaxChats | None = None
    email_signature: EmailSignature | None = Field(
        default=None, description="Your own email signature; empty or null removes it."
    )
    preferences: PreferencesUpdate | None = None


class ApiTokenCreate(WriteModel):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    access: Annotated[TokenAccess, FROM_STRING] = Field(
        default=TokenAccess.write,
        description="`read`: GET and HEAD requests only, anything else answers 403 "
        "`token_read_only`; `write`: whatever the user may do.",
    )
    expires_in_days: Annotated[int, Field(ge=1, le=MAX_TOKEN_LIFETIME_DAYS)] | None = Field(
        default=None,
        description="Days until the token stops working (the desk offers 30, 90 and 365); "
        "leave out or null for a token that never expires. Past it, 401 `token_expired`.",
    )


class ApiTokenRead(ReadModel):
    id: int
    name: str
    prefix: str
    access: TokenAccess
    created_at: datetime
    expires_at: datetime | None = Field(description="Null: never expires.")
    expired: bool = Field(description="Past `expires_at`: the token answers 401 `token_expired`.")
    last_used_at: datetime | None = Field(
        description="Recorded at most once a minute: a use within a minute of the last one "
        "does not move it."
    )


class ApiTokenCreated(ApiTokenRead):
    token: str = Field(description="Shown once; store it now.")


class TwoFactorChallengeRead(ReadModel):
    """The password was right and the account uses two-factor authentication: no session yet."""

    two_factor_required: Literal[True] = True
    challenge: str = Field(
        description="Send it with a code to POST /api/v1/auth/login/2fa before `expires_at`."
    )
    expires_at: datetime


class TwoFactorLoginRequest(WriteModel):
    challenge: Annotated[str, Field(min_length=1, max_length=200)]
    code: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="The 6 digits the authenticator app shows, or a recovery code."
    )


class TwoFactorSignedIn(MeRead):
    recovery_codes_left: int | None = Field(
        default=None,
        description="After signing in with a recovery code: how many unused ones are left.",
    )


class TwoFactorStatusRead(ReadModel):
    enabled: bool
    enabled_at: datetime | None
    required: bool = Field(description="The user's role must use two-factor authentication.")
    recovery_codes_left: int


class TwoFactorSetupRead(ReadModel):
    secret: str = Field(description="Base32, for typing into an authenticator app by hand.")
    otpauth_uri: str = Field(description="The otpauth:// URI the QR code holds.")
    qr_svg: str = Field(description="The QR code, as a data: URI of an SVG image.")
    password_required: bool = Field(
        description="Confirming needs the user's password; false only for a user of single "
        "sign-on who has none."
    )


class TwoFactorCode(WriteModel):
    code: Annotated[str, Field(min_length=1, max_length=64)]


class TwoFactorConfirm(WriteModel):
    code: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="The 6 digits the authenticator app now shows."
    )
    password: Annotated[str, Field(min_length=1, max_length=1000)] | None = Field(
        default=None,
        description="The user's password (required when `password_required` said so): a "
        "session alone cannot turn it on.",
    )


class TwoFactorDisable(WriteModel):
    password: Annotated[str, Field(min_length=1, max_length=1000)]
    code: Annotated[str, Field(min_length=1, max_length=64)]


class RecoveryCodesRead(ReadModel):
    recovery_codes: list[str] = Field(description="Shown this once; each works once.")


class SecurityPolicyRead(ReadModel):
    two_factor_roles: list[Role] = Field(
        description="The roles whose users must use two-factor authentication."
    )


class SecurityPolicyUpdate(WriteModel):
    two_factor_roles: list[Annotated[Role, FROM_STRING]] = Field(max_length=4)
