// Undo send's countdown (docs/desk.md, "Undo send"): the seconds shown, counted on this
// browser's clock from the moment the reply was held, and which answer to a reply was held;
// what a reply that left the list became (asked of the server, never assumed sent), and an undo
// whose answer was lost asked again.

import assert from "node:assert/strict";
import test from "node:test";

const g = globalThis as unknown as Record<string, unknown>;
// The countdown's interval must not keep the test process alive (a failing test leaves a reply
// waiting): the page's timers here are unref'd.
const unref = (timer: unknown) => ((timer as { unref?: () => void }).unref?.(), timer);
g.window = Object.assign(Object.create(globalThis), {
  setInterval: (tick: () => void, ms: number) => unref(setInterval(tick, ms)),
  setTimeout: (run: () => void, ms: number) => unref(setTimeout(run, ms)),
});
g.document = { documentElement: {}, cookie: "", createElement: () => ({}) };
g.navigator ??= { language: "en" };
g.location = { protocol: "http:", host: "desk.test" };

const NodeRequest = globalThis.Request;
g.Request = class extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" ? new URL(input, "http://desk.test") : input, init);
  }
};
/** The server as these tests set it: the list, each reply's row, and what DELETE does. */
const server: { listed: unknown[]; rows: Record<string, unknown>; deletes: number; loseFirstDelete: boolean } = {
  listed: [],
  rows: {},
  deletes: 0,
  loseFirstDelete: false,
};
g.fetch = async (request: Request): Promise<Response> => {
  const url = new URL(request.url);
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  const notFound = () => json({ error: { code: "not_found", message: "No such pending reply." } }, 404);
  if (url.pathname === "/api/v1/tickets/3/pending-replies") return json(server.listed);
  const one = /^\/api\/v1\/tickets\/3\/pending-replies\/(\d+)$/.exec(url.pathname);
  if (one) {
    const row = server.rows[one[1]];
    if (request.method === "DELETE") {
      server.deletes += 1;
      // Undone on the server, but the answer never arrives.
      if (server.loseFirstDelete && server.deletes === 1) throw new TypeError("Failed to fetch");
    }
    return row ? json(row) : notFound();
  }
  return notFound();
};

const { createPinia, setActivePinia } = await import("pinia");
const { isPending, localDue, secondsLeft, usePendingReplies } = await import("../src/tickets/pendingReplies");
// A reply taken back also leaves the banner's list (tickets/unsentReplies.ts), a store.
setActivePinia(createPinia());

const held = {
  id: 7,
  ticket_id: 3,
  state: "pending" as const,
  created_at: "2026-12-07T09:00:00Z",
  due_at: "2026-12-07T09:00:10Z",
  delay_seconds: 10,
  text: "Hello",
  then: "send" as const,
  snooze_until: null,
  cc: [],
  bcc: [],
  signature: true,
  attachments: [],
  attachments_gone: 0,
  entry_id: null,
  error: null,
  scheduled: false,
};

test("the countdown shows 10 … 1 and never 0 while the reply waits", () => {
  assert.equal(secondsLeft(10_000, 0), 10);
  assert.equal(secondsLeft(10_000, 1), 10);
  assert.equal(secondsLeft(10_000, 9_001), 1);
  assert.equal(secondsLeft(10_000, 10_000), 0);
  assert.equal(secondsLeft(10_000, 60_000), 0);
});

test("a reply just held counts from now, whatever the server's clock says", () => {
  // The server is an hour ahead of this browser: its due_at would show 3,610 seconds.
  const now = Date.parse("2026-12-07T08:00:00Z");
  assert.equal(secondsLeft(localDue(held, true, now), now), 10);
  // Listed after a reload: its due time as the server gave it.
  assert.equal(localDue(held, false, now), Date.parse(held.due_at));
});

test("a 202's held reply is told from a 201's entry", () => {
  assert.equal(isPending(held), true);
  const entry = { id: 1, kind: "reply", direction: "out", text: "Hi", created_at: "2026-12-07T09:00:00Z" };
  assert.equal(isPending(entry as never), false);
});

test("a reply that left the list is said sent only when the server says so", async () => {
  const other = { ...held, id: 8 };
  const gone = { ...held, id: 9 };
  server.listed = [held, other, gone];
  const outcomes: string[] = [];
  const pending = usePendingReplies(3, (how) => outcomes.push(how));
  await pending.refresh();
  assert.deepEqual(outcomes, []);
  // 7 went out, 8 was undone in another tab, 9 went with its ticket.
  server.listed = [];
  server.rows = { "7": { ...held, state: "sent" }, "8": { ...other, state: "undone" } };
  await pending.refresh();
  assert.deepEqual(outcomes.sort(), ["gone", "sent", "undone"]);
});

test("an undo whose answer was lost is asked again and gets the text", async () => {
  server.listed = [held];
  server.rows = { "7": { ...held, state: "undone" } };
  server.deletes = 0;
  server.loseFirstDelete = true;
  const pending = usePendingReplies(3, () => undefined);
  await pending.refresh();
  const back = await pending.takeBack(held);
  assert.equal(back.text, "Hello");
  assert.equal(server.deletes, 2);
});

test("a reply moved to the original by an undone split stays, Undo and all, until it goes", async () => {
  server.listed = [held];
  server.rows = {};
  const outcomes: string[] = [];
  const pending = usePendingReplies(3, (how) => outcomes.push(how));
  await pending.refresh();
  // The split undone: no longer listed here, still waiting on ticket 1, answered through this one.
  server.listed = [];
  server.rows = { "7": { ...held, ticket_id: 1 } };
  await pending.refresh();
  assert.deepEqual(outcomes, []);
  assert.deepEqual(pending.waiting.value.map((item) => item.id), [7]);
  assert.equal(pending.latest.value?.id, 7);
  // Gone out from there at its time: said sent.
  server.rows = { "7": { ...held, ticket_id: 1, state: "sent" } };
  await pending.refresh();
  assert.deepEqual(outcomes, ["sent"]);
  assert.deepEqual(pending.waiting.value, []);
});
