// The conversation state on its own: the resume rules of docs/realtime.md (seq, hello) and the
// bookkeeping of messages not acknowledged yet.

import assert from "node:assert/strict";
import test from "node:test";
import { Conversation, FILES_PATIENCE, RESEND_AFTER, RETRY_AFTER, type Persist } from "../src/conversation";
import { ApiError, frameError } from "../src/net";
import type { Envelope } from "../src/types";

/** localStorage as the Store gives it: values go through JSON, so nothing is shared by reference. */
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

function conversation(store = new Memory()): Conversation {
  return new Conversation(store, true, () => undefined);
}

function event(seq: number, type = "chat.message_added", data: Envelope["data"] = {}): Envelope {
  return { type, chat_id: 12, seq, data };
}

function message(seq: number, kind: "visitor" | "agent", cmid: string | null = null): Envelope {
  const author = { kind, name: kind === "agent" ? "Ada" : "Marie" };
  return event(seq, "chat.message_added", { message: { author, text: "Hi", client_msg_id: cmid } });
}

test("an event is applied once, only when its seq is above the last applied", () => {
  const c = conversation();
  c.adopt(12, 40, "active");
  assert.equal(c.apply(message(40, "agent")), false);
  assert.equal(c.apply(message(43, "agent")), true);
  // A gap is fine (agent-only events take numbers too); going back is not.
  assert.equal(c.apply(message(41, "agent")), false);
  assert.equal(c.apply(message(43, "agent")), false);
  assert.equal(c.apply({ ...message(44, "agent"), chat_id: 13 }), false);
  assert.equal(c.apply({ ...message(44, "agent"), seq: null }), false);
  assert.equal(c.chat?.seq, 43);
  assert.deepEqual(
    c.events.map((e) => e.seq),
    [43],
  );
});

test("the hello names the chat held with its last applied seq, and no chat once it ended", () => {
  const c = conversation();
  assert.deepEqual(c.held(), {});
  c.adopt(12, 0, "waiting");
  c.apply(event(1, "chat.joined", { user: { id: 3, name: "Ada" } }));
  assert.equal(c.chat?.state, "active");
  assert.deepEqual(c.held(), { 12: 1 });
  c.apply(event(2, "chat.ended", { reason: "agent" }));
  assert.equal(c.chat?.state, "ended");
  assert.deepEqual(c.held(), {});
});

test("a message stays pending, across a reload, until its own event comes back", () => {
  const store = new Memory();
  const c = conversation(store);
  c.adopt(12, 5, "active");
  const item = c.add("Hello");
  // A reload: the tab starts again from storage.
  const again = conversation(store);
  assert.deepEqual(again.chat, { id: 12, seq: 5, state: "active" });
  assert.deepEqual(again.pending, [item]);
  assert.deepEqual(again.next(true), item);
  again.apply(message(6, "visitor", item.cmid));
  assert.deepEqual(again.pending, []);
  assert.equal(store.get("pending"), null);
});

test("a message is sent at once, again after the hello's ack, otherwise once it waited long enough", () => {
  const c = conversation();
  c.adopt(12, 0, "active");
  const item = c.add("Hello");
  assert.deepEqual(c.next(false, 1_000), item);
  c.tried(item.cmid, 1_000);
  assert.equal(c.next(false, 1_000 + RESEND_AFTER), null);
  assert.deepEqual(c.next(false, 1_001 + RESEND_AFTER), item);
  assert.deepEqual(c.next(true, 1_001), item);
  // A POST still waiting for its answer is not sent a second time.
  c.inflight.add(item.cmid);
  assert.equal(c.next(true, 1_001), null);
  c.inflight.delete(item.cmid);
  c.apply(event(1, "chat.ended"));
  assert.equal(c.next(true, 1_001), null);
});

test("one message on its way at a time, in order: the next only once the one before is acknowledged", () => {
  const c = conversation();
  c.adopt(12, 0, "active");
  const first = c.add("one");
  const second = c.add("two");
  assert.deepEqual(c.next(false, 0), first);
  // Posted over HTTP with the socket down, its answer late: nothing overtakes it, not even when
  // the socket is back (the hello's ack) or the network is.
  c.tried(first.cmid, 0);
  c.inflight.add(first.cmid);
  assert.equal(c.next(false, 60_000), null);
  assert.equal(c.next(true, 60_000), null);
  // Its answer lost: it is the one sent again (the server dedupes), still before the second.
  c.inflight.delete(first.cmid);
  assert.deepEqual(c.next(true, 60_000), first);
  c.tried(first.cmid, 60_000);
  assert.equal(c.next(false, 60_001), null);
  c.acknowledged(first.cmid);
  assert.deepEqual(c.next(false, 60_001), second);
});

test("messages the chat's end overtook are kept, across a reload, for a new chat; never sent", () => {
  const store = new Memory();
  const c = conversation(store);
  c.adopt(12, 3, "active");
  const stored = c.add("Are you there?");
  c.add("Hello?");
  c.add("I'll wait.");
  // Back online, the replay: the first was stored before the agent ended the chat.
  c.apply(message(4, "visitor", stored.cmid));
  c.apply(event(5, "chat.ended", { reason: "agent" }));
  assert.deepEqual(c.pending, []);
  assert.deepEqual(
    c.unsent.map((p) => p.text),
    ["Hello?", "I'll wait."],
  );
  assert.equal(c.next(true), null);
  const again = conversation(store);
  assert.deepEqual(
    again.unsent.map((p) => p.text),
    ["Hello?", "I'll wait."],
  );
  // "Start a new chat" takes them, once.
  assert.equal(again.takeUnsent(), "Hello?\n\nI'll wait.");
  assert.deepEqual(again.unsent, []);
  assert.equal(store.get("unsent"), null);

  // Refused over HTTP because the chat ended, before the socket said so: kept the same way.
  const d = conversation();
  d.adopt(12, 0, "active");
  const late = d.add("late");
  assert.equal(d.failed(late.cmid, new ApiError("chat_ended", "This chat has ended.", 409))?.retry, false);
  assert.deepEqual(d.unsent, [late]);
  // The history of a chat that ended meanwhile: the same.
  const e = conversation();
  e.adopt(12, 0, "active");
  const lost = e.add("lost");
  e.load({ id: 12, state: "ended", last_seq: 2, events: [message(1, "agent"), event(2, "chat.ended")] });
  assert.deepEqual(e.unsent, [lost]);
  assert.deepEqual(e.pending, []);
});

test("a failed send is retried when it may succeed later, and given up when refused", () => {
  const c = conversation();
  c.adopt(12, 0, "active");
  const offline = c.add("one");
  const limited = c.add("two");
  const refused = c.add("three");
  assert.equal(c.failed(offline.cmid, new ApiError("network", "", 0))?.retry, true);
  assert.equal(c.failed(offline.cmid, new ApiError("internal", "", 503))?.retry, true);
  assert.equal(c.failed(limited.cmid, new ApiError("rate_limited", "", 429, 30), 0)?.retry, true);
  assert.deepEqual(c.failed(refused.cmid, new ApiError("too_long", "Too long", 400)), {
    item: refused,
    retry: false,
  });
  assert.deepEqual(c.pending, [offline, limited]);
  assert.equal(c.failed(refused.cmid, new ApiError("too_long", "Too long", 400)), null);
  // Rate limited: not again before the server's Retry-After.
  c.acknowledged(offline.cmid);
  assert.equal(c.next(false, 29_000), null);
  assert.deepEqual(c.next(false, 30_001), limited);
});

test("history replaces what was applied, and what it holds was delivered", () => {
  const c = conversation();
  c.adopt(12, 0, "waiting");
  const delivered = c.add("in the history");
  const lost = c.add("not in it");
  c.apply(message(1, "agent"));
  c.load({
    id: 12,
    state: "active",
    last_seq: 9,
    events: [message(2, "visitor", delivered.cmid), message(4, "agent")],
  });
  assert.deepEqual(
    c.events.map((e) => e.seq),
    [2, 4],
  );
  // Events after the last visible one (agent-only) are not asked for again.
  assert.deepEqual(c.held(), { 12: 9 });
  assert.deepEqual(c.pending, [lost]);
  assert.equal(c.loaded, true);
});

test("unread counts the agent's messages after the read mark, which survives a reload", () => {
  const store = new Memory();
  const c = conversation(store);
  c.adopt(12, 0, "active");
  c.apply(message(1, "agent"));
  c.apply(message(2, "visitor"));
  c.apply(message(3, "agent"));
  assert.equal(c.unread, 2);
  c.read();
  assert.equal(c.unread, 0);
  assert.equal(store.get("read:12"), 3);
  const again = conversation(store);
  again.load({ id: 12, state: "active", last_seq: 4, events: [message(1, "agent"), message(4, "agent")] });
  assert.equal(again.unread, 1);
});

test("another chat keeps only its own pending messages; forgetting drops them all", () => {
  const c = conversation();
  c.adopt(12, 0, "active");
  c.add("for chat 12");
  c.adopt(13, 0, "waiting");
  assert.deepEqual(c.pending, []);
  c.add("for chat 13");
  c.clear();
  assert.equal(c.chat, null);
  assert.equal(c.pending.length, 1);
  c.clear(true);
  assert.deepEqual(c.pending, []);
});

test("a socket's error frame is retried when the server was at fault, given up when the input was", () => {
  const c = conversation();
  c.adopt(12, 0, "active");
  const a = c.add("one");
  const b = c.add("two");
  const busy = frameError({ code: "database_unavailable", message: "Try again.", retry_after: 2 });
  assert.equal(busy.status, 503);
  assert.equal(c.failed(a.cmid, busy)?.retry, true);
  assert.equal(c.failed(a.cmid, frameError({ code: "internal", message: "" }))?.retry, true);
  assert.equal(c.failed(b.cmid, frameError({ code: "message_too_long", message: "Too long" }))?.retry, false);
  assert.deepEqual(c.pending.map((p) => p.text), ["one"]);
});

test("a history older than the chat's end already known changes nothing: an ended chat never goes on", () => {
  const c = conversation();
  c.adopt(12, 0, "active");
  c.apply(message(1, "agent"));
  c.apply(event(2, "chat.ended", { reason: "agent" }));
  // Asked before the end, answered after its event came.
  assert.equal(c.load({ id: 12, state: "active", last_seq: 1, events: [message(1, "agent")] }), false);
  assert.equal(c.chat?.state, "ended");
  assert.deepEqual(
    c.events.map((e) => e.type),
    ["chat.message_added", "chat.ended"],
  );
  assert.deepEqual(c.held(), {});
  assert.equal(c.load({ id: 12, state: "ended", last_seq: 2, events: [message(1, "agent"), event(2, "chat.ended")] }), true);
});

test("a message of files takes its turn in the lane: after the text before it, before the text after it", () => {
  const c = conversation();
  c.adopt(12, 0, "active");
  const before = c.add("Here is the invoice:");
  const files = c.add("", { names: "invoice.pdf", ids: null });
  const after = c.add("Page 2.");
  assert.deepEqual(c.next(false, 0), before);
  c.tried(before.cmid, 0);
  c.acknowledged(before.cmid);
  assert.deepEqual(c.next(false, 0), files);
  // Its upload and its message take as long as they take: nothing goes meanwhile.
  c.tried(files.cmid, 0);
  c.inflight.add(files.cmid);
  assert.equal(c.next(true, 600_000), null);
  c.inflight.delete(files.cmid);
  c.acknowledged(files.cmid);
  assert.deepEqual(c.next(false, 600_000), after);
});

test("a failed try is made again after a wait that doubles up to RESEND_AFTER, or after the server's Retry-After", () => {
  const c = conversation();
  c.adopt(12, 0, "active");
  const item = c.add("Hello");
  const offline = new ApiError("network", "", 0);
  let now = 0;
  for (const wait of [RETRY_AFTER, 2 * RETRY_AFTER, RESEND_AFTER, RESEND_AFTER]) {
    c.tried(item.cmid, now);
    c.failed(item.cmid, offline, now);
    assert.equal(c.next(false, now + wait), null);
    assert.deepEqual(c.next(false, now + wait + 1), item);
    now += wait + 1;
  }
  // The database restarting says when to come back.
  c.tried(item.cmid, now);
  c.failed(item.cmid, frameError({ code: "database_unavailable", message: "", retry_after: 3 }), now);
  assert.equal(c.next(false, now + 3000), null);
  assert.deepEqual(c.next(false, now + 3001), item);
});

test("files failing while connected leave the lane after FILES_PATIENCE; an outage never runs them out, nor a text", () => {
  const c = conversation();
  c.adopt(12, 0, "active");
  const files = c.add("", { names: "invoice.pdf", ids: null });
  const text = c.add("Got it?");
  const broken = new ApiError("http_502", "", 502);
  // The connection down: an outage, waited out however long.
  for (let now = 0; now <= 3 * FILES_PATIENCE; now += 10_000) {
    assert.equal(c.failed(files.cmid, broken, now, false)?.retry, true);
  }
  // Connected: the trouble is the files' own, and the clock starts now.
  const start = 10 * FILES_PATIENCE;
  assert.equal(c.failed(files.cmid, broken, start, true)?.retry, true);
  assert.equal(c.failed(files.cmid, broken, start + FILES_PATIENCE - 1, true)?.retry, true);
  assert.deepEqual(c.failed(files.cmid, broken, start + FILES_PATIENCE, true), { item: files, retry: false });
  assert.deepEqual(c.pending, [text]);
  // A text waits out the same trouble for ever.
  assert.equal(c.failed(text.cmid, broken, start, true)?.retry, true);
  assert.equal(c.failed(text.cmid, broken, start + 10 * FILES_PATIENCE, true)?.retry, true);
  // Sent again, the files go after what is pending now, with their client_msg_id.
  c.requeue(files);
  assert.deepEqual(c.pending, [text, files]);
});

test("a message of files keeps its stored files' ids across a reload; the chat's end keeps no files for a new chat", () => {
  const store = new Memory();
  const c = conversation(store);
  c.adopt(12, 0, "active");
  const files = c.add("", { names: "invoice.pdf, photo.png", ids: null });
  c.uploaded(files.cmid, ["f1", "f2"]);
  const again = conversation(store);
  assert.deepEqual(again.pending, [{ ...files, files: { names: "invoice.pdf, photo.png", ids: ["f1", "f2"] } }]);
  again.add("Hello?");
  again.apply(event(1, "chat.ended", { reason: "agent" }));
  assert.equal(again.unsent.length, 2);
  assert.equal(again.takeUnsent(), "Hello?");
});

test("a message taken over from another tab that this tab has seen stored is not added, sent again, or marked not sent", () => {
  const c = conversation();
  c.adopt(12, 0, "active");
  // The other tab's record still held it when its echo reached this tab.
  c.apply(message(1, "visitor", "c-stored"));
  const item = { cmid: "c-stored", chatId: 12, text: "Hi", at: 1 };
  assert.deepEqual(c.takeOver([item], []), []);
  assert.deepEqual(c.pending, []);
  assert.equal(c.next(true), null);
  // Once the chat ends, it is no message "Not sent".
  c.apply(event(2, "chat.ended"));
  assert.deepEqual(c.unsent, []);
});

test("messages taken over wait behind this tab's message on its way, even written before it", () => {
  const c = conversation();
  c.adopt(12, 0, "active");
  const mine = c.add("mine", undefined);
  assert.equal(c.next(false, 1000)?.cmid, mine.cmid);
  c.tried(mine.cmid, 1000);
  const theirs = [
    { cmid: "t1", chatId: 12, text: "theirs 1", at: 1 },
    { cmid: "t2", chatId: 12, text: "theirs 2", at: 2 },
  ];
  assert.equal(c.takeOver(theirs, []).length, 2);
  // Still one on its way: nothing else goes before it is answered.
  assert.equal(c.next(false, 1001), null);
  assert.deepEqual(c.pending.map((p) => p.text), ["mine", "theirs 1", "theirs 2"]);
  c.acknowledged(mine.cmid);
  assert.equal(c.next(false, 1002)?.cmid, "t1");

  // Nothing of this tab's on its way yet: the order written goes.
  const d = conversation();
  d.adopt(12, 0, "active");
  d.add("later");
  d.takeOver(theirs, []);
  assert.deepEqual(d.pending.map((p) => p.text), ["theirs 1", "theirs 2", "later"]);
});
