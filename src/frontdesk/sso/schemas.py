from __future__ import annotations

import enum
from typing import Annotated

from pydantic import Field

from frontdesk.kit.schemas import FROM_STRING, ReadModel, WriteModel
from frontdesk.users.models import Role


class NewUserRole(enum.StrEnum):
    """The roles a user made on first sign-in may get: never owner."""

    agent = "agent"
    admin = "admin"


Domain = Annotated[str, Field(max_length=253)]


class SsoLoginOptions(ReadModel):
    """What the login page shows; asked before anyone is signed in."""

    enabled: bool
    label: str = Field(description='The button says "Sign in with <label>".')
    sso_only: bool = Field(description="Passwords are refused for everyone but owners.")


class SsoSettingsRead(ReadModel):
    enabled: bool
    issuer: str
    client_id: str
    client_secret_set: bool = Field(description="The secret itself is never returned.")
    button_label: str
    create_users: bool
    default_role: Role
    allowed_domains: list[str]
    sso_only: bool
    redirect_uri: str = Field(description="Register this at the provider as the redirect URI.")


class SsoSettingsWrite(WriteModel):
    enabled: bool = False
    issuer: Annotated[str, Field(max_length=2000)] = Field(
        default="", description="The provider's issuer, e.g. https://accounts.google.com."
    )
    client_id: Annotated[str, Field(max_length=500)] = ""
    client_secret: Annotated[str, Field(max_length=4000)] | None = Field(
        default=None, description='Write-only. Omitted or null: keep the stored one; "": none.'
    )
    button_label: Annotated[str, Field(max_length=100)] = ""
    create_users: bool = Field(
        default=False, description="Create a user on the first sign-in of an unknown email."
    )
    default_role: Annotated[NewUserRole, FROM_STRING] = NewUserRole.agent
    allowed_domains: Annotated[list[Domain], Field(max_length=50)] = Field(
        default_factory=list, description="Only emails of these domains; empty: any."
    )
    sso_only: bool = False


class SsoTestRequest(WriteModel):
    issuer: Annotated[str, Field(min_length=1, max_length=2000)]


class SsoTestResult(ReadModel):
    ok: bool
    message: str
    authorization_endpoint: str | None = None
    token_endpoint: str | None = None
    jwks_uri: str | None = None
