"""Domain errors carry their HTTP status and a code; the handlers in `http_errors.py` turn every
error into one JSON shape:

{"error": {"code": "chat_ended", "message": "This chat has ended.", "fields": [...]}}

Each of `fields` names the input, a stable code for programs (`FIELD_CODES`) and a message for
people: a form maps the code to words in its own language and keeps the message for API users.

Nothing here needs FastAPI, so the database layer and the services can raise these without it.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

# What can be wrong with one input; `limit` comes with the two about length.
FIELD_CODES = (
    "required",  # missing or empty
    "too_long",  # over `limit` characters (or items)
    "too_short",  # under `limit` characters (or items)
    "email_invalid",  # not an email address: a typo
    "email_unroutable",  # written right, but no mail can reach it (`ada@shop.local`)
    "unavailable",  # names something that exists no more or is put away (an archived field)
    "invalid",  # anything else; the message says what
)


class FieldError(TypedDict):
    field: str
    code: str
    message: str
    limit: NotRequired[int]


class FrontdeskError(Exception):
    status_code = 400
    code = "bad_request"
    # Most errors roll the transaction back; a few must still record what happened (a failed
    # login counts towards throttling), and say so here.
    keep_changes = False
    # Seconds after which the same request may succeed (`Retry-After`, and `retry_after` in a
    # socket's error frame); None: not a matter of waiting.
    retry_after: int | None = None

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        fields: list[FieldError] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.fields = fields

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as it is, not by calling __init__ again with `args` (most subclasses take other
        # arguments): errors come back from the reading process this way (db/reading.py).
        return (_rebuilt, (type(self), self.args, self.__dict__))

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


def _rebuilt(kind: type[FrontdeskError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(state)
    return error


class NotFound(FrontdeskError):
    status_code = 404
    code = "not_found"


class Unauthorized(FrontdeskError):
    status_code = 401
    code = "not_authenticated"


class BadCredentials(Unauthorized):
    code = "bad_credentials"
    keep_changes = True


class Forbidden(FrontdeskError):
    status_code = 403
    code = "forbidden"


class Conflict(FrontdeskError):
    status_code = 409
    code = "conflict"


class Invalid(FrontdeskError):
    """A value that passed type checks but breaks a rule; names the field like a 422 does."""

    status_code = 422
    code = "invalid"

    def __init__(
        self, field: str, message: str, *, field_code: str = "invalid", limit: int | None = None
    ) -> None:
        super().__init__(message, fields=[field_error(field, field_code, message, limit)])


class TooManyRequests(FrontdeskError):
    status_code = 429
    code = "rate_limited"
    retry_after: int

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DatabaseUnavailable(FrontdeskError):
    """The database could not do any work just now (restarting, failing over, every connection
    busy, a deadlock): the request was rolled back whole and may be sent again."""

    status_code = 503
    code = "database_unavailable"
    retry_after = 2

    def __init__(self) -> None:
        super().__init__("The database could not be reached for a moment. Try again.")


class LoginThrottled(TooManyRequests):
    """Refused without a look at the password; kept, so that the audit log shows the refusal."""

    keep_changes = True


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def field_error(field: str, code: str, message: str, limit: int | None = None) -> FieldError:
    error = FieldError(field=field, code=code, message=message)
    if limit is not None:
        error["limit"] = limit
    return error


def _field_code(error: Any) -> tuple[str, int | None]:
    """Pydantic's error type as one of FIELD_CODES: its own names are its business."""
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "missing":
        return "required", None
    if kind in ("string_too_short", "too_short"):
        least = context.get("min_length")
        return ("required", None) if least == 1 else ("too_short", least)
    if kind in ("string_too_long", "too_long"):
        return "too_long", context.get("max_length")
    if kind in ("email_invalid", "email_unroutable"):
        return kind, None
    return "invalid", None


def validation_fields(errors: Any) -> list[FieldError]:
    fields = []
    for error in errors:
        code, limit = _field_code(error)
        fields.append(field_error(_field_name(tuple(error["loc"])), code, error["msg"], limit))
    return fields
