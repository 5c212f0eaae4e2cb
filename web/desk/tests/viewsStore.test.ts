// The saved views' list in the desk (docs/desk.md, "Filters and views") is loaded at sign-in;
// opening a view it does not hold (saved since, in another tab) loads it again, and a view the
// server no longer has (a shared view an admin deleted) is dropped from it and marked gone. What
// a view's `missing` names is said in the agent's language.

import assert from "node:assert/strict";
import test from "node:test";

const ORIGIN = "http://desk.test";
const g = globalThis as unknown as Record<string, unknown>;
g.window = globalThis;
g.document = { documentElement: {}, cookie: "" };
g.navigator ??= { language: "en" };
g.location = { protocol: "http:", host: "desk.test" };
const NodeRequest = globalThis.Request;
g.Request = class extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" ? new URL(input, ORIGIN) : input, init);
  }
};

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
g.fetch = async (request: Request) => {
  const path = new URL(request.url).pathname;
  asked.push(path);
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  if (path === "/api/v1/views") return json(onServer);
  if (path === "/api/v1/views/counts") {
    return json({ most: 1000, cached: false, fresh_for: 2, views: onServer.map((each) => ({ id: each.id, count: Number(each.count ?? 3) })) });
  }
  const one = onServer.find((each) => path === `/api/v1/views/${String(each.id)}`);
  return one ? json(one) : json({ error: { code: "not_found", message: "No such view." } }, 404);
};

const { createPinia, setActivePinia } = await import("pinia");
const { useViews } = await import("../src/views/store");
const { locale } = await import("../src/i18n");
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
