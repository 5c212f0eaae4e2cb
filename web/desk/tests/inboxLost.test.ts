// Taken out of an inbox, or made an agent of inboxes one is not a member of, while a page of it is
// open (docs/desk.md, "Losing an inbox"): the desk knows which inboxes went and which inbox the
// page shows, and leaves it (inboxes/InboxLeftBanner.vue, tested in a browser by
// tests/e2e/test_desk_inbox_lost.py).

import assert from "node:assert/strict";
import test from "node:test";
import { g } from "./page";

let listed = [
  { id: 1, name: "Support" },
  { id: 2, name: "Billing" },
];
g.fetch = async (request: Request) => {
  const path = new URL(request.url).pathname;
  const body = path === "/api/v1/inboxes" ? listed : {};
  return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
};

const { createPinia, setActivePinia } = await import("pinia");
const { lostInboxes, pageOfInbox, useLostInboxes } = await import("../src/inboxes/lost");
const { useInboxes } = await import("../src/inboxes/store");
const { eventTable } = await import("../src/realtime/events");
type Detail = Parameters<typeof pageOfInbox>[1][number];

async function settled(done: () => boolean): Promise<void> {
  for (let turn = 0; turn < 50 && !done(); turn++) await new Promise<void>((resolve) => setImmediate(() => resolve()));
}

test("the inbox a page shows: a ticket's own, a folder's, a filtered list's; none for others", () => {
  const details = { 42: { id: 42, number: 1042, inbox_id: 2 } as Detail };
  const at = (path: string, params: Record<string, string> = {}, query: Record<string, string> = {}) => pageOfInbox({ path, params, query }, details);
  assert.deepEqual(at("/tickets/42"), { inboxId: 2, ticket: { id: 42, number: 1042 } });
  // Not loaded yet: its page says itself that it is not there.
  assert.equal(at("/tickets/43"), null);
  assert.deepEqual(at("/inboxes/2/open", { inboxId: "2", folder: "open" }), { inboxId: 2, ticket: null });
  assert.deepEqual(at("/tickets", {}, { inbox_id: "2", priority: "high" }), { inboxId: 2, ticket: null });
  assert.equal(at("/tickets", {}, { priority: "high" }), null);
  assert.equal(at("/views/3", { viewId: "3" }), null);
  assert.equal(at("/customers/5", { id: "5" }), null);
});

test("the inboxes listed before and no longer", () => {
  assert.deepEqual(lostInboxes(listed, [{ id: 1 }]), [{ id: 2, name: "Billing" }]);
  assert.deepEqual(lostInboxes(listed, [{ id: 1 }, { id: 2 }, { id: 3 }]), []);
});

test("taken out of an inbox: the event reads the inboxes and names the one that went", async () => {
  setActivePinia(createPinia());
  const inboxes = useInboxes();
  const lost = useLostInboxes();
  await inboxes.load();
  const table = eventTable();
  const membership = (data: Record<string, unknown>) => ({ type: "inbox.membership_changed", chat_id: null, seq: null, data });

  // Added to one: nothing went.
  listed = [...listed, { id: 3, name: "Sales" }];
  table["inbox.membership_changed"]?.(membership({ inbox_id: 3 }));
  await settled(() => inboxes.items.length === 3);
  await settled(() => false);
  assert.equal(lost.heard, null);

  listed = listed.filter((inbox) => inbox.id !== 2);
  table["inbox.membership_changed"]?.(membership({ inbox_id: 2 }));
  await settled(() => lost.heard !== null);
  assert.deepEqual(lost.heard, { inboxes: [{ id: 2, name: "Billing" }], why: "removed" });
});

test("a ticket page's typed text is read when left, and forgotten when the page goes", () => {
  setActivePinia(createPinia());
  const lost = useLostInboxes();
  let typed = "  The refund went out on Monday.\n";
  const release = lost.holdDraft(42, () => typed);
  assert.equal(lost.draftOf(42), "The refund went out on Monday.");
  typed = "   ";
  assert.equal(lost.draftOf(42), "");
  release();
  typed = "later";
  assert.equal(lost.draftOf(42), "");
});
