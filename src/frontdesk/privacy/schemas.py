from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

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


def _an_address(value: str) -> str:
    # Any address the desk may hold: mail from `jane@corp.local` is stored as it came, and the
    # strict check new customers get (no special-use names) would make it impossible to erase.
    local, at, domain = value.strip().rpartition("@")
    if not (at and local and domain) or any(ch.isspace() for ch in value.strip()):
        raise ValueError("This is not an email address.")
    return value.strip()


class EraseAddress(WriteModel):
    email: Annotated[str, Field(min_length=3, max_length=320), AfterValidator(_an_address)] = Field(
        description="Erase whoever has this address, customer or not."
    )


class ErasureRead(ReadModel):
    id: int
    kind: str
    at: datetime
    state: Literal["running", "done"] = Field(
        description="`running` while an erasure's short transactions go on (its counts so far), "
        "`done` once nothing of the customer is left."
    )
    finished_at: datetime | None
    actor_id: int | None
    customer_id: int | None
    inbox_id: int | None
    counts: dict[str, int]
