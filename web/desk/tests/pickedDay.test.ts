// What a date or datetime-local input holds, said in the desk's language beside it (PickedDay.vue):
// Chromium writes the input in the browser's order (03/04/2026) whatever the desk speaks, so a
// French agent on an English browser could not tell the 4th of March from the 3rd of April.

import assert from "node:assert/strict";
import test from "node:test";
import "./page";

const { locale, timeZone } = await import("../src/i18n");
const { formatPicked } = await import("../src/ui/format");

test("shown as written, whatever the agent's time zone: a wall-clock reading", () => {
  // Run first: a formatter made on the agent's clock would be cached for the tests below too.
  locale.value = "en";
  for (const zone of ["Pacific/Kiritimati", "Pacific/Pago_Pago"]) {
    timeZone.value = zone;
    assert.equal(formatPicked("2026-12-31"), "Dec 31, 2026");
    assert.equal(formatPicked("2026-12-31T23:59"), "Dec 31, 2026, 11:59 PM");
  }
});

test("a day in English and in French", () => {
  locale.value = "en";
  assert.equal(formatPicked("2026-03-04"), "Mar 4, 2026");
  locale.value = "fr";
  assert.equal(formatPicked("2026-03-04"), "4 mars 2026");
});

test("a day and time, the time too, in the language's own way", () => {
  locale.value = "en";
  assert.equal(formatPicked("2026-03-04T14:30"), "Mar 4, 2026, 02:30 PM");
  locale.value = "fr";
  assert.equal(formatPicked("2026-03-04T14:30"), "4 mars 2026, 14:30");
});

test("nothing while the input holds no whole value", () => {
  locale.value = "en";
  for (const value of ["", null, undefined, "2026-03", "2026-13-45", "2026-02-30", "04/03/2026", "2026-03-04T"]) {
    assert.equal(formatPicked(value), "", String(value));
  }
});
