"""What crosses HTTP for proactive messages: the admins' settings, and the messenger's small
public read (no sender email, no counts)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from frontdesk.kit.schemas import Id, ReadModel, WriteModel, shown_not_nullable

# The service checks the limits with words of its own (service.py); these only keep a body from
# being absurdly large.
Text = Annotated[str, Field(max_length=20_000)]
ShortText = Annotated[str, Field(max_length=2_000)]
Delay = Annotated[int, Field(description="Seconds on the page before it shows, 0 to 3600.")]


class SenderRef(ReadModel):
    id: int
    name: str


class ProactiveMessageRead(ReadModel):
    id: int
    inbox_id: int
    name: str = Field(description="The internal name: agents see it, visitors never do.")
    text: str
    sender: SenderRef
    sender_can_send: bool = Field(
        description="The sender is still an active member of the inbox. When false, the "
        "messenger does not show the message until another sender is chosen."
    )
    page_rule: str = Field(
        description="A path (`/pricing*`) or full address (`https://shop.example.com/*`) with "
        "`*` wildcards; empty: every page."
    )
    delay_seconds: int
    only_when_online: bool
    enabled: bool
    shown_count: int = Field(description="Browsers it was shown in (once each).")
    started_count: int = Field(description="Chats started from it.")
    created_at: datetime
    updated_at: datetime


class ProactiveMessageCreate(WriteModel):
    inbox_id: Id
    name: ShortText
    text: Text = Field(description="Plain text, 1,000 characters at most.")
    sender_id: Id = Field(
        description="An active member of the inbox: the messenger shows their name."
    )
    page_rule: ShortText = ""
    delay_seconds: Delay = 30
    only_when_online: bool = Field(
        default=True,
        description="Shown only while the inbox is online (in its hours, with an agent free).",
    )
    enabled: bool = True


_NOT_NULL = {
    "name": "The name cannot be null: leave the field out to keep it.",
    "text": "The message cannot be null: leave the field out to keep it.",
    "sender_id": "The sender cannot be null: leave the field out to keep them.",
    "page_rule": 'The page rule cannot be null: send "" for every page.',
    "delay_seconds": "The delay cannot be null: leave the field out to keep it.",
    "only_when_online": "only_when_online is true or false, not null.",
    "enabled": "enabled is true or false, not null.",
}


class ProactiveMessageUpdate(WriteModel):
    """Only the fields given change; the inbox is fixed once created."""

    model_config = ConfigDict(json_schema_extra=shown_not_nullable(*_NOT_NULL))

    name: ShortText | None = None
    text: Text | None = None
    sender_id: Id | None = None
    page_rule: ShortText | None = None
    delay_seconds: Delay | None = None
    only_when_online: bool | None = None
    enabled: bool | None = None

    @field_validator(*_NOT_NULL, mode="before")
    @classmethod
    def _not_null(cls, value: object, info: ValidationInfo) -> object:
        if value is None:
            raise PydanticCustomError("null_refused", _NOT_NULL[str(info.field_name)])
        return value


class PublicSender(ReadModel):
    name: str


class PublicProactiveMessage(ReadModel):
    """What the messenger needs to show one: nothing about the sender but their name."""

    id: int
    text: str
    sender: PublicSender
    page_rule: str
    delay_seconds: int
    only_when_online: bool


class PublicProactiveMessages(ReadModel):
    messages: list[PublicProactiveMessage]
