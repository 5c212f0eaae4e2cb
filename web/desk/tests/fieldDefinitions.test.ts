// Custom fields' definitions an admin changed while a desk was open (docs/desk.md, "Custom
// fields"): a ticket whose `fields` have other keys than the definitions held has them read again,
// as has a connection back after a drop; a refusal that is not about the value (the field was
// archived or deleted meanwhile) shows the server's message, not what the kind takes.

import assert from "node:assert/strict";
import test from "node:test";
import { g } from "./page";

const field = (id: number, key: string, extra: Record<string, unknown> = {}) => ({
  id, object: "ticket", key, label: key, kind: "list", options: ["Pro"], position: id, archived: false, ...extra,
});
let served = [field(1, "plan")];
let reads = 0;
g.fetch = async () => {
  reads += 1;
  return new Response(JSON.stringify(served), { status: 200, headers: { "Content-Type": "application/json" } });
};

const { createPinia, setActivePinia } = await import("pinia");
const { useFields } = await import("../src/fields/store");
const { refusal } = await import("../src/fields/refusal");
const { ApiError } = await import("../src/api/client");
const { loadWords, locale } = await import("../src/i18n");
// The French words are a chunk of their own, fetched before a test shows the desk in French.
await loadWords("fr");

test("definitions are read again when a ticket names other fields", async () => {
  setActivePinia(createPinia());
  const fields = useFields();
  await fields.refresh(); // never read: nothing to refresh
  assert.equal(reads, 0);
  await fields.ensure();
  assert.deepEqual(fields.ticketFields.map((f) => f.key), ["plan"]);
  // The same keys: nothing read.
  await fields.reconcile("ticket", { plan: null });
  assert.equal(reads, 1);
  // An admin added Seats and archived Plan meanwhile.
  served = [field(1, "plan", { archived: true }), field(2, "seats", { kind: "number", options: [] })];
  await fields.reconcile("ticket", { seats: null });
  assert.deepEqual(fields.ticketFields.map((f) => f.key), ["seats"]);
  // The connection back after a drop reads them too (realtime/index.ts).
  served = [];
  await fields.refresh();
  assert.deepEqual(fields.ticketFields, []);
});

test("a refusal not about the value says what the server said", () => {
  locale.value = "fr";
  const plan = field(1, "plan") as Parameters<typeof refusal>[0];
  const archived = new ApiError("“plan”: the field is archived.", 422, "invalid", [
    { field: "fields.plan", code: "unavailable", message: "“plan”: the field is archived." },
  ]);
  assert.equal(refusal(plan, archived), "“plan”: the field is archived.");
  const wrong = new ApiError("“plan”: “Gold” is not one of its options.", 422, "invalid", [
    { field: "fields.plan", code: "invalid", message: "…" },
  ]);
  assert.equal(refusal(plan, wrong), "Une des options de la liste.");
});
