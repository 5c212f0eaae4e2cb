"""Base shapes for the HTTP boundary."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, StringConstraints

from frontdesk.errors import NotFound

# Ids and sequence numbers are INTEGER columns: 32-bit signed on PostgreSQL (SQLite stores more,
# but no id there grows past what PostgreSQL could hold after a move).
MAX_ID = 2**31 - 1


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class WriteModel(BaseModel):
    # Unknown fields are an error: a typo in a field name must not be silently ignored. Strict:
    # `false` is not 0 and `0` is not false. FastAPI validates the decoded JSON in Python mode,
    # where strict would also refuse strings for enums and dates: those fields say Strict(False).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


# For the fields of a WriteModel that JSON can only give as strings: enums, dates.
FROM_STRING = Strict(False)


def _could_exist(value: int) -> int:
    # Past the column's range a number would overflow the query (a 500); it names nothing, like
    # an id that was never used, so it gets the same answer.
    if not 1 <= value <= MAX_ID:
        raise NotFound(f"Nothing has the id {value}: ids run from 1 to {MAX_ID}.")
    return value


# Any id from a client: in a path, a query, a body or a socket frame.
Id = Annotated[int, AfterValidator(_could_exist)]
# A chat's sequence number: what a client says it has seen.
Seq = Annotated[int, Field(ge=0, le=MAX_ID)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
