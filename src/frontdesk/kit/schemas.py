"""Base shapes for the HTTP boundary."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import email_validator
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

from frontdesk.errors import Invalid, NotFound

# Ids and sequence numbers are INTEGER columns: 32-bit signed on PostgreSQL (SQLite stores more,
# but no id there grows past what PostgreSQL could hold after a move).
MAX_ID = 2**31 - 1


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


NUL = "\x00"
NUL_REFUSED = "Cannot contain NUL characters (\\u0000); remove them and try again."


def nul_at(value: object) -> str | None:
    """Where a NUL character is in a decoded JSON value ("attributes.plan", "actions.0.text"; an
    object whose key has one: the object's own path), or None. Walked without recursion: JSON
    nests as deep as its parser allows."""
    pending: list[tuple[object, tuple[str, ...]]] = [(value, ())]
    while pending:
        item, path = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return ".".join(path)
        elif isinstance(item, dict):
            if any(isinstance(key, str) and NUL in key for key in item):
                return ".".join(path)
            pending.extend((inner, (*path, str(key))) for key, inner in reversed(item.items()))
        elif isinstance(item, list | tuple):
            pending.extend((inner, (*path, str(i))) for i, inner in reversed(list(enumerate(item))))
    return None


def shown_not_nullable(*names: str) -> Callable[[dict[str, Any]], None]:
    """A model's `json_schema_extra` showing `names` as the document should: optional, never
    null. (Typed `X | None` for Python, whose errors then name the field alone, not a branch of
    a union; a validator refuses the null that is sent.)"""

    def hook(schema: dict[str, Any]) -> None:
        for name in names:
            field = schema["properties"][name]
            kinds = [kind for kind in field.pop("anyOf", []) if kind != {"type": "null"}]
            if len(kinds) == 1:
                field.update(kinds[0])
            if field.get("default", False) is None:
                del field["default"]

    return hook


class WriteModel(BaseModel):
    # Unknown fields are an error: a typo in a field name must not be silently ignored. Strict:
    # `false` is not 0 and `0` is not false. FastAPI validates the decoded JSON in Python mode,
    # where strict would also refuse strings for enums and dates: those fields say Strict(False).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        # PostgreSQL stores no NUL in text nor in JSON (SQLSTATE 22021, 22P05), and SQLite would
        # keep what PostgreSQL refuses after a move: refused here, in every string of the body,
        # its keys too, before anything is written. Invalid is not a ValueError, so it leaves
        # the validation as it is, with the whole path (a nested model sees only its own part,
        # but the body's model comes first).
        where = nul_at(data)
        if where is not None:
            raise Invalid(where or "body", NUL_REFUSED)
        return data


# For the fields of a WriteModel that JSON can only give as strings: enums, dates.
FROM_STRING = Strict(False)


def _in_utc(moment: datetime) -> datetime:
    # The database compares instants in UTC. A moment without an offset is taken as UTC; one
    # whose UTC instant is past the calendar (9999-12-31T20:00-05:00) names no time that can be
    # stored, and is refused here rather than failing in the query.
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "datetime_out_of_range", "This moment is past the calendar's range in UTC."
        ) from None


# Every date and time a client gives (a body, a query): the same instant in UTC.
InUtc = AfterValidator(_in_utc)


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

# The OpenAPI key of a text whose limit is a setting; openapi.py turns it into the server's
# `maxLength` and takes it out.
LIMIT_SETTING = "x-frontdesk-limit-setting"


def configured_length(setting: str, *, bound: int, least: int = 0) -> Any:
    """A text whose limit is a setting (`max_text_length`: FRONTDESK_MAX_TEXT_LENGTH for a
    ticket's messages, `max_message_length` for a chat's), which the services check, naming the
    field; the OpenAPI document states the server's value. `bound` only keeps absurd strings
    out of the parser, whatever the setting."""
    return Field(min_length=least, max_length=bound, json_schema_extra={LIMIT_SETTING: setting})


def _unroutable(address: str) -> bool:
    """Written right, but no mail can reach it: a special-use name (`shop.local`, `x.test`) or a
    name without a dot (`localhost`). The validator gives these and typos one error type."""
    local, at, domain = address.strip().rpartition("@")
    if not at:
        return False
    lowered = domain.lower()
    for reserved in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        if lowered == reserved or lowered.endswith("." + reserved):
            domain = domain[: -len(reserved)] + "com"  # keeps the rest of the name's syntax
            break
    try:
        email_validator.validate_email(
            f"{local}@{domain}", check_deliverability=False, globally_deliverable=False
        )
    except email_validator.EmailNotValidError:
        return False
    return True


def _email(value: str) -> str:
    try:
        return validate_email(value)[1]
    except PydanticCustomError as refused:
        reason = str((refused.context or {}).get("reason", refused.message()))
        # A person fixes a typo ("ada@@example.org") differently from an address no mail can
        # reach ("ada@shop.local"): each gets its own code.
        if _unroutable(value):
            raise PydanticCustomError(
                "email_unroutable", "This address cannot receive mail: {reason}", {"reason": reason}
            ) from None
        raise PydanticCustomError(
            "email_invalid", "This is not an email address: {reason}", {"reason": reason}
        ) from None


# An email address as EmailStr takes it (normalised the same way), refused with one of two
# codes, `email_invalid` or `email_unroutable`, that a form can turn into its own words.
Email = Annotated[
    str,
    AfterValidator(_email),
    WithJsonSchema({"type": "string", "format": "email"}),
]
