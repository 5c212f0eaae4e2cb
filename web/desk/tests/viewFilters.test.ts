// The ticket list's filters in the URL and in a saved view (views/filters.ts): what is written
// reads back the same, a wrong value is left out, one assignee filter at a time.

import assert from "node:assert/strict";
import test from "node:test";
import { folderListing, fromQuery, sameListing, stored, toLocation, toQuery, withAssignee } from "../src/views/filters";

test("reads back what it wrote", () => {
  const listing = { filters: { inbox_id: 3, state: ["open" as const, "hold" as const], unassigned: true, priority: ["urgent" as const], type: "chat" as const, breaching: true }, sort: "sla_due_at" as const };
  const location = toLocation(listing);
  assert.deepEqual(location, { inbox_id: "3", state: ["open", "hold"], unassigned: "true", priority: ["urgent"], type: "chat", breaching: "true", sort: "sla_due_at" });
  assert.equal(sameListing(fromQuery(location as never), listing), true);
});

test("reads back an organisation", () => {
  const listing = { filters: { organisation_id: 12, state: ["open" as const] }, sort: "-updated_at" as const };
  const location = toLocation(listing);
  assert.deepEqual(location, { state: ["open"], organisation_id: "12" });
  assert.deepEqual(toQuery(fromQuery(location as never)), { state: ["open"], organisation_id: 12 });
  assert.deepEqual(stored(listing.filters), { state: ["open"], organisation_id: 12 });
});

test("leaves out what a URL names wrongly", () => {
  const { filters, sort } = fromQuery({ state: ["open", "later"], priority: "soon", label_id: "x", organisation_id: "-1", type: "fax", sort: "relevance" });
  assert.deepEqual(toQuery({ filters, sort }), { state: ["open"] });
});

test("has one assignee filter", () => {
  const mine = withAssignee({ unassigned: true, label_id: 2 }, "me");
  assert.deepEqual(stored(mine), { mine: true, label_id: 2 });
  assert.deepEqual(stored(withAssignee(mine, "7")), { assignee_id: 7, label_id: 2 });
  assert.deepEqual(stored(withAssignee(mine, "")), { label_id: 2 });
});

test("starts from a folder", () => {
  assert.deepEqual(toQuery(folderListing(1, "breaching")), { inbox_id: 1, state: ["open"], breaching: true, sort: "sla_due_at" });
  assert.deepEqual(toQuery(folderListing(1, "mine")), { inbox_id: 1, state: ["open"], mine: true });
});
