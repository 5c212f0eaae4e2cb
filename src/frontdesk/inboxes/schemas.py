from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BeforeValidator, EmailStr, Field

from frontdesk.inboxes.signatures import MAX_SIGNATURE, normalised
from frontdesk.kit.schemas import Id, Name, ReadModel, WriteModel

RetentionDays = Annotated[
    int,
    Field(
        ge=1,
        le=36_500,
        description="Days after closing before a closed ticket is deleted; null keeps them.",
    ),
]
Signature = Annotated[
    str,
    Field(
        max_length=MAX_SIGNATURE,
        description="Plain text added below a '-- ' line to every email reply an agent sends "
        "from the inbox, with {{agent.name}}, {{agent.first_name}}, {{agent.signature}} (the "
        "author's own `email_signature`) and {{inbox.name}} filled for the reply's author. Line "
        "ends may be CRLF, CR or LF (saved as LF); the limit counts it so, without the spaces "
        "around it. Empty or null: none, and each author's own signature signs their replies.",
    ),
    # Last, so it runs first: the limit counts the text as saved, not a textarea's CRLFs.
    BeforeValidator(lambda value: normalised(value) if isinstance(value, str) else value),
]
Timeout = Annotated[
    int, Field(ge=30, le=86_400, description="Seconds before a waiting chat ends unanswered.")
]


class InboxRead(ReadModel):
    id: int
    name: str
    email_address: str | None
    public_key: str
    unanswered_timeout_seconds: int
    allowed_origins: list[str]
    require_identity: bool
    messenger_settings: dict[str, str]
    retention_days: int | None
    email_signature: str | None = Field(
        description="Added below a '-- ' line to its agents' email replies, variables filled "
        "for each author; null: none (each author's own signature, if any)."
    )
    created_at: datetime


class InboxAdminRead(InboxRead):
    identity_secret: str | None


class InboxCreate(WriteModel):
    name: Name
    email_address: EmailStr | None = None
    unanswered_timeout_seconds: Timeout = 300
    allowed_origins: list[str] = Field(default_factory=list, max_length=50)


class InboxUpdate(WriteModel):
    name: Name | None = None
    email_address: EmailStr | None = None
    unanswered_timeout_seconds: Timeout | None = None
    allowed_origins: list[str] | None = Field(default=None, max_length=50)
    identity_secret: Annotated[str, Field(min_length=16, max_length=100)] | None = None
    require_identity: bool | None = None
    messenger_settings: dict[str, Annotated[str, Field(max_length=500)]] | None = None
    retention_days: RetentionDays | None = None
    email_signature: Signature | None = None


class MemberAdd(WriteModel):
    user_id: Id


class MemberRemoved(ReadModel):
    unassigned_tickets: int = Field(
        description="Tickets of theirs in the inbox, not closed, that are unassigned now: they no "
        'longer see them (docs/routing.md, "When an agent leaves an inbox").'
    )
