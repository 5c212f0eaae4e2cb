"""Domain errors carry their HTTP status; one handler turns every error into one JSON shape:

{"error": {"code": "chat_ended", "message": "This chat has ended.", "fields": [...]}}
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)


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


def error_response(status_code: int, body: dict[str, Any], **headers: str) -> JSONResponse:
    return JSONResponse({"error": body}, status_code=status_code, headers=headers or None)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_fields(errors: Any) -> list[dict[str, str]]:
    return [
        {"field": _field_name(tuple(error["loc"])), "message": error["msg"]} for error in errors
    ]


async def _frontdesk_error(_request: Request, exc: FrontdeskError) -> JSONResponse:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else {}
    return error_response(exc.status_code, exc.to_dict(), **headers)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    fields = validation_fields(exc.errors())
    message = "; ".join(f"{item['field']}: {item['message']}" for item in fields)
    return error_response(422, {"code": "invalid", "message": message, "fields": fields})


async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    codes = {
        401: "not_authenticated",
        403: "forbidden",
        404: "not_found",
        405: "not_allowed",
        413: "body_too_large",
    }
    code = codes.get(exc.status_code, "http_error")
    body = {"code": code, "message": str(exc.detail)}
    return error_response(exc.status_code, body, **(exc.headers or {}))


# SQLSTATE 22021, character_not_in_repertoire: PostgreSQL refuses NUL in text, which JSON can
# carry ("\u0000"). The transaction is rolled back whole; the sender gets a reason, not a 500.
UNSTORABLE_TEXT = "22021"


async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
    if getattr(exc.orig, "sqlstate", None) == UNSTORABLE_TEXT:
        message = "Text cannot contain NUL characters (\\u0000); remove them and try again."
        return error_response(422, {"code": "invalid", "message": message})
    return await _unexpected_error(request, exc)


async def _unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return error_response(500, {"code": "internal", "message": "Something went wrong on our side."})


def install_error_handlers(app: FastAPI) -> None:
    # Starlette types handlers as taking any Exception; each is registered for its own class.
    app.add_exception_handler(FrontdeskError, _frontdesk_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _database_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)
