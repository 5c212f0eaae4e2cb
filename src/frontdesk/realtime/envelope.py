"""The one shape every realtime event travels in, to desks and messengers alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from frontdesk.kit.clock import utcnow


class Envelope(BaseModel):
    type: str
    data: dict[str, Any] = Field(default_factory=dict)
    # Chat events carry their chat and its per-chat sequence number; ephemeral ones carry none.
    chat_id: int | None = None
    seq: int | None = None
    at: datetime = Field(default_factory=utcnow)
    _json: str | None = PrivateAttr(default=None)

    def json_text(self) -> str:
        """Serialised once, however many sockets it goes to."""
        # The private dict directly: attribute access goes through pydantic's slow __getattr__.
        private = self.__pydantic_private__
        assert private is not None  # noqa: S101 - set by PrivateAttr
        cached = private.get("_json")
        if cached is None:
            cached = private["_json"] = self.model_dump_json()
        return str(cached)


class Addressed(BaseModel):
    """An envelope with its audience: broker topics such as `agent:7` or `inbox:2`."""

    topics: list[str]
    envelope: Envelope


def agent_topic(user_id: int) -> str:
    return f"agent:{user_id}"


def inbox_topic(inbox_id: int) -> str:
    return f"inbox:{inbox_id}"


def visitor_topic(visitor_id: int) -> str:
    return f"visitor:{visitor_id}"


def chat_topic(chat_id: int) -> str:
    """Desks following one chat: its participants, and agents who opened it to read along."""
    return f"chat:{chat_id}"


ALL_AGENTS = "agents"
