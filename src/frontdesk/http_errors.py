"""The HTTP edge of errors: one handler per kind of exception, each answering with the JSON
shape described in `errors.py`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from frontdesk.auth import bearer_token
from frontdesk.db.session import database_unreachable
from frontdesk.errors import (
    DatabaseUnavailable,
    FrontdeskError,
    field_error,
    validation_fields,
)
from frontdesk.kit.methods import allowed_methods, is_reserved, nothing_here, route_methods
from frontdesk.kit.schemas import NUL, NUL_REFUSED

logger = logging.getLogger(__name__)


def error_response(status_code: int, body: dict[str, Any], **headers: str) -> JSONResponse:
    return JSONResponse({"error": body}, status_code=status_code, headers=headers or None)


def challenge(request: Request) -> str:
    """The `WWW-Authenticate` of a 401 (RFC 9110 §15.5.2): the API's scheme for programs is a
    bearer token (an agent's API token, a visitor's, the inbound token), with
    `error="invalid_token"` when one was sent and refused (RFC 6750 §3). Browsers show no login
    box for Bearer, so the desk, which signs in with its cookie, sees nothing of it."""
    sent = bearer_token(request.headers.get("authorization")) is not None
    return 'Bearer realm="frontdesk"' + (', error="invalid_token"' if sent else "")


async def _frontdesk_error(request: Request, exc: FrontdeskError) -> JSONResponse:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = challenge(request)
    return error_response(exc.status_code, exc.to_dict(), **headers)


def _not_json(exc: RequestValidationError) -> str | None:
    """Why the body could not be parsed as JSON at all, with where (FastAPI reports it as a
    validation error of a field named by its character offset)."""
    for error in exc.errors():
        if error["type"] == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "JSON decode error")
            offset = error["loc"][-1] if isinstance(error["loc"][-1], int) else None
            document = exc.body if isinstance(exc.body, str) else None
            if offset is None or document is None:
                return f"The body is not valid JSON: {reason}."
            line = document.count("\n", 0, offset) + 1
            column = offset - document.rfind("\n", 0, offset)
            return f"The body is not valid JSON: {reason} (line {line} column {column})."
    return None


def _not_declared_json(exc: RequestValidationError) -> bool:
    """A body FastAPI did not parse, for want of a JSON Content-Type: it validates the bytes."""
    return any(
        tuple(error["loc"]) == ("body",) and isinstance(error.get("input"), bytes | bytearray)
        for error in exc.errors()
    )


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    not_json = _not_json(exc)
    if not_json is not None:
        return error_response(400, {"code": "invalid_json", "message": not_json})
    if _not_declared_json(exc):
        message = "Send JSON with Content-Type: application/json."
        return error_response(415, {"code": "unsupported_media_type", "message": message})
    fields = validation_fields(exc.errors())
    message = "; ".join(f"{item['field']}: {item['message']}" for item in fields)
    return error_response(422, {"code": "invalid", "message": message, "fields": fields})


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    codes = {
        400: "bad_request",
        401: "not_authenticated",
        403: "forbidden",
        404: "not_found",
        405: "not_allowed",
        413: "body_too_large",
    }
    code = codes.get(exc.status_code, "http_error")
    message = str(exc.detail)
    headers = dict(exc.headers or {})
    undecodable = exc.__cause__
    if exc.status_code == 400 and isinstance(undecodable, UnicodeDecodeError):
        # FastAPI's "There was an error parsing the body", for JSON that is not UTF-8.
        code = "invalid_json"
        message = (
            f"The body is not valid JSON: JSON must be sent as UTF-8, and byte "
            f"{undecodable.start + 1} is not ({undecodable.reason})."
        )
    scope = request.scope
    if exc.status_code == 405 and is_reserved(scope) and not route_methods(request.app, scope):
        # Only the desk's catch-all page (GET) matched: an API path that does not exist.
        return error_response(404, {"code": "not_found", "message": nothing_here(scope)})
    if exc.status_code == 405:
        # Starlette names the methods of the first route matching the path, not of them all.
        headers["Allow"] = allowed_methods(request.app, request.scope)
        message = f"This method is not allowed here; use {headers['Allow']}."
    return error_response(exc.status_code, {"code": code, "message": message}, **headers)


# PostgreSQL refuses NUL, which JSON and a query string can carry ("\u0000", "%00"): in text,
# SQLSTATE 22021 (character_not_in_repertoire), in JSON 22P05 (untranslatable_character,
# "unsupported Unicode escape sequence"). A body's strings are refused before (kit/schemas.py
# WriteModel); this is the net for the rest. The transaction is rolled back whole; the sender
# gets a reason, not a 500.
UNSTORABLE_TEXT = frozenset({"22021", "22P05"})


def _nul_field(request: Request) -> str:
    """The query parameter that carries the NUL; else it came in the body."""
    for name, value in request.query_params.multi_items():
        if NUL in name or NUL in value:
            return name.replace(NUL, "")
    return "body"


async def _database_error(
    request: Request, exc: DBAPIError | PoolTimeout | ConnectionError
) -> JSONResponse:
    if getattr(getattr(exc, "orig", None), "sqlstate", None) in UNSTORABLE_TEXT:
        field = _nul_field(request)
        fields = [field_error(field, "invalid", NUL_REFUSED)]
        message = f"{field}: {NUL_REFUSED}"
        return error_response(422, {"code": "invalid", "message": message, "fields": fields})
    if database_unreachable(exc):
        logger.warning("database unavailable for a request: %s", exc)
        return await _frontdesk_error(request, DatabaseUnavailable())
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
    app.add_exception_handler(PoolTimeout, _database_error)  # type: ignore[arg-type]
    # A new connection refused or dropped (PostgreSQL down): asyncpg raises it as it is, not
    # wrapped by SQLAlchemy. `_database_error` tells it apart from anything else.
    app.add_exception_handler(ConnectionError, _database_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)
