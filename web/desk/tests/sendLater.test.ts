// Send later's quick times (docs/desk.md, "Send later"): 9:00 tomorrow and next Monday on the
// agent's clock, in the time zone of their preferences, not the computer's; no Monday when it is
// Monday today or tomorrow; the picker within the next 30 days.

import assert from "node:assert/strict";
import test from "node:test";
import "./page";

const { timeZone } = await import("../src/i18n");
const { pickBounds, quickChoices } = await import("../src/tickets/sendLater");

const at = (choices: { key: string; at: Date }[]) => Object.fromEntries(choices.map((c) => [c.key, c.at.toISOString()]));

test("tomorrow and Monday at 9:00 on the agent's clock", () => {
  timeZone.value = "Asia/Tokyo";
  // Wednesday 2 December 2026, 23:30 in Tokyo (14:30 UTC): tomorrow is Thursday the 3rd there.
  assert.deepEqual(at(quickChoices(new Date("2026-12-02T14:30:00Z"))), {
    tomorrow: "2026-12-03T00:00:00.000Z",
    monday: "2026-12-07T00:00:00.000Z",
  });
  timeZone.value = "America/New_York";
  // The same moment is Wednesday 09:30 in New York.
  assert.deepEqual(at(quickChoices(new Date("2026-12-02T14:30:00Z"))), {
    tomorrow: "2026-12-03T14:00:00.000Z",
    monday: "2026-12-07T14:00:00.000Z",
  });
});

test("no Monday on a Monday, nor on a Sunday when tomorrow is it", () => {
  timeZone.value = "Europe/Paris";
  assert.deepEqual(Object.keys(at(quickChoices(new Date("2026-12-07T10:00:00Z")))), ["tomorrow"]);
  assert.deepEqual(at(quickChoices(new Date("2026-12-06T10:00:00Z"))), { tomorrow: "2026-12-07T08:00:00.000Z" });
  // Saturday: Monday is two days away.
  assert.equal(at(quickChoices(new Date("2026-12-05T10:00:00Z"))).monday, "2026-12-07T08:00:00.000Z");
});

test("a date and time picked within the next 30 days", () => {
  timeZone.value = "Europe/Paris";
  assert.deepEqual(pickBounds(new Date("2026-12-06T10:00:00Z")), { min: "2026-12-06T11:01", max: "2027-01-05T11:00" });
});
