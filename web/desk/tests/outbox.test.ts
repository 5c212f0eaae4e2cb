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

/** The messages the window shows, stored ones then those on their way, as the agent reads them. */
function shown(chats: Chats): string[] {
  const stored = chats.details[CHAT].events
    .filter((e) => e.type === "chat.message_added")
    .map((e) => (e.data as { message: { text: string } }).message.text);
  const outgoing = (chats.outgoing[CHAT] ?? []).map((o) => `${o.text} (${o.failed ? `Not sent: ${o.failed}` : o.state})`);
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
  assert.deepEqual(shown(chats), ["Hello", "Let me check. (waiting)", "One moment. (waiting)"]);

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
