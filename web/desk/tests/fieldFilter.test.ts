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

test("a text, number or date field's condition is written as the list API reads it", async () => {
  const { fieldCondition, fieldParts } = await import("../src/views/filters");
  assert.deepEqual(fieldParts("seats:>5"), { key: "seats", value: ">5" });
  assert.deepEqual(fieldParts("plan:"), { key: "plan", value: "" });
  assert.equal(fieldParts("plan"), null);
  assert.equal(fieldCondition("number", " > 5 "), ">5");
  assert.equal(fieldCondition("number", "5"), "5");
  assert.equal(fieldCondition("number", "<=2.5"), "<=2.5");
  assert.equal(fieldCondition("number", "1 .. 10"), "1..10");
  assert.equal(fieldCondition("number", "3.."), "3..");
  assert.equal(fieldCondition("number", "..3"), "..3");
  for (const wrong of ["many", "10..2", "..", "1..2..3", ">", "1e3", "1000000000000000"]) {
    assert.equal(fieldCondition("number", wrong), null, wrong);
  }
  assert.equal(fieldCondition("date", ">2026-12-01"), ">2026-12-01");
  assert.equal(fieldCondition("date", "2026-12-01..2027-01-31"), "2026-12-01..2027-01-31");
  for (const wrong of ["2026-02-30", "12/01/2026", "2027-01-01..2026-12-01", "2026-2-1"]) {
    assert.equal(fieldCondition("date", wrong), null, wrong);
  }
  assert.equal(fieldCondition("text", "  ACME Ltd "), "ACME Ltd");
  assert.equal(fieldCondition("text", "   "), null);
  // A view keeps the condition as the URL has it.
  const listing = fromQuery({ field: "seats:1..10" });
  assert.deepEqual(stored(listing.filters), { field: "seats:1..10" });
  assert.deepEqual(toLocation(listing), { field: "seats:1..10" });
});
