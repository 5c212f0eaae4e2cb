// Snooze's quick times (docs/desk.md, "Snoozing a ticket"), on the agent's clock (the time zone of
// their preferences, not the computer's): later today (3 hours on, only while that is still
// today), tomorrow at 9:00, next Monday at 9:00 from Tuesday to Saturday, and in a week at the
// same time of day; counted in calendar days, so the day the clocks change moves none of them.

import assert from "node:assert/strict";
import test from "node:test";
import "./page";

const { timeZone } = await import("../src/i18n");
const { snoozeBounds, snoozeChoices } = await import("../src/tickets/snooze");
const { quickChoices } = await import("../src/tickets/sendLater");

const at = (choices: { key: string; at: Date }[]) => Object.fromEntries(choices.map((c) => [c.key, c.at.toISOString()]));

test("the four quick times of a Wednesday morning in Paris", () => {
  timeZone.value = "Europe/Paris";
  // Wednesday 2 December 2026, 10:00 in Paris (UTC+1).
  assert.deepEqual(at(snoozeChoices(new Date("2026-12-02T09:00:00Z"))), {
    later: "2026-12-02T12:00:00.000Z",
    tomorrow: "2026-12-03T08:00:00.000Z",
    monday: "2026-12-07T08:00:00.000Z",
    week: "2026-12-09T09:00:00.000Z",
  });
});

test("on the agent's clock, not the computer's", () => {
  // 14:30 UTC is 23:30 on Wednesday in Tokyo: too late for later today, and tomorrow is Thursday.
  timeZone.value = "Asia/Tokyo";
  assert.deepEqual(at(snoozeChoices(new Date("2026-12-02T14:30:00Z"))), {
    tomorrow: "2026-12-03T00:00:00.000Z",
    monday: "2026-12-07T00:00:00.000Z",
    week: "2026-12-09T14:30:00.000Z",
  });
  // The same moment is 09:30 in New York.
  timeZone.value = "America/New_York";
  assert.equal(at(snoozeChoices(new Date("2026-12-02T14:30:00Z"))).later, "2026-12-02T17:30:00.000Z");
});

test("later today until 21:00, to the next whole minute", () => {
  timeZone.value = "Europe/Paris";
  // 20:59 in Paris: 23:59 is still today.
  assert.equal(at(snoozeChoices(new Date("2026-12-02T19:59:00Z"))).later, "2026-12-02T22:59:00.000Z");
  // 20:58:10 → 23:58:10, up to 23:59.
  assert.equal(at(snoozeChoices(new Date("2026-12-02T19:58:10Z"))).later, "2026-12-02T22:59:00.000Z");
  // 20:59:30 would be midnight, and 21:00 too: tomorrow.
  assert.equal(at(snoozeChoices(new Date("2026-12-02T19:59:30Z"))).later, undefined);
  assert.equal(at(snoozeChoices(new Date("2026-12-02T20:00:00Z"))).later, undefined);
  // Just after midnight it is offered again.
  assert.equal(at(snoozeChoices(new Date("2026-12-02T23:05:00Z"))).later, "2026-12-03T02:05:00.000Z");
});

test("no Monday morning on a Sunday (tomorrow is it) nor on a Monday, as Send later", () => {
  timeZone.value = "Europe/Paris";
  // Sunday 6 December, 10:00: tomorrow morning is Monday's.
  assert.deepEqual(Object.keys(at(snoozeChoices(new Date("2026-12-06T09:00:00Z")))), ["later", "tomorrow", "week"]);
  assert.equal(at(snoozeChoices(new Date("2026-12-06T09:00:00Z"))).tomorrow, "2026-12-07T08:00:00.000Z");
  // Sunday 23:30 in Paris is Monday 07:30 in Tokyo: Tokyo's Monday has no Monday morning either.
  timeZone.value = "Asia/Tokyo";
  assert.deepEqual(Object.keys(at(snoozeChoices(new Date("2026-12-06T22:30:00Z")))), ["later", "tomorrow", "week"]);
  timeZone.value = "Europe/Paris";
  // Saturday: Monday is two days away; Send later offers the same Monday.
  const saturday = new Date("2026-12-05T09:00:00Z");
  assert.equal(at(snoozeChoices(saturday)).monday, "2026-12-07T08:00:00.000Z");
  assert.equal(at(snoozeChoices(saturday)).monday, at(quickChoices(saturday)).monday);
});

test("the days Paris's clocks change move no quick time", () => {
  timeZone.value = "Europe/Paris";
  // Saturday 27 March 2027, 10:00 (UTC+1); that night the clocks go forward an hour (UTC+2).
  assert.deepEqual(at(snoozeChoices(new Date("2027-03-27T09:00:00Z"))), {
    later: "2027-03-27T12:00:00.000Z",
    tomorrow: "2027-03-28T07:00:00.000Z",
    monday: "2027-03-29T07:00:00.000Z",
    // Saturday 3 April at 10:00 on the clock: 6 days and 23 hours on.
    week: "2027-04-03T08:00:00.000Z",
  });
  // Sunday 28 March, 00:30, before the change: three hours on is 04:30 on the clock, still today.
  assert.deepEqual(at(snoozeChoices(new Date("2027-03-27T23:30:00Z"))), {
    later: "2027-03-28T02:30:00.000Z",
    tomorrow: "2027-03-29T07:00:00.000Z",
    week: "2027-04-03T22:30:00.000Z",
  });
  // Saturday 30 October 2027, 10:00 (UTC+2); that night the clocks go back (UTC+1).
  assert.deepEqual(at(snoozeChoices(new Date("2027-10-30T08:00:00Z"))), {
    later: "2027-10-30T11:00:00.000Z",
    tomorrow: "2027-10-31T08:00:00.000Z",
    monday: "2027-11-01T08:00:00.000Z",
    week: "2027-11-06T09:00:00.000Z",
  });
  // Sunday 31 October, 20:30 on the clock (UTC+1 again): 23:30 is still today.
  assert.equal(at(snoozeChoices(new Date("2027-10-31T19:30:00Z"))).later, "2027-10-31T22:30:00.000Z");
});

test("a date and time picked from 5 minutes on, with no end", () => {
  timeZone.value = "Europe/Paris";
  assert.deepEqual(snoozeBounds(new Date("2026-12-06T10:00:00Z")), { min: "2026-12-06T11:05" });
});
