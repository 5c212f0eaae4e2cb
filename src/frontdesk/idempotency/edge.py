"""Idempotency keys at the HTTP edge (docs/api.md "Retrying safely").

A request to the API that changes something and carries `Idempotency-Key` is fingerprinted
(method, path, query, body) by `idempotent`, which wraps the route's handler. Once the caller is
authenticated (deps.py), `claim` inserts the key's row in the request's own transaction, or
answers with what the key answered before. When the handler has answered, that answer is written
on the row, still inside the transaction, which then commits: what the request did and the
answer that says so are kept together or not at all, so no crash can leave a done thing without
the answer a retry needs."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.types import Message

from frontdesk.db.session import unit_of_work
from frontdesk.errors import FrontdeskError
from frontdesk.idempotency import service
from frontdesk.idempotency.models import INBOUND
from frontdesk.idempotency.service import (
    Answer,
    KeyMalformed,
    KeyUnreadable,
    KeyUnsupported,
    Stored,
)
from frontdesk.kit import secretbox

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
# The agents' API; the messenger's requests carry their own ids (`client_msg_id`).
API = "/api/v1/"
# Said on an answer given again: the request did nothing this time.
REPLAYED = "Idempotent-Replayed"
METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_LENGTH = 255
_ATTEMPT = "frontdesk.idempotency"
SEAL_PURPOSE = "idempotency-answer"
# What a given-again answer keeps of the first one's headers: what describes the body, where a
# created thing is, how to authenticate (401), what the path allows (405), a file's name. Never
# cookies (a replay signs no one in), nor what describes this moment rather than the answer
# (Retry-After: a 429 or 503 is not kept anyway; the rate limit's headers are the retry's own).
_KEPT = (
    "content-type",
    "content-language",
    "content-disposition",
    "location",
    "link",
    "www-authenticate",
    "allow",
)

Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class _Attempt:
    key: str
    fingerprint: str
    session: AsyncSession | None = None
    claimed: int | None = None
    user_id: int = 0
    credential: str = ""
    # The transaction the key was claimed in: another one by the answer means the claim was
    # committed part-way through the request (db/session.py `release_before_waiting`).
    transaction: object = None

    def committed_early(self) -> bool:
        session = self.session
        return (
            session is not None and session.sync_session.get_transaction() is not self.transaction
        )


class Replay(Exception):
    """The key was answered before: that answer is the request's (caught by `idempotent`)."""

    def __init__(self, answer: Answer) -> None:
        super().__init__("replayed")
        self.answer = answer


def well_formed(key: str) -> bool:
    return 0 < len(key) <= MAX_LENGTH and all(" " <= char <= "~" for char in key)


def _readable(request: Request) -> bool:
    """A body the key's fingerprint may read whole: one of declared length within the request
    limit. An upload (larger, read as it streams) is not held in memory for a key: its key is
    not honoured (docs/api.md)."""
    declared = request.headers.get("content-length")
    if declared is None:  # no body at all, unless one is sent in chunks
        return "transfer-encoding" not in request.headers
    limit: int = request.app.state.settings.max_request_bytes
    return declared.isascii() and declared.isdigit() and int(declared) <= limit


def _replay_body(request: Request, body: bytes) -> None:
    received = request.receive
    given = False

    async def receive() -> Message:
        nonlocal given
        if given:
            return await received()  # past the end: the client hanging up
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    request._receive = receive


def _fingerprint(request: Request, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (request.method, request.url.path, request.url.query):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


def idempotent(handler: Handler) -> Handler:
    async def handle(request: Request) -> Response:
        key = request.headers.get(HEADER)
        if key is None or request.method not in METHODS or not request.url.path.startswith(API):
            return await handler(request)
        if not well_formed(key):
            raise KeyMalformed
        if not _readable(request):
            return await handler(request)
        # Read now, before FastAPI parses it (a form's parts would leave nothing to read after);
        # FastAPI then reads the same bytes, and a route that reads the body as it streams
        # (an upload) is handed them again, not left waiting for bytes already read.
        body = await request.body()
        _replay_body(request, body)
        attempt = _Attempt(key, _fingerprint(request, body))
        request.scope[_ATTEMPT] = attempt
        try:
            response = await handler(request)
        except Replay as replay:
            return _replayed(request, replay.answer)
        except Exception as exc:
            if attempt.claimed is not None:
                await _keep_refusal(request, attempt, exc)
            raise
        if attempt.claimed is not None and attempt.session is not None:
            answer = _kept(request, response)
            if answer is None:
                await service.let_go(attempt.session, attempt.claimed)
            else:
                await service.answered(attempt.session, attempt.claimed, answer)
        return response

    return handle


def refusing(handler: Handler) -> Handler:
    """For a write that never claims a key (no agent's credential authenticates it): a key sent
    is refused, not silently ignored, since the caller would count on a retry being safe."""

    async def handle(request: Request) -> Response:
        if (
            HEADER in request.headers
            and request.method in METHODS
            and request.url.path.startswith(API)
        ):
            raise KeyUnsupported(f"{request.method} {request.url.path}")
        return await handler(request)

    return handle


async def once(request: Request, body: bytes, run: Callable[[], Awaitable[Response]]) -> Response:
    """The mail server's `POST /api/v1/inbound/mime`, which no agent's credential authenticates
    and which stores its mail in the inbound writer's own transactions (mail/writer.py), not
    the request's: its key (no user's, `INBOUND`) is claimed in a transaction of its own before
    the mail is stored, and the answer kept in another after it, as a request that commits
    part-way keeps its key (`committed_early`). A retry meanwhile is answered
    `409 idempotency_key_in_progress`; a process that dies between the two leaves the key to be
    taken over after service.IN_PROGRESS_FOR, and the mail itself is told apart by its
    Message-ID (or its bytes), so the retry that takes it over stores nothing twice. A refusal
    or a failure lets the key go: nothing was stored, and the same request runs again."""
    key = request.headers.get(HEADER)
    if key is None:
        return await run()
    if not well_formed(key):
        raise KeyMalformed
    sessionmaker = request.app.state.sessionmaker
    async with unit_of_work(sessionmaker) as session:
        found = await service.claim(
            session,
            user_id=None,
            credential=INBOUND,
            key=key,
            fingerprint=_fingerprint(request, body),
        )
    if isinstance(found, Stored):
        return _replayed(request, found.answer)
    try:
        response = await run()
    except BaseException:
        # Cancelled too (the client went away, the server stops): else the key would say "in
        # progress" until it is taken over. Shielded, for a cancelled scope cancels every await
        # in it. The mail may still be stored by the writer: a retry finds it by Message-ID.
        with anyio.CancelScope(shield=True):
            async with unit_of_work(sessionmaker) as session:
                await service.settled(session, found, None)
        raise
    answer = _kept(request, response) if response.status_code < 400 else None
    async with unit_of_work(sessionmaker) as session:
        await service.settled(session, found, answer)
    return response


async def claim(request: Request, session: AsyncSession, *, user_id: int, credential: str) -> None:
    """Called once the caller is known: claims the request's key in `session`'s transaction, or
    raises Replay with the key's answer (KeyReused when the key came with another request)."""
    attempt = request.scope.get(_ATTEMPT)
    if not isinstance(attempt, _Attempt) or attempt.claimed is not None:
        return
    found = await service.claim(
        session,
        user_id=user_id,
        credential=credential,
        key=attempt.key,
        fingerprint=attempt.fingerprint,
    )
    if isinstance(found, Stored):
        raise Replay(found.answer)
    attempt.claimed = found
    attempt.session = session
    attempt.transaction = session.sync_session.get_transaction()
    attempt.user_id = user_id
    attempt.credential = credential


def _kept(request: Request, response: Response) -> Answer | None:
    """The answer to keep, its body sealed; None for one a retry should not get again: the
    server failed (5xx), or said to wait (429), or streamed its body."""
    status = response.status_code
    body = getattr(response, "body", None)
    if status >= 500 or status == 429 or not isinstance(body, bytes):
        return None
    headers = {name: response.headers[name] for name in _KEPT if name in response.headers}
    return Answer(status, headers, _seal(request, body))


def _replayed(request: Request, answer: Answer) -> Response:
    return Response(
        _unseal(request, answer.body),
        status_code=answer.status_code,
        headers=answer.headers | {REPLAYED: "true"},
    )


# An answer may carry a secret (a new API token, a webhook's signing secret, recovery codes) and
# customers' words: kept sealed under the server's secret key, as the TOTP seeds are. Latin-1
# maps each byte to one character and back.
def _seal(request: Request, body: bytes) -> bytes:
    secret = request.app.state.settings.secret
    return secretbox.seal(secret, SEAL_PURPOSE, body.decode("latin-1")).encode("ascii")


def _unseal(request: Request, sealed: bytes) -> bytes:
    secret = request.app.state.settings.secret
    try:
        opened: str = secretbox.unseal(secret, SEAL_PURPOSE, sealed.decode("ascii"))
    except secretbox.Unreadable:
        raise KeyUnreadable from None
    return opened.encode("latin-1")


def _refusal(exc: Exception) -> bool:
    """A refusal of the request as sent (4xx), which the same request would get again."""
    if isinstance(exc, FrontdeskError | HTTPException):
        return 400 <= exc.status_code < 500 and exc.status_code != 429
    return isinstance(exc, RequestValidationError)


async def _keep_refusal(request: Request, attempt: _Attempt, exc: Exception) -> None:
    session, claimed = attempt.session, attempt.claimed
    if session is None or claimed is None:
        return
    answer = None
    render = _handler_of(request, exc) if _refusal(exc) else None
    if render is not None:
        answer = _kept(request, await render(request, exc))
    early = attempt.committed_early()
    if isinstance(exc, FrontdeskError) and exc.keep_changes:
        # Its changes commit (db/session.py `_committed`), and the claim with them: answered,
        # or let go when the answer is not one to give again (a 429 that counted a failure).
        if answer is None:
            await service.let_go(session, claimed)
        else:
            await service.answered(session, claimed, answer)
        return
    if answer is None and not early:
        return  # rolled back with the request, claim and all
    # Rolled back: what was done since the last commit, and the claim if it was not committed
    # yet. The refusal is kept, or a claim committed part-way let go, in a transaction of its
    # own (the rollback first gives SQLite's one connection back for it); a crash before it only
    # means a retry is refused afresh, or, for a committed claim, waits until it is taken over.
    await session.rollback()
    try:
        async with unit_of_work(request.app.state.sessionmaker) as own:
            if early:
                await service.settled(own, claimed, answer)
            elif answer is not None:
                await service.refused(
                    own,
                    user_id=attempt.user_id,
                    credential=attempt.credential,
                    key=attempt.key,
                    fingerprint=attempt.fingerprint,
                    answer=answer,
                )
    except Exception:  # the request's own error is the one to answer with
        logger.exception("an idempotency key's refusal could not be kept")


def _handler_of(
    request: Request, exc: Exception
) -> Callable[[Request, Exception], Awaitable[Response]] | None:
    """The app's handler for `exc` (http_errors.py), as Starlette picks it: by the class's
    order of inheritance."""
    handlers = request.app.exception_handlers
    for kind in type(exc).__mro__:
        if kind in handlers:
            found: Callable[[Request, Exception], Awaitable[Response]] = handlers[kind]
            return found
    return None
