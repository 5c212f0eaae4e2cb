// The visitor's messages as the live side sends them while the socket is down: over HTTP, with a
// server whose answers the test gives, late or never, and a fake clock. What the visitor wrote
// reaches the server once, in the order written, or is marked "Not sent" and kept.

import assert from "node:assert/strict";
import test, { afterEach, beforeEach, mock } from "node:test";
import { Conversation, type Persist } from "../src/conversation";
import { translator } from "../src/i18n";
import { History } from "../src/history";
import { Live, type Host } from "../src/live";
import { ApiError, type Fetcher } from "../src/net";
import type { ChatRead } from "../src/types";

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

/** A fetch of the chat's history, waiting for the test's answer. */
interface Get {
  answer(read: ChatRead): void;
}

/** The live side of a held chat, its posts and history fetches waiting for the test's answer, and
 * what it drew. */
function setUp() {
  const posts: Post[] = [];
  const gets: Get[] = [];
  /** The chat's state each time its history was drawn. */
  const drawn: string[] = [];
  /** The texts the server stored, in order, once each. */
  const stored: string[] = [];
  const marks = new Map<string, string>();
  const given: string[] = [];
  let ended = 0;
  const api = ((method: string, path: string, body?: { text: string; client_msg_id: string }) => {
    if (`${method} ${path}` === "GET /chats/12") {
      return new Promise<unknown>((resolve) => gets.push({ answer: resolve }));
    }
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
    historyLoaded: () => void drawn.push(host.conversation.chat!.state),
  } as unknown as Host & { conversation: Conversation; history: History; historyLoaded(): void };
  const history = new History(api, host);
  Object.assign(host, { history });
  const load = history.load.bind(history);
  // How often the history was asked for because the server said the chat ended.
  history.load = (...args) => {
    ended += 1;
    return load(...args);
  };
  const live = new Live("ws://example.test/messenger/v1/ws", api, host);
  host.conversation = new Conversation(new Memory(), true, (count) => live.pendingChanged(count));
  host.conversation.adopt(12, 3, "active");
  const states = () => host.conversation.pending.concat(host.conversation.unsent).map((p) => marks.get(p.cmid));
  return { live, history: load, conversation: host.conversation, posts, gets, drawn, stored, marks, given, states, ended: () => ended };
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

test("a history fetch on its way when a message is refused because the chat ended does not hold back the ended card", async () => {
  const { live, history, conversation, posts, gets, drawn, states } = setUp();
  // After a reload: the history is on its way, slow; the socket waits for it, so HTTP sends.
  void history();
  await elapse(0);
  assert.equal(gets.length, 1);
  live.send("Are you still there?");
  await elapse(0);
  // The agent ended the chat after the history was read: the message is refused.
  posts[0].answer(new ApiError("chat_ended", "This chat has ended.", 409));
  await elapse(0);
  assert.deepEqual(states(), ["failed: This chat has ended."]);
  // The history read before the end answers now: it must not bring the chat back to life…
  const before = { id: 12, state: "active", last_seq: 3, events: [message(3, "agent")] };
  gets[0].answer(before);
  await elapse(0);
  assert.equal(conversation.chat!.state, "ended");
  assert.deepEqual(drawn, []);
  // …and the history asked for once the server said so shows how it ended, at once.
  assert.equal(gets.length, 2);
  gets[1].answer({ id: 12, state: "ended", last_seq: 4, events: [message(3, "agent"), ended(4)] });
  await elapse(0);
  assert.deepEqual(drawn, ["ended"]);
  assert.deepEqual(
    conversation.events.map((e) => e.type),
    ["chat.message_added", "chat.ended"],
  );
});

function message(seq: number, kind: "agent" | "visitor"): ChatRead["events"][number] {
  const author = { kind, name: kind === "agent" ? "Ada" : "Marie" };
  return { type: "chat.message_added", chat_id: 12, seq, data: { message: { author, text: "Hi", client_msg_id: null } } };
}

function ended(seq: number): ChatRead["events"][number] {
  return { type: "chat.ended", chat_id: 12, seq, data: { reason: "agent" } };
}
