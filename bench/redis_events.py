"""CPU of one realtime event through Redis pub/sub, with redis-py's reply parser in Python and
with hiredis's in C.

Each process of a multi-process desk publishes every event of a chat message to Redis and
reads back the events of the topics its sockets follow (realtime/redis.py). This times that
traffic alone, in one process: events shaped like a chat message's are published in pipelines
of 200 on 50 channels and read by a subscriber of all of them, and the process's CPU is divided
by the events. Needs Redis on 127.0.0.1:6379.

    .venv/bin/python bench/redis_events.py [--events 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from redis._parsers import _AsyncHiredisParser, _AsyncRESP2Parser
from redis.asyncio import ConnectionPool, Redis
from redis.utils import HIREDIS_AVAILABLE

CHANNELS = 50
PIPELINE = 200
# A header line (publisher, topics) and a message's envelope, as realtime/redis.py sends them.
EVENT = (
    b"1f0c 0 chat:12 visitor:7\n"
    b'{"type":"message.created","chat_id":12,"message":{"id":123456,"client_id":"c-0001",'
    b'"author":"visitor","text":"Hello, I have a question about my order number 4711",'
    b'"created_at":"2026-12-02T15:00:00.000000Z"}}'
)


async def cpu_per_event(parser: type, *, events: int, repeat: int) -> float:
    """The least CPU per event, in µs, over `repeat` rounds."""

    def client() -> Redis:
        return Redis(connection_pool=ConnectionPool(host="127.0.0.1", parser_class=parser))

    publisher, subscriber = client(), client()
    pubsub = subscriber.pubsub()
    channels = [f"fd-bench-events:{i}" for i in range(CHANNELS)]
    await pubsub.subscribe(*channels)
    for _ in channels:
        await pubsub.get_message(timeout=1.0)
    best = float("inf")
    try:
        for _ in range(repeat):
            received = 0

            async def read() -> None:
                nonlocal received
                while received < events:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message["type"] == "message":
                        received += 1

            started = time.process_time()
            reader = asyncio.create_task(read())
            for first in range(0, events, PIPELINE):
                pipeline = publisher.pipeline(transaction=False)
                for i in range(first, min(first + PIPELINE, events)):
                    pipeline.publish(channels[i % CHANNELS], EVENT)
                await pipeline.execute()
            await reader
            best = min(best, (time.process_time() - started) / events * 1e6)
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves it untyped
        await publisher.aclose()
        await subscriber.aclose()
    return best


async def main(args: argparse.Namespace) -> None:
    parsers: list[tuple[str, type]] = [("Python (RESP2)", _AsyncRESP2Parser)]
    if HIREDIS_AVAILABLE:
        parsers.append(("hiredis", _AsyncHiredisParser))
    else:
        print("hiredis is not installed: only the Python parser is measured")
    print(
        f"{args.events:,} events of {len(EVENT)} bytes on {CHANNELS} channels, best of {args.repeat}"
    )
    for name, parser in parsers:
        micros = await cpu_per_event(parser, events=args.events, repeat=args.repeat)
        print(f"  {name:<16} {micros:6.1f} µs CPU per event (published and received)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
