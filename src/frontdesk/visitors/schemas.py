"""What crosses HTTP for live visitors: the messenger's reports and the desk's list and
invitation (docs/api.md, "Live visitors")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from frontdesk.kit.schemas import Id, ReadModel, WriteModel

VisitKey = Annotated[
    str,
    Field(
        min_length=8,
        max_length=40,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="A random id the messenger keeps for this browser's visit.",
    ),
]


class VisitReport(WriteModel):
    visit: VisitKey
    tab: VisitKey = Field(description="A random id of this page load.")
    url: Annotated[str, Field(max_length=2000)]
    title: Annotated[str, Field(max_length=500)] = ""
    referrer: Annotated[str, Field(max_length=2000)] = Field(
        default="", description="The page the visitor came from (kept from the visit's first page)."
    )
    page: bool = Field(
        default=True,
        description="A page shown (load or in-page navigation); false: a heartbeat of a visible "
        "tab, every 30 s.",
    )


class OfferedSender(ReadModel):
    name: str


class OfferedInvitation(ReadModel):
    id: str
    text: str
    sender: OfferedSender


class VisitAnswer(ReadModel):
    invitation: OfferedInvitation | None = Field(
        default=None,
        description="An agent's invitation to chat, given once: the messenger shows it as its "
        "proactive bubble.",
    )


class LiveChatRef(ReadModel):
    id: int
    state: Literal["waiting", "active", "ended"]
    agents: list[str] = Field(description="The names of the agents in the chat now.")


class LiveVisitorRead(ReadModel):
    visit_id: str
    inbox_id: int
    inbox_name: str
    name: str = Field(description='The identified visitor\'s name; "" for an anonymous one.')
    email: str | None
    page_url: str
    page_title: str
    referrer: str
    on_site_since: datetime
    pages: int = Field(description="Pages seen this visit.")
    chat: LiveChatRef | None = Field(description="The visitor's chat going on, if any.")
    invited_by: str = Field(description='Who invited them this visit ("": nobody).')


class InvitationCreate(WriteModel):
    inbox_id: Id
    text: Annotated[str, Field(max_length=20_000)] = Field(
        description="Plain text, 1,000 characters at most."
    )


class InvitationRead(ReadModel):
    id: str
    visit_id: str
    inbox_id: int
    text: str
