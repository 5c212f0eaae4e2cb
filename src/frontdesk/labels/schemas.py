from __future__ import annotations

from typing import Annotated

from pydantic import Field

from frontdesk.kit.schemas import ReadModel, WriteModel

LabelName = Annotated[str, Field(min_length=1, max_length=60)]
Color = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", examples=["#2563eb"])]


class LabelRead(ReadModel):
    id: int
    name: str
    color: str


class LabelCreate(WriteModel):
    name: LabelName
    color: Color = "#64748b"


class LabelUpdate(WriteModel):
    name: LabelName | None = None
    color: Color | None = None
