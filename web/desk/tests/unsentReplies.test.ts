// The banner of replies not sent (docs/desk.md, "Undo send") reads the agent's list at once when
// the socket hears `pending_reply.failed`, which the server sends whatever the agent chose for the
// `reply_not_sent` notification: with the bell off for it, no `notification.created` comes, and
// the banner used to wait for its next look, up to a minute.

import assert from "node:assert/strict";
import test from "node:test";
import { g } from "./page";

const failed = {
  id: 7,
  ticket_id: 42,
  state: "failed",
  text: "It left the warehouse today.",
  error: { code: "ticket_not_visible", message: "You no longer have access to this ticket's inbox, so the reply was not sent." },
};
// What the server lists: nothing until the reply fails.
let listed: unknown[] = [];
let answered: () => void = () => {};
// While set, each list is answered when the test says, with what it says (`release`).
let holding = false;
const held: Array<(body: unknown[]) => void> = [];
const deleted: string[] = [];
g.fetch = async (request: Request) => {
  const path = new URL(request.url).pathname;
  if (request.method === "DELETE") {
    deleted.push(path);
    return new Response(JSON.stringify({ ...failed, state: "undone" }), { status: 200, headers: { "Content-Type": "application/json" } });
  }
  assert.equal(path, "/api/v1/me/pending-replies");
  queueMicrotask(() => answered());
  const body = holding ? await new Promise<unknown[]>((resolve) => held.push(resolve)) : listed;
  return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
};
const turns = async (n = 20) => {
  for (let turn = 0; turn < n; turn++) await new Promise<void>((resolve) => setImmediate(() => resolve()));
};

const { createPinia, setActivePinia } = await import("pinia");
const { useUnsentReplies } = await import("../src/tickets/unsentReplies");
const { usePendingReplies } = await import("../src/tickets/pendingReplies");
const { eventTable } = await import("../src/realtime/events");

test("a reply not sent is in the banner as soon as the socket says so", async () => {
  setActivePinia(createPinia());
  const unsent = useUnsentReplies();
  await unsent.look();
  assert.deepEqual(unsent.failed, []);

  listed = [failed];
  const read = new Promise<void>((resolve) => (answered = resolve));
  eventTable()["pending_reply.failed"]?.({ type: "pending_reply.failed", chat_id: null, seq: null, data: { pending_reply_id: 7, ticket_id: 42 } });
  await read;
  // The answer's JSON is read after the response: wait until the store has it.
  for (let turn = 0; turn < 20 && !unsent.failed.length; turn++) await new Promise<void>((resolve) => setImmediate(() => resolve()));
  assert.deepEqual(unsent.failed.map((reply) => reply.id), [7]);

  unsent.reset();
  assert.deepEqual(unsent.failed, []);
});

test("of two looks, the later one's answer stays, whichever comes first", async () => {
  setActivePinia(createPinia());
  const unsent = useUnsentReplies();
  holding = true;
  const earlier = unsent.look();
  const later = unsent.look();
  await turns();
  assert.equal(held.length, 2);
  // The later look read the list after the reply was dismissed in another tab; the earlier,
  // slower one, before.
  held[1]([]);
  await later;
  held[0]([failed]);
  await earlier;
  assert.deepEqual(unsent.failed, []);
  held.length = 0;
  holding = false;
});

test("a look still on its way at sign-out brings nothing back", async () => {
  setActivePinia(createPinia());
  const unsent = useUnsentReplies();
  holding = true;
  const look = unsent.look();
  await turns();
  unsent.reset();
  held[0]([failed]);
  await look;
  assert.deepEqual(unsent.failed, []);
  held.length = 0;
  holding = false;
});

test("a reply taken back on its ticket leaves the banner, and an older look cannot bring it back", async () => {
  setActivePinia(createPinia());
  const unsent = useUnsentReplies();
  listed = [failed];
  await unsent.look();
  assert.deepEqual(unsent.failed.map((reply) => reply.id), [7]);

  // A look (the window's focus) reads the list; meanwhile the agent opens ticket 42 and takes
  // the reply back into the reply box (its Undo).
  holding = true;
  const look = unsent.look();
  await turns();
  const page = usePendingReplies(42, () => undefined);
  const back = await page.takeBack(failed as Parameters<typeof page.takeBack>[0]);
  assert.equal(back.text, failed.text);
  assert.deepEqual(deleted, ["/api/v1/tickets/42/pending-replies/7"]);
  assert.deepEqual(unsent.failed, []);
  held[0]([failed]);
  await look;
  assert.deepEqual(unsent.failed, []);
  held.length = 0;
  holding = false;
});
