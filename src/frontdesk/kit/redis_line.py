"""One connection to Redis on which any task sends commands, the replies matched to them in order.

Redis answers a connection's commands in the order it got them, so one connection carries every
command of a process: a command is written to the socket, its future waits in a queue, and each
reply that comes back resolves the oldest future. Commands sent in one turn of the event loop go
out in one write. Nothing is locked, pooled or retried per command: through redis-py's client
(pool, per-command timeout and retry wrappers) a rate-limit count cost a process more CPU than
the message it limited (docs/performance.md, "A leaner line to Redis").

Failures are the caller's to handle: a lost connection fails every command in flight with
`LineError` and the next command connects again; a command unanswered for `timeout` seconds
closes the connection the same way, since the ones queued behind it would wait as long.
"""

from __future__ import annotations

import asyncio
import collections
import ssl
import time
from typing import Any, cast

import hiredis
from redis.connection import parse_url

Arg = bytes | str | int


class LineError(OSError):
    """The connection failed, or Redis did not answer in time."""


class ReplyError(Exception):
    """Redis answered the command with an error (the reply's text is the message)."""


def pack(args: tuple[Arg, ...]) -> bytes:
    """A command in Redis's protocol: an array of bulk strings."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


class _Protocol(asyncio.Protocol):
    def __init__(self, timeout: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._timeout = timeout
        self._reader = hiredis.Reader(replyError=ReplyError)
        self._transport: asyncio.Transport | None = None
        # (future, when it was sent), oldest first: the replies come back in this order.
        self._waiting: collections.deque[tuple[asyncio.Future[Any], float]] = collections.deque()
        self._unsent: list[bytes] = []
        self._flush_scheduled = False
        self._watchdog: asyncio.TimerHandle | None = None
        self.closed: LineError | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, only alike.
        self._transport = cast(asyncio.Transport, transport)

    def send(self, command: bytes) -> asyncio.Future[Any]:
        if self.closed is not None:
            raise self.closed
        future = self._loop.create_future()
        self._waiting.append((future, time.monotonic()))
        self._unsent.append(command)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self._flush)
        if self._watchdog is None:
            self._watchdog = self._loop.call_later(self._timeout, self._check)
        return future

    def _flush(self) -> None:
        self._flush_scheduled = False
        if self._transport is not None and self._unsent and self.closed is None:
            self._transport.write(b"".join(self._unsent))
        self._unsent.clear()

    def _check(self) -> None:
        """Closes the connection when its oldest command has waited `timeout` seconds."""
        self._watchdog = None
        if not self._waiting:
            return
        late = self._waiting[0][1] + self._timeout - time.monotonic()
        if late <= 0:
            self._fail(LineError(f"Redis did not answer within {self._timeout:g} s"))
        else:
            self._watchdog = self._loop.call_later(late, self._check)

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)
        try:
            while (reply := self._reader.gets()) is not False:
                future = self._waiting.popleft()[0]
                if future.done():  # its caller gave up waiting
                    continue
                if isinstance(reply, ReplyError):
                    future.set_exception(reply)
                else:
                    future.set_result(reply)
        except (hiredis.ProtocolError, IndexError) as exc:
            self._fail(LineError(f"Redis sent what this line cannot read: {exc!r}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(LineError(f"the connection to Redis closed: {exc or 'by Redis'}"))

    def _fail(self, error: LineError) -> None:
        if self.closed is None:
            self.closed = error
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        waiting, self._waiting = self._waiting, collections.deque()
        for future, _ in waiting:
            if not future.done():
                future.set_exception(error)
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.abort()


class RedisLine:
    """`await line.call("INCR", key)`: the reply, or `ReplyError` / `LineError`."""

    def __init__(self, url: str, *, timeout: float) -> None:
        self._options: dict[str, Any] = parse_url(url)  # type: ignore[no-untyped-call]
        self._tls = url.startswith("rediss:")
        self._timeout = timeout
        self._protocol: _Protocol | None = None
        self._connecting: asyncio.Task[_Protocol] | None = None

    async def call(self, *args: Arg) -> Any:
        protocol = await self._connected()
        return await protocol.send(pack(args))

    async def call_all(self, commands: list[tuple[Arg, ...]]) -> list[Any]:
        """The replies of several commands, sent together; the first failure is raised."""
        protocol = await self._connected()
        replies = await asyncio.gather(
            *(protocol.send(pack(command)) for command in commands), return_exceptions=True
        )
        for reply in replies:
            if isinstance(reply, BaseException):
                raise reply
        return replies

    async def close(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
        if self._protocol is not None:
            self._protocol._fail(LineError("closed"))
            self._protocol = None

    async def _connected(self) -> _Protocol:
        """The open connection, made first when there is none."""
        protocol = self._protocol
        if protocol is not None and protocol.closed is None:
            return protocol
        # Callers arriving while a connection is being made share it.
        if self._connecting is None:
            self._connecting = asyncio.ensure_future(self._connect())
        connecting = self._connecting
        try:
            return await asyncio.shield(connecting)
        finally:
            if connecting.done():
                self._connecting = None

    async def _connect(self) -> _Protocol:
        options = self._options
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._timeout):
                if "path" in options:
                    _, protocol = await loop.create_unix_connection(
                        lambda: _Protocol(self._timeout), options["path"]
                    )
                else:
                    _, protocol = await loop.create_connection(
                        lambda: _Protocol(self._timeout),
                        options.get("host", "localhost"),
                        options.get("port", 6379),
                        ssl=_tls_context(options) if self._tls else None,
                    )
                # The handshake goes out with nothing else before it, and is awaited in full.
                handshake = []
                if options.get("password"):
                    credentials = [options.get("username"), options["password"]]
                    handshake.append(protocol.send(pack(("AUTH", *filter(None, credentials)))))
                if options.get("db"):
                    handshake.append(protocol.send(pack(("SELECT", options["db"]))))
                try:
                    for answer in await asyncio.gather(*handshake, return_exceptions=True):
                        if isinstance(answer, BaseException):
                            raise answer
                except BaseException:
                    protocol._fail(LineError("the handshake failed"))
                    raise
        except ReplyError as exc:
            raise LineError(f"Redis refused the connection: {exc}") from exc
        except TimeoutError as exc:
            raise LineError(f"no connection to Redis within {self._timeout:g} s") from exc
        self._protocol = protocol
        return protocol


def _tls_context(options: dict[str, Any]) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=options.get("ssl_ca_certs"))
    if str(options.get("ssl_cert_reqs", "required")).lower() in ("none", "optional"):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context
