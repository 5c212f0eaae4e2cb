from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from frontdesk.kit.schemas import ReadModel, WriteModel

AppName = Annotated[str, Field(min_length=1, max_length=100)]
AppUrl = Annotated[
    str, Field(min_length=1, max_length=2000, examples=["https://crm.example.com/frontdesk"])
]
Secret = Annotated[str, Field(min_length=16, max_length=200)]
Position = Annotated[int, Field(ge=0, le=10_000)]


class SidebarAppRead(ReadModel):
    id: int
    name: str
    url: str
    enabled: bool
    position: int
    created_at: datetime
    secret: str | None = Field(
        default=None, description="The signing secret; only shown to owners and admins."
    )


class SidebarAppCreate(WriteModel):
    name: AppName
    url: AppUrl
    secret: Secret | None = Field(default=None, description="Generated when left out.")
    enabled: bool = True
    position: Position = 0


class SidebarAppUpdate(WriteModel):
    name: AppName | None = None
    url: AppUrl | None = None
    secret: Secret | None = None
    enabled: bool | None = None
    position: Position | None = None


class AppPanel(ReadModel):
    """What one app shows beside a customer: its sanitised HTML, or nothing if it failed."""

    app_id: int
    name: str
    status: Literal["ok", "unavailable"]
    html: str | None
