// The socket's reconnection against a fake WebSocket on a fake clock: its own back-off with
// jitter, and never sooner than a busy server asked (a refused hello's `retry_after`, a 1013
// close's reason), not even when the network comes back. And a message refused with Retry-After
// over HTTP is not sent again before that, whatever hurries it.

import assert from "node:assert/strict";
import test, { afterEach, beforeEach, mock } from "node:test";
import { Conversation, type Persist } from "../src/conversation";
import { ApiError, closeRetryAfter, reconnectDelay, Socket } from "../src/net";

Object.assign(globalThis, { window: globalThis });

/** Every socket the messenger opened, in order; the test plays the server. */
const opened: FakeSocket[] = [];

class FakeSocket {
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  readonly sent: string[] = [];
  constructor(readonly url: string) {
    opened.push(this);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {}
  /** The server refuses the hello for `seconds` and closes. */
  refuse(seconds: number, how: "frame" | "close"): void {
    this.onopen?.();
    if (how === "frame") {
      const error = { code: "database_unavailable", message: "busy", retry_after: seconds };
      this.onmessage?.({ data: JSON.stringify({ type: "error", ref: "hello", error }) });
      this.onclose?.({ code: 1011, reason: "" });
    } else this.onclose?.({ code: 1013, reason: `retry_after=${seconds}` });
  }
}

beforeEach(() => {
  opened.length = 0;
  Object.assign(globalThis, { WebSocket: FakeSocket });
  mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"], now: 1_000_000 });
});
afterEach(() => mock.timers.reset());

function socket(): Socket {
  const handlers = { hello: () => ({ token: "t" }), frame: () => {}, up: () => {}, down: () => {}, fatal: () => {} };
  const s = new Socket("ws://example.test/messenger/v1/ws", handlers);
  s.start();
  return s;
}

for (const how of ["frame", "close"] as const) {
  test(`a server that refuses with a wait (${how}) is not tried again before it`, () => {
    const s = socket();
    assert.equal(opened.length, 1);
    opened[0]!.refuse(20, how);
    // Back-off alone would come back within a second; the server said 20 s.
    mock.timers.tick(19_900);
    assert.equal(opened.length, 1);
    // The network coming back does not hurry a busy server.
    s.nudge();
    assert.equal(opened.length, 1);
    // Within a quarter more (the jitter), it tries again.
    mock.timers.tick(5_100);
    assert.equal(opened.length, 2);
    s.stop();
  });
}

test("without a wait from the server, its own back-off (with jitter) and the network hurry it", () => {
  const s = socket();
  opened[0]!.onclose?.({ code: 1006, reason: "" });
  mock.timers.tick(1_000);
  assert.equal(opened.length, 2);
  opened[1]!.onclose?.({ code: 1006, reason: "" });
  s.nudge();
  assert.equal(opened.length, 3);
  s.stop();
});

test("the delay: back-off with jitter, and never below the server's wait", () => {
  assert.equal(reconnectDelay(0, 0, 0), 500);
  assert.equal(reconnectDelay(0, 0, 1), 1000);
  assert.equal(reconnectDelay(10, 0, 1), 30_000);
  assert.equal(reconnectDelay(0, 30, 0), 30_000);
  assert.ok(reconnectDelay(0, 30, 1) <= 37_500);
  assert.equal(reconnectDelay(6, 2, 1), 30_000);
  assert.equal(closeRetryAfter("retry_after=12"), 12);
  assert.equal(closeRetryAfter("busy, retry after 7 s"), 7);
  assert.equal(closeRetryAfter("going away"), 0);
});

class Memory implements Persist {
  readonly data = new Map<string, unknown>();
  get<T>(key: string): T | null {
    return (this.data.get(key) as T) ?? null;
  }
  set(key: string, value: unknown): void {
    this.data.set(key, value);
  }
}

test("a message refused with Retry-After waits for it even when the network or the socket comes back", () => {
  const conversation = new Conversation(new Memory(), true, () => {});
  conversation.adopt(12, 3, "active");
  const item = conversation.add("Hello?");
  const now = Date.now();
  assert.equal(conversation.next(false, now), item);
  conversation.tried(item.cmid, now);
  conversation.failed(item.cmid, new ApiError("database_unavailable", "", 503, 30), now);
  // "online", or the socket's hello acknowledged: `again`. Still not before the 30 s.
  assert.equal(conversation.next(true, now + 29_000), null);
  assert.equal(conversation.next(true, now + 30_001), item);
});
