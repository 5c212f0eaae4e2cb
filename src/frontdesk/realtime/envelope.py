"""The one shape every realtime event travels in, to desks and messengers alike.

Plain slotted classes rather than pydantic models: every chat message makes two or three of them,
and they are built from data the services already checked, so validation would be pure cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from frontdesk.kit.clock import utcnow
from frontdesk.kit.frames import compact_json, read_json


def _jsonable(value: object) -> str:
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


class Envelope:
    __slots__ = ("_json", "at", "chat_id", "data", "seq", "type")

    def __init__(
        self,
        *,
        type: str,
        data: Mapping[str, Any] | None = None,
        chat_id: int | None = None,
        seq: int | None = None,
        at: datetime | None = None,
    ) -> None:
        self.type = type
        self.data: Mapping[str, Any] = data if data is not None else {}
        # Chat events carry their chat and its per-chat sequence number; ephemeral ones carry none.
        self.chat_id = chat_id
        self.seq = seq
        self.at = at if at is not None else utcnow()
        self._json: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "data": self.data,
            "chat_id": self.chat_id,
            "seq": self.seq,
            "at": iso(self.at),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Envelope:
        return cls(
            type=raw["type"],
            data=raw["data"],
            chat_id=raw["chat_id"],
            seq=raw["seq"],
            at=datetime.fromisoformat(raw["at"]),
        )

    @classmethod
    def from_json(cls, text: str) -> Envelope:
        """The envelope another process serialised: its text is kept, and sent as it came."""
        envelope = cls.from_dict(read_json(text))
        envelope._json = text
        return envelope

    def json_text(self) -> str:
        """Serialised once, however many sockets it goes to."""
        if self._json is None:
            self._json = compact_json(self.to_dict(), _jsonable)
        return self._json


class Addressed:
    """An envelope with its audience: broker topics such as `agent:7` or `inbox:2`."""

    __slots__ = ("envelope", "topics")

    def __init__(self, *, topics: list[str], envelope: Envelope) -> None:
        self.topics = topics
        self.envelope = envelope


def agent_topic(user_id: int) -> str:
    return f"agent:{user_id}"


def inbox_topic(inbox_id: int) -> str:
    return f"inbox:{inbox_id}"


def visitor_topic(visitor_id: int) -> str:
    return f"visitor:{visitor_id}"


def chat_topic(chat_id: int) -> str:
    """Desks following one chat: its participants, and agents who opened it to read along."""
    return f"chat:{chat_id}"


def topic_chat(topic: str) -> int | None:
    """The chat a `chat_topic` names; None for any other topic."""
    kind, _, rest = topic.partition(":")
    return int(rest) if kind == "chat" and rest.isdigit() else None


ALL_AGENTS = "agents"
