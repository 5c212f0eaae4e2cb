from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from frontdesk.files.schemas import StoredFileRead
from frontdesk.kit.schemas import ReadModel


class ScheduledReplyAuthor(ReadModel):
    id: int
    name: str


class PendingError(ReadModel):
    code: str = Field(description="As the reply sent now would have been refused with.")
    message: str


class PendingReplyRead(ReadModel):
    """A reply held by "Undo send" or scheduled with "Send later", as its author sees it."""

    id: int
    ticket_id: int
    state: Literal["pending", "sent", "failed", "undone"] = Field(
        description="pending: waits for `due_at`; sent: became entry `entry_id`; failed: "
        "refused at its due time (`error`), never sent; undone: taken back by its author."
    )
    created_at: datetime
    due_at: datetime = Field(description="When it is sent, unless undone before.")
    delay_seconds: int = Field(description="How long it is held in all, from `created_at`.")
    text: str
    then: Literal["send", "hold", "close"]
    snooze_until: datetime | None
    cc: list[str]
    bcc: list[str]
    signature: bool = Field(
        description="Whether the email signature (the inbox's, or the author's own) is added "
        "when it is sent (the reply's `signature`): the reply box takes the choice back with "
        "the reply on Undo."
    )
    attachments: list[StoredFileRead] = Field(
        description="The uploads it sends, in order: kept while it waits, and sent with it."
    )
    attachments_gone: int = Field(
        description="How many of its uploads are gone: a failed or undone reply no longer "
        'holds them, and unsent uploads are deleted after a while (docs/desk.md, "Undo send").'
    )
    entry_id: int | None
    error: PendingError | None
    scheduled: bool = Field(
        description="Scheduled with Send later (`send_at`) rather than held for Undo send: "
        "shown to every agent who sees the ticket while it waits "
        "(`GET /tickets/{id}/scheduled-replies`)."
    )


class ScheduledReplyRead(ReadModel):
    """A reply scheduled with Send later and still waiting, as every agent who sees its ticket
    sees it."""

    id: int
    ticket_id: int
    author: ScheduledReplyAuthor = Field(
        description="Who scheduled it; only they send, edit or cancel it."
    )
    created_at: datetime
    due_at: datetime = Field(description="When it is sent, unless cancelled or answered before.")
    text: str
    then: Literal["send", "hold", "close"]
    cc: list[str]
    bcc: list[str]
    attachments: list[StoredFileRead]
