// The ticket list's custom field filter (views/filters.ts): `field=key:value` in the URL, in the
// request and in a saved view, as the list API names it.

import assert from "node:assert/strict";
import test from "node:test";
import { fromQuery, stored, toLocation, toQuery } from "../src/views/filters";

test("a custom field's value reads back from the URL and is kept by a view", () => {
  const listing = fromQuery({ inbox_id: "2", field: "plan:Pro" });
  assert.deepEqual(toQuery(listing), { inbox_id: 2, field: "plan:Pro" });
  assert.deepEqual(toLocation(listing), { inbox_id: "2", field: "plan:Pro" });
  assert.deepEqual(stored(listing.filters), { inbox_id: 2, field: "plan:Pro" });
  assert.deepEqual(toQuery(fromQuery({ field: "" })), {});
});
