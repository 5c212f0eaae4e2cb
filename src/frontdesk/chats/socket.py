"""The two WebSockets: `/api/v1/ws` for desk tabs and `/messenger/v1/ws` for messengers. Frame
handlers are thin: they parse, authorise and call chats/service.py, like the HTTP routes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.auth import AgentAuth, TokenReadOnly, authenticate_agent, authenticate_visitor
from frontdesk.chats import service
from frontdesk.chats.errors import ChatNotFound
from frontdesk.chats.events import event_payload
from frontdesk.chats.messenger_deps import limits
from frontdesk.chats.models import Visitor
from frontdesk.chats.schemas import ClientMsgId
from frontdesk.chats.service import NewMessage, PostedMessage
from frontdesk.chats.writer import MessageWriter
from frontdesk.config import Settings
from frontdesk.db.session import database_unreachable, unit_of_work
from frontdesk.deps import SESSION_COOKIE
from frontdesk.errors import (
    DatabaseUnavailable,
    Forbidden,
    FrontdeskError,
    NotFound,
    Unauthorized,
    validation_fields,
)
from frontdesk.inboxes import service as inboxes_service
from frontdesk.kit.clock import utcnow
from frontdesk.kit.schemas import MAX_ID, Id, Seq
from frontdesk.knowledge import service as knowledge_service
from frontdesk.knowledge import viewers as knowledge_viewers
from frontdesk.realtime.catalogue import AccountEvent, ChatEventType
from frontdesk.realtime.envelope import (
    ALL_AGENTS,
    Envelope,
    agent_topic,
    chat_topic,
    inbox_topic,
    topic_chat,
    visitor_topic,
)
from frontdesk.realtime.gateway import (
    CLOSE_FORBIDDEN_ORIGIN,
    CLOSE_HELLO_TIMEOUT,
    CLOSE_POLICY,
    CLOSE_TRY_AGAIN,
    CLOSE_UNAUTHENTICATED,
    DEFERRED,
    Command,
    Commands,
    Connection,
    Context,
    DirectCommand,
    error_frame,
    parse_frame,
    receive_frame,
    receive_loop,
)
from frontdesk.realtime.process import PROCESS_ID
from frontdesk.tickets import service as tickets_service
from frontdesk.users import service as users_service
from frontdesk.users import two_factor
from frontdesk.users.events import ends
from frontdesk.users.models import User
from frontdesk.users.two_factor import TwoFactorRequired

router = APIRouter()
HELLO_TIMEOUT = 10.0
MAX_RESUME_CHATS = 200


class Frame(BaseModel):
    # Strict like the HTTP bodies: `0` is not false, `"12"` is not 12.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, strict=True)


# JSON object keys are strings: `{"12": 40}` names chat 12.
ChatKey = Annotated[Id, Strict(False)]


class ResumeFrame(Frame):
    chats: dict[ChatKey, Seq] = Field(max_length=MAX_RESUME_CHATS)


class MessageFrame(Frame):
    chat_id: Id
    text: Annotated[str, Field(min_length=1, max_length=100_000)]
    client_msg_id: ClientMsgId


class TypingFrame(Frame):
    chat_id: Id
    typing: bool


class VisitorTypingFrame(TypingFrame):
    # What the visitor has typed so far, for the typing preview (chats/typing_preview.py); the
    # frame's size limit bounds it, the preview cuts it to the message length.
    text: Annotated[str, Field(max_length=100_000)] | None = None


class TicketPresenceFrame(Frame):
    ticket_id: Id
    viewing: bool
    composing: Literal["reply", "note"] | None = None


class ArticlePresenceFrame(Frame):
    article_id: Id
    viewing: bool
    composing: Literal["edit"] | None = None


class ReadFrame(Frame):
    chat_id: Id
    seq: Seq


class PageFrame(Frame):
    url: Annotated[str, Field(max_length=2000)]
    title: Annotated[str, Field(max_length=500)] = ""


class MinimizedFrame(Frame):
    minimized: bool


class HelloFrame(Frame):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    chats: dict[ChatKey, Seq] = Field(default_factory=dict, max_length=MAX_RESUME_CHATS)


class PongFrame(Frame):
    model_config = ConfigDict(extra="ignore")


def envelope_of(event: Any, *, for_visitor: bool) -> Envelope:
    return Envelope(
        type=event.type,
        data=event_payload(event, for_visitor=for_visitor),
        chat_id=event.chat_id,
        seq=event.seq,
        at=event.created_at,
    )


def _ack(posted: PostedMessage) -> dict[str, Any]:
    return {"message_id": posted.id, "seq": posted.seq, "duplicate": posted.duplicate}


async def _pong(_session: AsyncSession, _payload: PongFrame, _ctx: Context) -> None:
    return None


def _queue_resume(ctx: Context, chats: dict[int, int]) -> dict[str, Any]:
    ctx.connection.resume(chats)
    ctx.connection.say_in_order({"type": "ack", "ref": ctx.ref, "data": {"chats": sorted(chats)}})
    return DEFERRED


def parse_resume(raw: str | None) -> dict[int, int] | None:
    """The desk's `?resume=12:40,13:7` (chat:seq pairs); None when it is malformed."""
    if not raw:
        return {}
    chats: dict[int, int] = {}
    for pair in raw.split(","):
        chat, _, seq = pair.partition(":")
        if not all(part.isascii() and part.isdigit() and len(part) <= 18 for part in (chat, seq)):
            return None
        if int(seq) > MAX_ID:
            return None
        chats[int(chat)] = int(seq)
    return chats if len(chats) <= MAX_RESUME_CHATS else None


async def _resumable(
    connection: Connection, chats: dict[int, int], ref: str | None, check: Any
) -> dict[int, int]:
    """The chats of a connect-time resume this client may see; an `error` for each other one."""
    kept: dict[int, int] = {}
    async with unit_of_work(connection.sessionmaker) as session:
        for chat_id, seq in chats.items():
            try:
                if not 1 <= chat_id <= MAX_ID:  # names no chat, and would overflow the query
                    raise ChatNotFound
                await check(session, chat_id)
            except NotFound as exc:
                await connection.send(error_frame(ref, exc))
            else:
                kept[chat_id] = seq
    return kept


# --- the desk ----------------------------------------------------------------------------------


def desk_commands(user_id: int, writer: MessageWriter) -> Commands:
    async def agent(session: AsyncSession) -> User:
        return await users_service.get_user(session, user_id=user_id)

    async def resume(session: AsyncSession, payload: ResumeFrame, ctx: Context) -> dict[str, Any]:
        user = await agent(session)
        for chat_id in payload.chats:
            await service.get_chat(session, user=user, chat_id=chat_id)
        # Resuming a chat is following it: its messages and typing come to this desk from now on.
        ctx.connection.subscribe(chat_topic(chat_id) for chat_id in payload.chats)
        return _queue_resume(ctx, payload.chats)

    async def message(payload: MessageFrame, _ctx: Context) -> dict[str, Any]:
        return _ack(
            await writer.post(
                NewMessage(payload.chat_id, payload.text, payload.client_msg_id, user_id=user_id)
            )
        )

    async def typing(session: AsyncSession, payload: TypingFrame, _ctx: Context) -> None:
        user = await agent(session)
        chat = await service.get_chat(session, user=user, chat_id=payload.chat_id)
        await service.set_typing(
            session, chat=chat, author=service.agent_author(user), typing=payload.typing
        )

    async def read(session: AsyncSession, payload: ReadFrame, _ctx: Context) -> dict[str, Any]:
        user = await agent(session)
        chat = await service.get_chat(session, user=user, chat_id=payload.chat_id)
        return {
            "read_seq": await service.mark_read(session, chat=chat, agent=user, seq=payload.seq)
        }

    async def ticket_presence(
        session: AsyncSession, payload: TicketPresenceFrame, ctx: Context
    ) -> dict[str, Any]:
        """Collision detection: this tab shows the ticket (and writes on it), or no longer does."""
        user = await agent(session)
        ticket = await tickets_service.get_ticket(session, user=user, ticket_id=payload.ticket_id)
        viewers = await tickets_service.set_presence(
            session,
            ticket=ticket,
            user=user,
            connection_id=ctx.connection.id,
            viewing=payload.viewing,
            composing=payload.composing if payload.viewing else None,
        )
        return dict(viewers)

    async def article_presence(
        session: AsyncSession, payload: ArticlePresenceFrame, ctx: Context
    ) -> dict[str, Any]:
        """The same for a knowledge base article open in the editor (every agent reads them)."""
        user = await agent(session)
        article = await knowledge_service.get_article(session, payload.article_id)
        viewers = await knowledge_viewers.set_presence(
            session,
            article=article,
            user=user,
            connection_id=ctx.connection.id,
            viewing=payload.viewing,
            composing=payload.composing if payload.viewing else None,
        )
        return dict(viewers)

    return {
        "resume": Command(ResumeFrame, resume),
        "message": DirectCommand(MessageFrame, message),
        "typing": Command(TypingFrame, typing),
        "read": Command(ReadFrame, read),
        "ticket_presence": Command(TicketPresenceFrame, ticket_presence),
        "article_presence": Command(ArticlePresenceFrame, article_presence),
        "pong": Command(PongFrame, _pong),
    }


# What a desk socket opened with a read-only API token may still send: following chats and
# answering pings. Typing, read marks and presence are writes as much as a message is.
READING_FRAMES = frozenset({"resume", "pong"})


def _reading_only(commands: Commands) -> Commands:
    async def refuse(_payload: object, _ctx: Context) -> None:
        raise TokenReadOnly

    return {
        name: command if name in READING_FRAMES else DirectCommand(command.model, refuse)
        for name, command in commands.items()
    }


async def _closed_if_expired(connection: Connection, auth: AgentAuth) -> bool:
    """Closes the socket once its credential (login or API token) has expired. The connection's
    timer does so at the expiry too, but it sleeps on the monotonic clock, which a suspended host
    or a change of the wall clock leaves behind: each frame and each event checks as well, so
    nothing is read or heard with an expired credential."""
    if auth.expires_at is None or utcnow() < auth.expires_at:
        return False
    # The reason the connection's timer gives, for a login and a token alike.
    await connection.close(CLOSE_UNAUTHENTICATED, "session expired")
    return True


def _until_expiry(commands: Commands, auth: AgentAuth) -> Commands:
    """Each frame handled only while the credential is valid; after, the socket closes."""
    if auth.expires_at is None:
        return commands

    def checked(command: Command | DirectCommand) -> Command | DirectCommand:
        if isinstance(command, DirectCommand):
            direct = command.handler

            async def handle_direct(payload: Any, ctx: Context) -> dict[str, Any] | None:
                if await _closed_if_expired(ctx.connection, auth):
                    return DEFERRED
                return await direct(payload, ctx)

            return DirectCommand(command.model, handle_direct)
        handler = command.handler

        async def handle(
            session: AsyncSession, payload: Any, ctx: Context
        ) -> dict[str, Any] | None:
            if await _closed_if_expired(ctx.connection, auth):
                return DEFERRED
            return await handler(session, payload, ctx)

        return Command(command.model, handle)

    return {name: checked(command) for name, command in commands.items()}


def _same_origin(websocket: WebSocket, settings: Settings) -> bool:
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    allowed = {urlsplit(settings.public_url).netloc, websocket.headers.get("host", "")}
    return urlsplit(origin).netloc in allowed


async def _desk_auth(websocket: WebSocket, session: AsyncSession) -> AgentAuth | None:
    try:
        return await authenticate_agent(
            session,
            authorization=websocket.headers.get("authorization"),
            cookie=websocket.cookies.get(SESSION_COOKIE),
        )
    except (Unauthorized, TwoFactorRequired):
        # Two-factor authentication to set up first: the desk opens no socket until then.
        return None


def _history(*, user_id: int | None = None, visitor_id: int | None = None) -> Any:
    async def load(session: AsyncSession, chat_id: int, after: int) -> Sequence[Envelope]:
        try:
            if user_id is not None:
                user = await users_service.get_user(session, user_id=user_id)
                await service.get_chat(session, user=user, chat_id=chat_id)
            else:
                visitor = await session.get(Visitor, visitor_id)
                if visitor is None:
                    return []
                await service.get_visitor_chat(session, visitor=visitor, chat_id=chat_id)
        except NotFound:
            return []
        events = await service.events_after(
            session, chat_id=chat_id, after_seq=after, for_visitor=visitor_id is not None
        )
        return [envelope_of(event, for_visitor=visitor_id is not None) for event in events]

    return load


async def _serve(
    websocket: WebSocket,
    connection: Connection,
    commands: Commands,
    *,
    user: User | None = None,
    visitor: Visitor | None = None,
    expires_at: datetime | None = None,
    reading: bool = False,
) -> None:
    """`reading`: an agent's socket opened with a read-only API token, which is no desk."""
    sessionmaker: async_sessionmaker[AsyncSession] = websocket.app.state.sessionmaker
    settings: Settings = websocket.app.state.settings
    async with unit_of_work(sessionmaker) as session:
        if user is not None:
            await service.agent_connected(
                session,
                user_id=user.id,
                connection_id=connection.id,
                process_id=PROCESS_ID,
                now=utcnow(),
                window=settings.agent_idle_timeout,
                reading=reading,
            )
        else:
            await service.connection_opened(
                session,
                connection_id=connection.id,
                process_id=PROCESS_ID,
                visitor=await session.get(Visitor, visitor.id) if visitor else None,
            )
    connection.start(expires_at=expires_at)
    try:
        await receive_loop(connection, commands)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        await connection.stop()
        with contextlib.suppress(Exception):
            async with unit_of_work(sessionmaker) as session:
                await service.connection_closed(session, connection_id=connection.id)


def _connection(
    websocket: WebSocket, history: Any, on_event: Any = None, follows: Any = None
) -> Connection:
    state = websocket.app.state
    return Connection(
        websocket,
        sessionmaker=state.sessionmaker,
        broker=state.broker,
        history=history,
        heartbeat_interval=state.settings.heartbeat_interval,
        on_event=on_event,
        follows=follows,
    )


@router.websocket("/api/v1/ws")
async def desk_socket(websocket: WebSocket) -> None:
    settings: Settings = websocket.app.state.settings
    async with unit_of_work(websocket.app.state.sessionmaker) as session:
        auth = await _desk_auth(websocket, session)
        inbox_ids = await inboxes_service.member_inbox_ids(session, user=auth.user) if auth else []
    await websocket.accept()
    if auth is None:
        await websocket.close(CLOSE_UNAUTHENTICATED, "log in first")
        return
    user = auth.user
    if auth.by_cookie and not _same_origin(websocket, settings):
        await websocket.close(CLOSE_FORBIDDEN_ORIGIN, "origin not allowed")
        return
    wanted = parse_resume(websocket.query_params.get("resume"))
    if wanted is None:
        await websocket.close(
            CLOSE_POLICY, f"resume must be chat:seq pairs, at most {MAX_RESUME_CHATS}"
        )
        return
    followed = {inbox_topic(inbox_id) for inbox_id in inbox_ids}

    async def follow(connection: Connection, envelope: Envelope) -> bool:
        """Keeps the subscriptions in step with the inboxes and chats this agent is in, and the
        socket open only while its credentials are valid."""
        if await _closed_if_expired(connection, auth):
            return False
        if envelope.type == AccountEvent.access_ended:
            if ends(envelope.data, auth.credential):
                await connection.close(CLOSE_UNAUTHENTICATED, envelope.data["reason"])
            return False
        if envelope.type == AccountEvent.membership_changed:
            await refresh_inboxes(connection)
        elif envelope.chat_id is None or envelope.seq is None:
            pass
        elif (
            envelope.type == ChatEventType.joined
            and envelope.data.get("user", {}).get("id") == user.id
        ):
            connection.subscribe([chat_topic(envelope.chat_id)])
            # Anything published before the subscription took effect comes from the database.
            connection.request_fill(envelope.chat_id, envelope.seq)
        elif envelope.type == ChatEventType.ended:
            connection.unsubscribe([chat_topic(envelope.chat_id)])
        return True

    async def refresh_inboxes(connection: Connection) -> None:
        async with unit_of_work(websocket.app.state.sessionmaker) as session:
            agent = await users_service.get_user(session, user_id=user.id)
            if await two_factor.must_enrol(session, agent):
                # Their role must now use two-factor authentication: no request of theirs is
                # answered until they set it up, and no event either.
                await connection.close(CLOSE_UNAUTHENTICATED, TwoFactorRequired.code)
                return
            now = {
                inbox_topic(i) for i in await inboxes_service.member_inbox_ids(session, user=agent)
            }
            # Out of an inbox, out of its chats: none of their messages reach this desk any more.
            followed_chats = [c for c in map(topic_chat, connection.topics) if c is not None]
            unseen = await service.unseen_chats(session, user=agent, chat_ids=followed_chats)
        connection.unsubscribe(chat_topic(chat_id) for chat_id in unseen)
        connection.unsubscribe(followed - now)
        connection.subscribe(now - followed)
        followed.clear()
        followed.update(now)

    connection = _connection(
        websocket,
        _history(user_id=user.id),
        on_event=follow,
        follows=lambda connection, chat_id: chat_topic(chat_id) in connection.topics,
    )

    async def visible(session: AsyncSession, chat_id: int) -> None:
        agent = await users_service.get_user(session, user_id=user.id)
        await service.get_chat(session, user=agent, chat_id=chat_id)

    resume = await _resumable(connection, wanted, "resume", visible)
    # The replays are queued before the subscriptions start: no live event of a resumed chat can
    # reach the socket ahead of its replay (docs/realtime.md, "Resume, exactly").
    connection.resume(resume)
    connection.subscribe([agent_topic(user.id), ALL_AGENTS, *followed, *map(chat_topic, resume)])
    # Listed once the inboxes are heard: a chat joined meanwhile is in the list, or its
    # `chat.joined` reaches `follow` above. Likewise the credentials are checked again now that
    # their end would be heard: ended in between, they would not be.
    async with unit_of_work(websocket.app.state.sessionmaker) as session:
        in_chats = await service.followed_chat_ids(session, user=user)
        still = await _desk_auth(websocket, session)
    if still is None:
        await connection.stop()
        await websocket.close(CLOSE_UNAUTHENTICATED, "session ended")
        return
    connection.subscribe(map(chat_topic, in_chats))
    connection.say_in_order({"type": "ready", "data": {"chats": sorted(resume)}})
    commands = desk_commands(user.id, websocket.app.state.message_writer)
    if auth.read_only:
        commands = _reading_only(commands)
    await _serve(
        websocket,
        connection,
        _until_expiry(commands, auth),
        user=user,
        expires_at=auth.expires_at,
        reading=auth.read_only,
    )


# --- the messenger -----------------------------------------------------------------------------


def messenger_commands(websocket: WebSocket, visitor_id: int) -> Commands:
    visitor_limiter = limits(websocket).visitor
    writer: MessageWriter = websocket.app.state.message_writer

    async def visitor(session: AsyncSession) -> Visitor:
        found = await session.get(Visitor, visitor_id)
        if found is None:
            raise NotFound("Unknown visitor.")
        return found

    async def resume(session: AsyncSession, payload: ResumeFrame, ctx: Context) -> dict[str, Any]:
        me = await visitor(session)
        for chat_id in payload.chats:
            await service.get_visitor_chat(session, visitor=me, chat_id=chat_id)
        return _queue_resume(ctx, payload.chats)

    async def message(payload: MessageFrame, _ctx: Context) -> dict[str, Any]:
        await visitor_limiter.hit(str(visitor_id))
        return _ack(
            await writer.post(
                NewMessage(
                    payload.chat_id, payload.text, payload.client_msg_id, visitor_id=visitor_id
                )
            )
        )

    async def typing(session: AsyncSession, payload: VisitorTypingFrame, _ctx: Context) -> None:
        me = await visitor(session)
        chat = await service.get_visitor_chat(session, visitor=me, chat_id=payload.chat_id)
        await service.set_typing(
            session, chat=chat, author=service.visitor_author(me, chat), typing=payload.typing
        )
        # A draft goes with typing; stopping (sent, emptied, idle) clears the preview.
        if payload.text is not None or not payload.typing:
            draft = (payload.text or "") if payload.typing else ""
            await service.share_draft(session, chat=chat, text=draft)

    async def page(session: AsyncSession, payload: PageFrame, _ctx: Context) -> None:
        await service.report_page(
            session, visitor=await visitor(session), url=payload.url, title=payload.title
        )

    async def minimized(session: AsyncSession, payload: MinimizedFrame, _ctx: Context) -> None:
        await service.report_minimized(
            session, visitor=await visitor(session), minimized=payload.minimized
        )

    return {
        "resume": Command(ResumeFrame, resume),
        "message": DirectCommand(MessageFrame, message),
        "typing": Command(VisitorTypingFrame, typing),
        "page": Command(PageFrame, page),
        "minimized": Command(MinimizedFrame, minimized),
        "pong": Command(PongFrame, _pong),
    }


async def _hello(websocket: WebSocket) -> tuple[HelloFrame, str | None] | None:
    try:
        raw = await asyncio.wait_for(receive_frame(websocket), timeout=HELLO_TIMEOUT)
    except TimeoutError:
        await websocket.close(CLOSE_HELLO_TIMEOUT, "say hello first")
        return None
    if raw is None:
        return None
    try:
        frame, ref = parse_frame(raw)
        if frame["type"] != "hello":
            raise FrontdeskError(
                'The first frame must be {"type": "hello", "token": …}.', code="bad_frame"
            )
        return HelloFrame.model_validate(
            {k: v for k, v in frame.items() if k not in ("type", "ref")}
        ), ref
    except ValidationError as exc:
        if not any(error["loc"][:1] == ("token",) for error in exc.errors()):
            # A token with a malformed rest: 4401 would tell the client to throw away a visitor
            # (and their chats) that may be perfectly valid; 1008 says to fix the client.
            fields = validation_fields(exc.errors())
            reason = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
            await websocket.close(CLOSE_POLICY, _close_reason(f"bad hello: {reason}"))
            return None
    except FrontdeskError:
        pass
    await websocket.close(CLOSE_UNAUTHENTICATED, "hello with a visitor token expected")
    return None


def _close_reason(text: str) -> str:
    """A close frame's reason is at most 123 bytes of UTF-8."""
    encoded = text.encode()
    return text if len(encoded) <= 123 else encoded[:120].decode(errors="ignore") + "…"


@router.websocket("/messenger/v1/ws")
async def messenger_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    hello = await _hello(websocket)
    if hello is None:
        return
    frame, ref = hello
    try:
        async with unit_of_work(websocket.app.state.sessionmaker) as session:
            visitor, _inbox = await authenticate_visitor(
                session, token=frame.token, origin=websocket.headers.get("origin")
            )
    except Unauthorized:
        await websocket.close(CLOSE_UNAUTHENTICATED, "unknown visitor")
        return
    except Forbidden:
        await websocket.close(CLOSE_FORBIDDEN_ORIGIN, "origin not allowed")
        return
    except Exception as exc:
        if not database_unreachable(exc):
            raise
        # Nothing is wrong with the visitor: say so, and when to come back (the messenger waits
        # at least that long), rather than a bare 1011 that every messenger retries at once.
        unavailable = DatabaseUnavailable()
        await websocket.send_json(error_frame(ref, unavailable))
        await websocket.close(CLOSE_TRY_AGAIN, f"retry_after={unavailable.retry_after}")
        return
    connection = _connection(websocket, _history(visitor_id=visitor.id))
    commands = messenger_commands(websocket, visitor.id)

    async def own(session: AsyncSession, chat_id: int) -> None:
        await service.get_visitor_chat(session, visitor=visitor, chat_id=chat_id)

    # As on the desk: the replays first, then the live events (docs/realtime.md).
    connection.resume(await _resumable(connection, frame.chats, ref, own))
    connection.subscribe([visitor_topic(visitor.id)])
    connection.say_in_order({"type": "ack", "ref": ref, "data": {"visitor_id": visitor.id}})
    await _serve(websocket, connection, commands, visitor=visitor)
