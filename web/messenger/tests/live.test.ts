// The visitor's messages as the live side sends them while the socket is down: over HTTP, with a
// server whose answers the test gives, late or never, and a fake clock. What the visitor wrote
// reaches the server once, in the order written, or is marked "Not sent" and kept. Messages of
// files go in the same lane: their uploads (XMLHttpRequest) and their message answered by a
// server kept in memory that goes away and comes back.

import assert from "node:assert/strict";
import { setMaxListeners } from "node:events";
import test, { afterEach, beforeEach, mock } from "node:test";
import { Conversation, FILES_PATIENCE, type Persist } from "../src/conversation";
import { Files } from "../src/files";
import { translator } from "../src/i18n";
import { History } from "../src/history";
import { Live, type Host } from "../src/live";
import { ApiError, type Fetcher } from "../src/net";
import type { ChatRead } from "../src/types";

// The page's window, as far as the live side uses it: its events and its timers (faked). Each
// test's live side listens to it, and none is ever taken away.
const page = new EventTarget();
setMaxListeners(100, page);
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
  Object.assign(host, { history, files: new Files("http://example.test", api, host) });
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

// --- messages of files, in the lane with the texts ------------------------------------------------

/** The chat as a server kept in memory holds it: texts, and messages of files by their files'
 * names. It dedupes as the real one does: an upload by its client id, a message by its
 * client_msg_id. */
class Server {
  up = true;
  /** Requests whose path matches go unanswered, as if the connection dropped (uploads too). */
  away: RegExp | null = null;
  /** Uploads wait here until `release` (a slow connection). */
  holding = false;
  /** Every upload answered with this status (a proxy in front refusing bodies). */
  failUploads = 0;
  /** The next files' messages stored, whose answers are lost on the way back. */
  loseAnswers = 0;
  readonly said: string[] = ["Hello"];
  /** Uploads by client id: their file's name and whether a message sent them. */
  readonly uploads = new Map<string, { id: string; name: string; sent: boolean }>();
  /** How often each files' message was posted, by client_msg_id. */
  readonly tries = new Map<string, number>();
  private readonly messages = new Set<string>();
  private held: (() => void)[] = [];

  reachable(path: string): boolean {
    return this.up && !this.away?.test(path);
  }

  readonly api = ((method: string, path: string, body?: Record<string, unknown>) => {
    const cmid = String(body?.client_msg_id);
    return Promise.resolve().then(() => {
      if (!this.reachable(path)) throw OFFLINE;
      if (`${method} ${path}` === "POST /chats/12/messages") {
        if (!this.messages.has(cmid)) this.said.push(String(body!.text));
        this.messages.add(cmid);
        return { seq: this.said.length };
      }
      assert.equal(`${method} ${path}`, "POST /chats/12/file-messages");
      this.tries.set(cmid, (this.tries.get(cmid) ?? 0) + 1);
      if (!this.messages.has(cmid)) {
        const ids = body!.attachment_ids as string[];
        const files = [...this.uploads.values()].filter((u) => ids.includes(u.id) && !u.sent);
        if (files.length !== ids.length) throw new ApiError("invalid", "A file of this message is gone: upload it again.", 422);
        for (const file of files) file.sent = true;
        this.said.push(`files: ${files.map((f) => f.name).join(", ")}`);
        this.messages.add(cmid);
      }
      if (this.loseAnswers > 0) {
        this.loseAnswers -= 1;
        throw OFFLINE;
      }
      return { seq: this.said.length };
    });
  }) as Fetcher;

  upload(xhr: FakeXhr, url: URL, file: File): void {
    if (this.holding) {
      this.held.push(() => this.upload(xhr, url, file));
      return;
    }
    queueMicrotask(() => {
      if (!this.reachable(url.pathname)) return xhr.onerror?.();
      const name = url.searchParams.get("filename")!;
      const refused = name.endsWith(".exe") ? [422, "file_type_refused"] : this.failUploads ? [this.failUploads, "http_502"] : null;
      if (refused) return xhr.answer(refused[0] as number, { error: { code: refused[1], message: "Refused." } });
      const clientId = url.searchParams.get("client_id")!;
      const stored = this.uploads.get(clientId) ?? { id: `f${this.uploads.size + 1}`, name, sent: false };
      this.uploads.set(clientId, stored);
      xhr.upload.onprogress?.({ loaded: file.size });
      xhr.answer(201, { id: stored.id, filename: name });
    });
  }

  release(): void {
    this.holding = false;
    for (const go of this.held.splice(0)) go();
  }
}

let server = new Server();

/** An upload as the browser sends it, answered by `server`. */
class FakeXhr {
  status = 0;
  responseText = "";
  readonly upload: { onprogress: ((event: { loaded: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  private url = "";
  open(_method: string, url: string): void {
    this.url = url;
  }
  setRequestHeader(): void {}
  getResponseHeader(): string | null {
    return null;
  }
  send(file: File): void {
    server.upload(this, new URL(this.url), file);
  }
  answer(status: number, body: unknown): void {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}
Object.assign(globalThis, { XMLHttpRequest: FakeXhr });

interface Bubble {
  cmid: string;
  what: string;
  state: string;
  buttons: string[];
}

/** The live side of a held chat over `server`, what the visitor sees of their messages, and the
 * storage a reload starts again from. */
function lane(store = new Memory()) {
  const bubbles: Bubble[] = [];
  const find = (cmid: string) => bubbles.find((b) => b.cmid === cmid);
  const draw = (cmid: string, what: string, state: string) => {
    const at = bubbles.findIndex((b) => b.cmid === cmid);
    if (at >= 0) bubbles.splice(at, 1);
    bubbles.push({ cmid, what, state, buttons: [] });
  };
  const view = {
    convo: {
      input: { focus: () => undefined },
      drawOwn: (text: string, cmid: string) => draw(cmid, text, "sending"),
      drawUpload: (cmid: string, names: string) => draw(cmid, `files: ${names}`, "uploading"),
      progress: () => undefined,
      markOwn: (cmid: string, state: string, reason = "") => {
        const bubble = find(cmid);
        if (bubble) Object.assign(bubble, { state: reason ? `${state}: ${reason}` : state, buttons: [] });
      },
      filesNotSent: (cmid: string, reason: string, retry: boolean) => {
        const bubble = find(cmid);
        if (bubble) Object.assign(bubble, { state: `Not sent: ${reason}`, buttons: retry ? ["Retry", "Discard"] : ["Discard"] });
      },
      removeOwn: (cmid: string) => void bubbles.splice(bubbles.indexOf(find(cmid)!), 1),
      giveBack: () => undefined,
      markUnsent: () => undefined,
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
    historyLoaded: () => undefined,
  } as unknown as Host & { conversation: Conversation; history: History; historyLoaded(): void };
  Object.assign(host, { history: new History(server.api, host), files: new Files("http://example.test", server.api, host) });
  const live = new Live("ws://example.test/messenger/v1/ws", server.api, host);
  host.conversation = new Conversation(store, true, (count) => live.pendingChanged(count));
  if (!host.conversation.chat) host.conversation.adopt(12, 3, "active");
  // As the conversation view draws what is still on its way after a reload.
  for (const item of host.conversation.pending) {
    if (item.files) view.convo.drawUpload(item.cmid, item.files.names);
    else view.convo.drawOwn(item.text, item.cmid);
  }
  // Kick the lane as the page's load does (the socket's `up`, or the first message).
  live.pendingChanged(host.conversation.pending.length);
  const shown = () => bubbles.map((b) => `${b.what} (${b.state})${b.buttons.length ? ` [${b.buttons.join(", ")}]` : ""}`);
  const cmidOf = (what: string) => bubbles.find((b) => b.what === what)!.cmid;
  return { live, conversation: host.conversation, store, shown, cmidOf };
}

function pdf(name = "invoice.pdf"): File {
  return new File(["%PDF-1.4 an invoice"], name, { type: "application/pdf" });
}

beforeEach(() => {
  server = new Server();
});

test("text, files, text written with the server away reach it in the order written, once each, however long it is away", async () => {
  const { live, shown } = lane();
  server.up = false;
  live.send("Here is my invoice:");
  live.sendFiles([pdf()]);
  live.send("The second line is wrong.");
  // Longer than a message of files' patience: an outage holds every message, it gives up none.
  await elapse(FILES_PATIENCE + 60_000);
  assert.deepEqual(server.said, ["Hello"]);
  assert.deepEqual(shown(), [
    "Here is my invoice: (retrying)",
    "files: invoice.pdf (retrying)",
    "The second line is wrong. (sending)",
  ]);

  server.up = true;
  await elapse(10_000);
  assert.deepEqual(server.said, ["Hello", "Here is my invoice:", "files: invoice.pdf", "The second line is wrong."]);
  assert.deepEqual(shown(), ["Here is my invoice: (sent)", "files: invoice.pdf (sent)", "The second line is wrong. (sent)"]);
  assert.equal(server.uploads.size, 1);
});

test("a slow upload holds the text written after it: it goes once the files' message is stored", async () => {
  const { live } = lane();
  server.holding = true;
  live.send("One moment.");
  live.sendFiles([pdf()]);
  live.send("That's the one.");
  await elapse(30_000);
  assert.deepEqual(server.said, ["Hello", "One moment."]);
  server.release();
  await elapse(2000);
  assert.deepEqual(server.said, ["Hello", "One moment.", "files: invoice.pdf", "That's the one."]);
});

test("a files' message whose answer is lost is sent again with the same id and stored once", async () => {
  const { live, shown, cmidOf } = lane();
  server.loseAnswers = 1;
  live.sendFiles([pdf()]);
  live.send("Got it?");
  await elapse(10_000);
  assert.deepEqual(server.said, ["Hello", "files: invoice.pdf", "Got it?"]);
  assert.equal(server.tries.get(cmidOf("files: invoice.pdf")), 2);
  assert.equal(server.uploads.size, 1);
  assert.deepEqual(shown(), ["files: invoice.pdf (sent)", "Got it? (sent)"]);
});

test("a file refused says why, with Discard and no Retry, and the message after it goes on", async () => {
  const { live, shown, cmidOf } = lane();
  live.sendFiles([new File(["MZ"], "setup.exe")]);
  live.send("Sorry, wrong file.");
  await elapse(2000);
  assert.deepEqual(server.said, ["Hello", "Sorry, wrong file."]);
  assert.deepEqual(shown(), [
    "files: setup.exe (Not sent: programs and scripts can't be sent in a chat.) [Discard]",
    "Sorry, wrong file. (sent)",
  ]);
  // Retry is not offered, and would not send it.
  live.retryFiles(cmidOf("files: setup.exe"));
  await elapse(2000);
  assert.deepEqual(server.said, ["Hello", "Sorry, wrong file."]);
  live.discardFiles(cmidOf("files: setup.exe"));
  assert.deepEqual(shown(), ["Sorry, wrong file. (sent)"]);
});

test("files failing on their own while connected stop after a minute; the text after them goes on; Retry sends them after it", async () => {
  const { live, shown, cmidOf } = lane();
  // The socket is up (the server within reach) but carries no message here: they go over HTTP.
  Object.assign(live, { socket: { ready: true, send: () => false, stop: () => undefined, nudge: () => undefined } });
  server.failUploads = 502;
  live.sendFiles([pdf()]);
  live.send("Can you see it?");
  await elapse(FILES_PATIENCE - 10_000);
  assert.deepEqual(server.said, ["Hello"]);
  assert.deepEqual(shown(), ["files: invoice.pdf (retrying)", "Can you see it? (sending)"]);
  await elapse(20_000);
  assert.deepEqual(server.said, ["Hello", "Can you see it?"]);
  assert.deepEqual(shown(), [
    "files: invoice.pdf (Not sent: invoice.pdf kept failing to upload.) [Retry, Discard]",
    "Can you see it? (sent)",
  ]);

  server.failUploads = 0;
  live.retryFiles(cmidOf("files: invoice.pdf"));
  await elapse(2000);
  assert.deepEqual(server.said, ["Hello", "Can you see it?", "files: invoice.pdf"]);
  assert.deepEqual(shown(), ["Can you see it? (sent)", "files: invoice.pdf (sent)"]);
  assert.equal(server.uploads.size, 1);
});

test("after a reload, files stored go in their turn; files not uploaded yet say so, and the text after them goes on", async () => {
  // Stored, their message not sent yet: the ids were kept with it.
  const first = lane();
  server.away = /file-messages/;
  first.live.sendFiles([pdf()]);
  first.live.send("Here it is.");
  await elapse(3000);
  first.live.disconnect();
  server.away = null;
  const reloaded = lane(first.store);
  await elapse(3000);
  assert.deepEqual(server.said, ["Hello", "files: invoice.pdf", "Here it is."]);
  assert.deepEqual(reloaded.shown(), ["files: invoice.pdf (sent)", "Here it is. (sent)"]);
  assert.equal(server.uploads.size, 1);

  // Not uploaded when the page went: their bytes went with it.
  server = new Server();
  const second = lane();
  server.up = false;
  second.live.sendFiles([pdf("photo.pdf")]);
  second.live.send("And this.");
  await elapse(3000);
  server.up = true;
  const again = lane(second.store);
  await elapse(3000);
  assert.deepEqual(server.said, ["Hello", "And this."]);
  assert.deepEqual(again.shown(), [
    "files: photo.pdf (Not sent: photo.pdf was not uploaded before the page was reloaded. Attach it again.) [Discard]",
    "And this. (sent)",
  ]);
});
