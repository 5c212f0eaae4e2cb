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

from frontdesk.db.session import database_unreachable
from frontdesk.errors import DatabaseUnavailable, FrontdeskError, validation_fields
from frontdesk.kit.methods import allowed_methods

logger = logging.getLogger(__name__)


def error_response(status_code: int, body: dict[str, Any], **headers: str) -> JSONResponse:
    return JSONResponse({"error": body}, status_code=status_code, headers=headers or None)


async def _frontdesk_error(_request: Request, exc: FrontdeskError) -> JSONResponse:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}
    return error_response(exc.status_code, exc.to_dict(), **headers)


async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
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
    if exc.status_code == 405:
        # Starlette names the methods of the first route matching the path, not of them all.
        headers["Allow"] = allowed_methods(request.app, request.scope)
        message = f"This method is not allowed here; use {headers['Allow']}."
    return error_response(exc.status_code, {"code": code, "message": message}, **headers)


# SQLSTATE 22021, character_not_in_repertoire: PostgreSQL refuses NUL in text, which JSON can
# carry ("\u0000"). The transaction is rolled back whole; the sender gets a reason, not a 500.
UNSTORABLE_TEXT = "22021"


async def _database_error(
    request: Request, exc: DBAPIError | PoolTimeout | ConnectionError
) -> JSONResponse:
    if getattr(getattr(exc, "orig", None), "sqlstate", None) == UNSTORABLE_TEXT:
        message = "Text cannot contain NUL characters (\\u0000); remove them and try again."
        return error_response(422, {"code": "invalid", "message": message})
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
