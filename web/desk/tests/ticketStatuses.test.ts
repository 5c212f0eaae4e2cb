// Custom ticket statuses in the desk (docs/desk.md, "Ticket statuses"): the list's status filter
// in the URL and a saved view, and a macro's (or rule's) "set the status" read back as saved.

import assert from "node:assert/strict";
import test from "node:test";
import { actionsOf, emptyForm, formOf } from "../src/macros/form";
import { fromQuery, stored, toLocation, toQuery } from "../src/views/filters";

test("the list's status filter reads back what it wrote", () => {
  const listing = { filters: { status_id: 4, state: ["hold" as const] }, sort: "-updated_at" as const };
  const location = toLocation(listing);
  assert.deepEqual(location, { state: ["hold"], status_id: "4" });
  assert.deepEqual(toQuery(fromQuery(location as never)), { state: ["hold"], status_id: 4 });
  assert.deepEqual(stored(listing.filters), { state: ["hold"], status_id: 4 });
  assert.deepEqual(toQuery(fromQuery({ status_id: "x" })), {});
});

test("a macro sets a status, or a state, as its form says", () => {
  const form = { ...emptyForm(), name: "Vendor", note: "Asked", state: "status-7" as const };
  const actions = actionsOf(form);
  assert.deepEqual(actions, [
    { type: "note", text: "Asked" },
    { type: "set_status", status_id: 7 },
  ]);
  const back = formOf({ id: 1, name: "Vendor", actions, inbox_id: null } as never);
  assert.equal(back.state, "status-7");
  assert.deepEqual(actionsOf({ ...back, state: "hold" }).at(-1), { type: "set_state", state: "hold" });
});
