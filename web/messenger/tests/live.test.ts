// The visitor's messages as the live side sends them while the socket is down: over HTTP, with a
// server whose answers the test gives, late or never, and a fake clock. What the visitor wrote
// reaches the server once, in the order written, or is marked "Not sent" and kept.

import assert from "node:assert/strict";
import test, { afterEach, beforeEach, mock } from "node:test";
import { Conversation, type Persist } from "../src/conversation";
import { translator } from "../src/i18n";
import { Live, type Host } from "../src/live";
import { ApiError, type Fetcher } from "../src/net";

// The page's window, as far as the live side uses it: its events and its timers (faked).
const page = new EventTarget();
Object.assign(globalThis, {
  window: globalThis,
  addEventListener: page.addEventListener.bind(page),
  dispatchEvent: page.dispatchEvent.bind(page),
});

class Memory implements Persist {
  readonly data = new Map<string, string>();
  get<T>(key: string): T | null {
    const raw = this.data.get(key);
    return raw == null ? null : (JSON.parse(raw) as T);
  }
  set(key: string, value: unknown): void {
    if (value == null) this.data.delete(key);
    else this.data.set(key, JSON.stringify(value));
  }
}

interface Post {
  text: string;
  answer(error?: ApiError): void;
}

/** The live side of a held chat, its posts waiting for the test's answer, and what it drew. */
function setUp() {
  const posts: Post[] = [];
  /** The texts the server stored, in order, once each. */
  const stored: string[] = [];
  const marks = new Map<string, string>();
  const given: string[] = [];
  let ended = 0;
  const api = ((method: string, path: string, body?: { text: string; client_msg_id: string }) => {
    assert.equal(`${method} ${path}`, "POST /chats/12/messages");
    return new Promise<unknown>((resolve, reject) => {
      posts.push({
        text: body!.text,
        answer: (error) => {
          if (error) return reject(error);
          if (!stored.includes(body!.text)) stored.push(body!.text);
          resolve({ seq: stored.length });
        },
      });
    });
  }) as Fetcher;
  const view = {
    convo: {
      drawOwn: (_text: string, cmid: string) => void marks.set(cmid, "sending"),
      markOwn: (cmid: string, state: string, reason = "") =>
        void marks.set(cmid, reason ? `${state}: ${reason}` : state),
      giveBack: (text: string) => void given.push(text),
      markUnsent: () => {
        for (const item of host.conversation.unsent) marks.set(item.cmid, "failed: This chat has ended.");
      },
    },
    showNotice: () => undefined,
    showError: () => undefined,
    clearOffline: () => undefined,
  };
  const host = {
    view,
    t: translator("en"),
    token: "visitor-token",
    apply: () => undefined,
    forget: () => undefined,
    ended: () => void (ended += 1),
  } as unknown as Host & { conversation: Conversation };
  const live = new Live("ws://example.test/messenger/v1/ws", api, host);
  host.conversation = new Conversation(new Memory(), true, (count) => live.pendingChanged(count));
  host.conversation.adopt(12, 3, "active");
  const states = () => host.conversation.pending.concat(host.conversation.unsent).map((p) => marks.get(p.cmid));
  return { live, conversation: host.conversation, posts, stored, marks, given, states, ended: () => ended };
}

/** Lets `ms` pass on the fake clock, and what was waiting on it run. */
async function elapse(ms: number): Promise<void> {
  for (let done = 0; done < ms; done += 500) {
    mock.timers.tick(500);
    for (let turn = 0; turn < 3; turn++) await new Promise<void>((next) => setImmediate(next));
  }
  for (let turn = 0; turn < 3; turn++) await new Promise<void>((next) => setImmediate(next));
}

const OFFLINE = new ApiError("network", "", 0);

beforeEach(() => mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"], now: 1_000_000 }));
afterEach(() => mock.timers.reset());

test("with the socket down, messages are posted one at a time, in the order written", async () => {
  const { live, posts, stored } = setUp();
  live.send("My parcel never came.");
  live.send("It was order 1234.");
  live.send("Can you check?");
  await elapse(0);
  assert.deepEqual(
    posts.map((p) => p.text),
    ["My parcel never came."],
  );
  // No network: the first fails, and is the one tried again, every time.
  posts[0].answer(OFFLINE);
  await elapse(30_000);
  window.dispatchEvent(new Event("online"));
  await elapse(0);
  assert.deepEqual(new Set(posts.map((p) => p.text)), new Set(["My parcel never came."]));
  // Whatever was posted last is answered late: nothing else goes meanwhile; then the next.
  const last = posts[posts.length - 1];
  posts.slice(0, -1).forEach((p) => p.answer(OFFLINE));
  await elapse(20_000);
  assert.equal(posts.filter((p) => p.text !== "My parcel never came.").length, 0);
  last.answer();
  await elapse(0);
  posts[posts.length - 1].answer();
  await elapse(0);
  posts[posts.length - 1].answer();
  await elapse(0);
  assert.deepEqual(stored, ["My parcel never came.", "It was order 1234.", "Can you check?"]);
});

test("a message refused because the chat ended is marked Not sent and kept for a new chat", async () => {
  const { live, posts, conversation, given, states, ended } = setUp();
  live.send("Still there?");
  live.send("Hello?");
  await elapse(0);
  posts[0].answer(new ApiError("chat_ended", "This chat has ended.", 409));
  await elapse(0);
  // The composer goes with the chat: the text is kept for the new chat's form, not put back.
  assert.deepEqual(given, []);
  assert.equal(ended(), 1);
  // The one after it is not sent either: marked the same, both kept, in order.
  assert.deepEqual(states(), ["failed: This chat has ended.", "failed: This chat has ended."]);
  assert.deepEqual(
    conversation.unsent.map((p) => p.text),
    ["Still there?", "Hello?"],
  );
  await elapse(30_000);
  assert.equal(posts.length, 1);
});
