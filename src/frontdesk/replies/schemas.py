from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from frontdesk.kit.schemas import Id, ReadModel, WriteModel
from frontdesk.replies.service import MAX_NAME, MAX_TEXT

ReplyName = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
# Not stripped of spaces by the service: a reply may start with a blank line on purpose.
ReplyText = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
UseId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="Your id for this insertion (a UUID, say): sent again, it counts once.",
    ),
]


class SavedReplyRead(ReadModel):
    id: int
    name: str
    text: str
    scope: Literal["personal", "team"] = Field(
        description="`personal`: only its owner sees it; `team`: everyone who sees its inbox."
    )
    owner_id: int | None
    inbox_id: int | None
    created_by_id: int | None
    updated_by_id: int | None
    created_at: datetime
    updated_at: datetime
    usage_count: int
    last_used_at: datetime | None


class SavedReplyPage(ReadModel):
    items: list[SavedReplyRead]
    total: int = Field(description="How many match, of which `items` holds the first `limit`.")


class SavedReplyCreate(WriteModel):
    name: ReplyName
    text: ReplyText
    inbox_id: Id | None = Field(
        default=None, description="A team reply of this inbox; without it, a personal reply."
    )


class SavedReplyUpdate(WriteModel):
    name: ReplyName | None = None
    text: ReplyText | None = None


class SavedReplyShare(WriteModel):
    inbox_id: Id


class SavedReplyUseCreate(WriteModel):
    use_id: UseId
    chat_id: Id | None = Field(default=None, description="The chat it goes into (you are in it)")
    ticket_id: Id | None = Field(default=None, description="Or the ticket it goes into")


class SavedReplyInsertion(ReadModel):
    text: str = Field(description="The reply's text with its variables filled.")
    unfilled: list[str] = Field(
        description="Variables left as written: this conversation has no value for them."
    )
    unknown: list[str] = Field(
        description="Names in `{{…}}` that are no variable, left as written."
    )
    counted: bool = Field(description="False when this `use_id` was counted already.")
    usage_count: int


class VariableRead(ReadModel):
    name: str = Field(examples=["customer.first_name"])
    description: str
