// The agent's messages through outages (docs/desk.md, "A chat"): the chats store with its own API
// client and socket, against a server in memory (./server.ts) that goes away and comes back, on
// a fake clock. Whatever happens, every message is stored once, in the order written, and shown
// once: no "Sending…" left over for a message the chat already shows.

import { server, AGENT } from "./server";
import assert from "node:assert/strict";
import test, { afterEach, beforeEach, mock } from "node:test";
import { createPinia, setActivePinia } from "pinia";
import { useAuth } from "../src/auth/store";
import { PATIENCE_MS } from "../src/chats/outbox";
import { useChats } from "../src/chats/store";
import { setHooks, socket } from "../src/realtime/connection";

const CHAT = 7;

type Chats = ReturnType<typeof useChats>;

/** Lets the fake clock run `ms`, a tenth of a second at a time, answering what is asked meanwhile. */
async function elapse(ms: number): Promise<void> {
  for (let done = 0; done < ms; done += 100) {
    mock.timers.tick(100);
    for (let turn = 0; turn < 5; turn++) await new Promise<void>((next) => setImmediate(next));
  }
}

/** A desk with the chat's window open, its socket connected or trying to. */
async function desk(): Promise<Chats> {
  setActivePinia(createPinia());
  useAuth().me = { id: AGENT.id, name: AGENT.name } as ReturnType<typeof useAuth>["me"];
  const chats = useChats();
  // As ../src/realtime/index.ts wires them.
  setHooks({
    event: (envelope) => {
      chats.applyEvent(envelope);
      chats.applyToLists(envelope);
    },
    resumed: (afterDrop) => afterDrop && chats.catchUp(),
    unauthenticated: () => undefined,
  });
  socket.start();
  chats.show(CHAT);
  const loaded = chats.loadDetail(CHAT);
  await elapse(200);
  await loaded;
  return chats;
}

/** The messages the window shows, stored ones then those on their way, as the agent reads them
 * (a message of files by its files' names), with what a waiting one waits out. */
function shown(chats: Chats): string[] {
  const stored = chats.details[CHAT].events
    .filter((e) => e.type === "chat.message_added")
    .map((e) => {
      const message = (e.data as { message: { text: string; attachments?: { filename: string }[] } }).message;
      return message.attachments?.length ? `files: ${message.attachments.map((a) => a.filename).join(", ")}` : message.text;
    });
  const outgoing = (chats.outgoing[CHAT] ?? []).map((o) => {
    const what = o.files ? `files: ${o.files.names}` : o.text;
    const state = o.failed ? `Not sent: ${o.failed}` : o.state === "waiting" ? `waiting: ${o.trouble}` : o.state;
    return `${what} (${state})`;
  });
  return [...stored, ...outgoing];
}

beforeEach(() => {
  mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"], now: Date.parse("2026-12-07T10:00:00Z") });
  server.reset(CHAT);
});

afterEach(() => {
  socket.stop();
  mock.timers.reset();
});

test("a message sent over HTTP while the socket is down shows once, stored, with no Sending… left", async () => {
  server.refuseSockets(true);
  const chats = await desk();
  chats.send(CHAT, "Let me check.");
  await elapse(1000);
  assert.deepEqual(server.texts(CHAT), ["Hello", "Let me check."]);
  assert.deepEqual(shown(chats), ["Hello", "Let me check."]);

  // The socket comes back and resumes after what the window shows: still once.
  server.refuseSockets(false);
  await elapse(20_000);
  assert.equal(socket.isOpen, true);
  assert.deepEqual(shown(chats), ["Hello", "Let me check."]);
});

test("messages written while the server is away wait in order, and are stored in that order once it is back", async () => {
  const chats = await desk();
  server.down();
  chats.send(CHAT, "Let me check.");
  await elapse(3000);
  chats.send(CHAT, "One moment.");
  // Longer than a restart of the server: nothing is given up, nothing overtakes.
  await elapse(12_000);
  assert.deepEqual(shown(chats), ["Hello", "Let me check. (waiting: connection)", "One moment. (waiting: connection)"]);

  server.up();
  await elapse(20_000); // the socket's back-off is at most 15 s; HTTP is tried every 2 s
  assert.deepEqual(server.texts(CHAT), ["Hello", "Let me check.", "One moment."]);
  assert.deepEqual(shown(chats), ["Hello", "Let me check.", "One moment."]);
});

test("after two minutes away the messages show Not sent, in order; Retry sends them all, in order", async () => {
  const chats = await desk();
  server.down();
  chats.send(CHAT, "Let me check.");
  chats.send(CHAT, "One moment.");
  await elapse(PATIENCE_MS + 5000);
  const why = "Not sent: Cannot reach the server. Check your connection.";
  assert.deepEqual(shown(chats), ["Hello", `Let me check. (${why})`, `One moment. (${why})`]);

  // The desk stopped trying: the server back, nothing is sent behind the agent's back…
  server.up();
  await elapse(20_000);
  assert.deepEqual(server.texts(CHAT), ["Hello"]);
  // …until Retry, on either of them: both go, the first first.
  const second = chats.outgoing[CHAT][1].client_msg_id;
  chats.retry(CHAT, second);
  await elapse(1000);
  assert.deepEqual(server.texts(CHAT), ["Hello", "Let me check.", "One moment."]);
  assert.deepEqual(shown(chats), ["Hello", "Let me check.", "One moment."]);
});

test("a message refused because the chat ended meanwhile says so, and the window knows the chat ended", async () => {
  server.refuseSockets(true);
  const chats = await desk();
  server.end(CHAT);
  chats.send(CHAT, "Anything else?");
  await elapse(1000);
  assert.deepEqual(server.texts(CHAT), ["Hello"]);
  assert.deepEqual(shown(chats), ["Hello", "Anything else? (Not sent: This chat has ended.)"]);
  // The window offers no Retry on an ended chat (ChatWindow.vue): it must know it ended.
  assert.equal(chats.details[CHAT].state, "ended");
});

test("Discard takes one stopped message out; the others stay stopped until Retry, then go in order", async () => {
  const chats = await desk();
  server.down();
  for (const text of ["First.", "Second.", "Third."]) chats.send(CHAT, text);
  await elapse(PATIENCE_MS + 5000);
  const [, second, third] = chats.outgoing[CHAT].map((o) => o.client_msg_id);
  chats.discard(CHAT, second);
  const why = "Not sent: Cannot reach the server. Check your connection.";
  assert.deepEqual(shown(chats), ["Hello", `First. (${why})`, `Third. (${why})`]);

  // The server back: the one discarded left no gap for the others to go through by themselves.
  server.up();
  await elapse(20_000);
  assert.deepEqual(server.texts(CHAT), ["Hello"]);
  assert.deepEqual(shown(chats), ["Hello", `First. (${why})`, `Third. (${why})`]);
  // Retry on the last: the first goes first; the discarded one never goes.
  chats.retry(CHAT, third);
  await elapse(1000);
  assert.deepEqual(server.texts(CHAT), ["Hello", "First.", "Third."]);
  assert.equal(server.tries.get(second), undefined);
  assert.deepEqual(shown(chats), ["Hello", "First.", "Third."]);
});

test("a message still on its way cannot be discarded: only one the desk stopped trying or was refused", async () => {
  const chats = await desk();
  server.down();
  chats.send(CHAT, "Hold on.");
  await elapse(3000);
  chats.discard(CHAT, chats.outgoing[CHAT][0].client_msg_id);
  assert.deepEqual(shown(chats), ["Hello", "Hold on. (waiting: connection)"]);
  server.up();
  await elapse(20_000);
  assert.deepEqual(server.texts(CHAT), ["Hello", "Hold on."]);
});

test("a rate limit says so, not the connection, and its Retry-After is waited out in order", async () => {
  const chats = await desk();
  assert.equal(socket.isOpen, true);
  server.refuseMessages({ status: 429, code: "rate_limited", message: "Too many messages. Wait 30 seconds.", retry_after: 30 });
  chats.send(CHAT, "One.");
  chats.send(CHAT, "Two.");
  await elapse(1000);
  assert.deepEqual(shown(chats), ["Hello", "One. (waiting: limited)", "Two. (waiting: limited)"]);
  const first = chats.outgoing[CHAT][0].client_msg_id;
  server.refuseMessages(null);
  // The socket coming back (a reconnect's catch-up) does not cut the server's wait short.
  chats.catchUp();
  await elapse(25_000);
  assert.equal(server.tries.get(first), 1);
  assert.deepEqual(server.texts(CHAT), ["Hello"]);
  await elapse(6000);
  assert.deepEqual(server.texts(CHAT), ["Hello", "One.", "Two."]);
  assert.equal(server.tries.get(first), 2);
  assert.deepEqual(shown(chats), ["Hello", "One.", "Two."]);
});

test("the database out of reach (503) says the server is busy, over HTTP as on the socket, and holds the order", async () => {
  for (const overHttp of [false, true]) {
    server.reset(CHAT);
    server.refuseSockets(overHttp);
    const chats = await desk();
    server.refuseMessages({ status: 503, code: "database_unavailable", message: "The database could not be reached for a moment. Try again.", retry_after: 2 });
    chats.send(CHAT, "One.");
    chats.send(CHAT, "Two.");
    await elapse(1000);
    assert.deepEqual(shown(chats), ["Hello", "One. (waiting: busy)", "Two. (waiting: busy)"], overHttp ? "over HTTP" : "on the socket");
    server.refuseMessages(null);
    await elapse(3000);
    assert.deepEqual(server.texts(CHAT), ["Hello", "One.", "Two."]);
    assert.deepEqual(shown(chats), ["Hello", "One.", "Two."]);
    socket.stop();
  }
});

test("a message of files written between two texts during an outage reaches the customer between them", async () => {
  const chats = await desk();
  server.down();
  chats.send(CHAT, "Here is the guide.");
  chats.sendFiles(CHAT, [new File(["%PDF-1.4 guide"], "guide.pdf", { type: "application/pdf" })]);
  chats.send(CHAT, "Page 3 is the one.");
  await elapse(15_000);
  assert.deepEqual(shown(chats), [
    "Hello",
    "Here is the guide. (waiting: connection)",
    "files: guide.pdf (waiting: connection)",
    "Page 3 is the one. (waiting: connection)",
  ]);

  server.up();
  await elapse(20_000);
  assert.deepEqual(server.texts(CHAT), ["Hello", "Here is the guide.", "files: guide.pdf", "Page 3 is the one."]);
  assert.deepEqual(shown(chats), ["Hello", "Here is the guide.", "files: guide.pdf", "Page 3 is the one."]);
  assert.equal(server.uploads.size, 1);
});

test("a file refused says why, naming it, and the message after it goes on", async () => {
  const chats = await desk();
  chats.sendFiles(CHAT, [new File(["MZ"], "setup.exe")]);
  chats.send(CHAT, "Sorry, wrong file.");
  await elapse(1000);
  assert.deepEqual(shown(chats), ["Hello", "Sorry, wrong file.", "files: setup.exe (Not sent: setup.exe is a program or script.)"]);
  chats.discard(CHAT, chats.outgoing[CHAT][0].client_msg_id);
  assert.deepEqual(shown(chats), ["Hello", "Sorry, wrong file."]);
});

test("a message written while the lane waits out a busy server waits too: the server's wait is not cut short", async () => {
  const chats = await desk();
  server.refuseMessages({ status: 503, code: "database_unavailable", message: "The database could not be reached for a moment. Try again.", retry_after: 5 });
  chats.send(CHAT, "One.");
  await elapse(1000);
  const first = chats.outgoing[CHAT][0].client_msg_id;
  chats.send(CHAT, "Two.");
  await elapse(1000);
  assert.equal(server.tries.get(first), 1);
  assert.deepEqual(shown(chats), ["Hello", "One. (waiting: busy)", "Two. (waiting: busy)"]);
  server.refuseMessages(null);
  await elapse(4000);
  assert.deepEqual(server.texts(CHAT), ["Hello", "One.", "Two."]);
  assert.equal(server.tries.get(first), 2);
});
