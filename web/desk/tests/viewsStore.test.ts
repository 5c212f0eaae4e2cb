// The saved views' list in the desk (docs/desk.md, "Filters and views") is loaded at sign-in;
// opening a view it does not hold (saved since, in another tab) loads it again, and a view the
// server no longer has (a shared view an admin deleted) is dropped from it and marked gone. What
// a view's `missing` names is said in the agent's language. `view.changed` reads the list again
// once for a burst, after a wait drawn per tab; a deletion is known at once; an event heard
// before the first load is not lost, nor are the changes made while the socket was away.

import assert from "node:assert/strict";
import test, { mock } from "node:test";

import { g } from "./page";

type Json = Record<string, unknown>;
const view = (id: number, name: string): Json => ({
  id,
  name,
  filters: {},
  sort: "-updated_at",
  shared: true,
  owner_id: null,
  position: id,
  missing: [],
  created_by_id: 1,
  updated_by_id: 1,
  created_at: "2026-12-07T09:00:00Z",
  updated_at: "2026-12-07T09:00:00Z",
});
// What the server holds now, and the requests it was sent.
let onServer: Json[] = [];
const asked: string[] = [];
// While set, answers wait for it (what they hold is read when asked, as a server would); the
// next answers of the list wait each for its own of `gates` first, in turn.
let held: Promise<void> | null = null;
const gates: Promise<void>[] = [];
function gate(): () => void {
  let release = () => {};
  gates.push(new Promise<void>((resolve) => (release = resolve)));
  return release;
}
g.fetch = async (request: Request) => {
  const path = new URL(request.url).pathname;
  asked.push(path);
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  if (path === "/api/v1/views") {
    const answer = json(onServer);
    const own = gates.shift();
    if (own) await own;
    if (held) await held;
    return answer;
  }
  if (path.endsWith("/move")) return json(onServer);
  if (path === "/api/v1/views/counts") {
    return json({ most: 1000, cached: false, fresh_for: 2, views: onServer.map((each) => ({ id: each.id, count: Number(each.count ?? 3) })) });
  }
  const one = onServer.find((each) => path === `/api/v1/views/${String(each.id)}`);
  return one ? json(one) : json({ error: { code: "not_found", message: "No such view." } }, 404);
};

const { createPinia, setActivePinia } = await import("pinia");
const { useViews } = await import("../src/views/store");
const { loadWords, locale } = await import("../src/i18n");
// The French words are a chunk of their own, fetched before a test shows the desk in French.
await loadWords("fr");
const { missingText } = await import("../src/views/missing");

test("what a view misses, in the agent's words", () => {
  locale.value = "fr";
  assert.equal(missingText(["inbox_id", "label_id", "assignee_id"]), "boîte, étiquette, agent assigné");
  locale.value = "en";
  assert.equal(missingText(["inbox_id", "label_id"]), "inbox, label");
});

test("a view saved since sign-in: opening it loads the list again", async () => {
  setActivePinia(createPinia());
  const views = useViews();
  onServer = [view(1, "Urgent")];
  await views.load();
  onServer = [view(1, "Urgent"), view(2, "Saved elsewhere")];
  await views.open(2);
  assert.deepEqual(
    views.items.map((each) => each.name),
    ["Urgent", "Saved elsewhere"],
  );
  assert.equal(views.countText(2), "3");
  assert.deepEqual(views.gone, []);
});

test("a view deleted elsewhere: opening it drops it and says it is gone", async () => {
  setActivePinia(createPinia());
  const views = useViews();
  onServer = [view(1, "Urgent"), view(2, "Shared")];
  await views.load();
  onServer = [view(1, "Urgent")];
  asked.length = 0;
  await views.open(2);
  assert.deepEqual(
    views.items.map((each) => each.id),
    [1],
  );
  assert.deepEqual(views.gone, [2]);
  assert.deepEqual(asked, ["/api/v1/views/2", "/api/v1/views", "/api/v1/views/counts"]);
  // A view it holds: only that view is asked for, and kept as the server has it now.
  onServer = [{ ...view(1, "Very urgent") }];
  asked.length = 0;
  await views.open(1);
  assert.equal(views.byId(1)?.name, "Very urgent");
  assert.deepEqual(asked, ["/api/v1/views/1"]);
});

test("a count at the most is said as it is shown", async () => {
  setActivePinia(createPinia());
  const views = useViews();
  onServer = [{ ...view(1, "Everything"), count: 1000 }, { ...view(2, "Few"), count: 1 }];
  await views.load();
  assert.equal(views.countText(1), "999+");
  assert.equal(views.countLabel(1), "999+ tickets");
  assert.equal(views.countLabel(2), "1 ticket");
});

// --- view.changed ---------------------------------------------------------------------------

const changed = (view_id: number, change: string, by = "Olive Owner") => ({
  type: "view.changed",
  chat_id: null,
  seq: null,
  data: { view_id, change, name: "x", shared: true, by: { id: 9, name: by } },
});
/** Lets the answers and the code awaiting them run (the timers are the test's own). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(() => resolve()));
}
function withTimers(random: number): () => void {
  mock.timers.enable({ apis: ["setTimeout", "Date"] });
  const real = Math.random;
  Math.random = () => random;
  return () => {
    Math.random = real;
    mock.timers.reset();
  };
}

test("a burst of view.changed: the list read once, after a wait drawn per tab", async () => {
  const restore = withTimers(0.5);
  try {
    setActivePinia(createPinia());
    const views = useViews();
    onServer = [view(1, "Urgent")];
    await views.load();
    onServer = [view(1, "Urgent"), view(2, "New")];
    asked.length = 0;
    for (const each of [changed(2, "created"), changed(1, "updated"), changed(2, "updated")]) views.heard(each);
    // 200 ms and half of the jitter's 1.5 s: not yet.
    mock.timers.tick(900);
    await settle();
    assert.deepEqual(asked, []);
    mock.timers.tick(100);
    await settle();
    assert.deepEqual(asked, ["/api/v1/views", "/api/v1/views/counts"]);
    assert.deepEqual(
      views.items.map((each) => each.name),
      ["Urgent", "New"],
    );
    // A move alone: the order, not the counts (which a move does not change).
    asked.length = 0;
    onServer = [view(2, "New"), view(1, "Urgent")];
    views.heard(changed(2, "moved"));
    mock.timers.tick(2000);
    await settle();
    assert.deepEqual(asked, ["/api/v1/views"]);
    assert.deepEqual(
      views.items.map((each) => each.id),
      [2, 1],
    );
  } finally {
    restore();
  }
});

test("a view saved here while an event's load runs is not taken for gone", async () => {
  const restore = withTimers(0);
  try {
    setActivePinia(createPinia());
    const views = useViews();
    onServer = [view(1, "Urgent")];
    await views.load();
    const [first, second] = [gate(), gate()];
    // This tab saves a view; its own event comes back while the tab loads the list after the
    // save (ViewActions `saved`), and that load supersedes the event's, and ends later.
    onServer = [view(1, "Urgent"), view(2, "Mine")];
    const heard = views.heard(changed(2, "created")) as unknown;
    mock.timers.tick(200);
    const saved = views.load();
    await settle();
    first();
    await settle();
    second();
    await Promise.all([heard, saved]);
    await settle();
    assert.deepEqual(views.gone, []);
    assert.deepEqual(
      views.items.map((each) => each.id),
      [1, 2],
    );
  } finally {
    gates.length = 0;
    restore();
  }
});

test("view.changed heard while the first load runs: the list read again after it", async () => {
  const restore = withTimers(0);
  try {
    setActivePinia(createPinia());
    const views = useViews();
    onServer = [view(1, "Urgent")];
    let release = () => {};
    held = new Promise<void>((resolve) => (release = resolve));
    const first = views.load();
    await settle();
    // The first load read the list before this view was saved elsewhere.
    onServer = [view(1, "Urgent"), view(2, "Saved meanwhile")];
    views.heard(changed(2, "created"));
    held = null;
    release();
    await first;
    mock.timers.tick(200);
    await settle();
    assert.deepEqual(
      views.items.map((each) => each.id),
      [1, 2],
    );
  } finally {
    held = null;
    restore();
  }
});

test("a view deleted: gone at once, with who deleted it; an older answer does not bring it back", async () => {
  const restore = withTimers(0);
  try {
    setActivePinia(createPinia());
    const views = useViews();
    onServer = [view(1, "Urgent"), view(2, "Shared")];
    await views.load();
    let release = () => {};
    held = new Promise<void>((resolve) => (release = resolve));
    // A load that read the list before the deletion, answered after the event.
    const late = views.load();
    await settle();
    views.heard(changed(2, "deleted", "Olive Owner"));
    assert.deepEqual(
      views.items.map((each) => each.id),
      [1],
    );
    assert.deepEqual(views.gone, [2]);
    assert.equal(views.goneBy[2], "Olive Owner");
    held = null;
    release();
    await late;
    assert.deepEqual(
      views.items.map((each) => each.id),
      [1],
    );
  } finally {
    held = null;
    restore();
  }
});

test("the socket back after a drop: the views and their counts read again", async () => {
  const restore = withTimers(0);
  try {
    setActivePinia(createPinia());
    const views = useViews();
    onServer = [view(1, "Urgent"), view(2, "Shared")];
    await views.load();
    // Deleted while the socket was away: no event came.
    onServer = [view(1, "Urgent")];
    asked.length = 0;
    views.resumed();
    mock.timers.tick(200);
    await settle();
    assert.deepEqual(asked, ["/api/v1/views", "/api/v1/views/counts"]);
    assert.deepEqual(views.gone, [2]);
  } finally {
    restore();
  }
});
