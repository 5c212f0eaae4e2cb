from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field

from frontdesk.kit.schemas import ReadModel, WriteModel


class EraseCustomer(WriteModel):
    confirm: Annotated[
        str,
        Field(
            min_length=1,
            max_length=320,
            description="One of the customer's email addresses, typed again (their name when "
            "they have no address, their id when they have neither).",
        ),
    ]


class EraseAddress(WriteModel):
    email: EmailStr = Field(description="Erase whoever has this address, customer or not.")


class ErasureRead(ReadModel):
    id: int
    kind: str
    at: datetime
    actor_id: int | None
    customer_id: int | None
    inbox_id: int | None
    counts: dict[str, int]
