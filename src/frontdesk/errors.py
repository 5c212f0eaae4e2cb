"""Domain errors carry their HTTP status and a code; the handlers in `http_errors.py` turn every
error into one JSON shape:

{"error": {"code": "chat_ended", "message": "This chat has ended.", "fields": [...]}}

Nothing here needs FastAPI, so the database layer and the services can raise these without it.
"""

from __future__ import annotations

from typing import Any


class FrontdeskError(Exception):
    status_code = 400
    code = "bad_request"
    # Most errors roll the transaction back; a few must still record what happened (a failed
    # login counts towards throttling), and say so here.
    keep_changes = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        fields: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.fields = fields

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return body


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

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, fields=[{"field": field, "message": message}])


class TooManyRequests(FrontdeskError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_fields(errors: Any) -> list[dict[str, str]]:
    return [
        {"field": _field_name(tuple(error["loc"])), "message": error["msg"]} for error in errors
    ]
