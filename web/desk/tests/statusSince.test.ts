// When a ticket entered its status, as the ticket page's State caption says it (docs/desk.md,
// "Ticket statuses"): the time alone today, the day and time this year, the year too before; on
// the agent's clock and in their language, not the computer's.

import assert from "node:assert/strict";
import test from "node:test";
import "./page";

const { locale, timeZone } = await import("../src/i18n");
const { formatDayTime, isToday } = await import("../src/ui/format");

// Thursday 3 December 2026, 14:05 in Paris.
const ENTERED = "2026-12-03T13:05:00Z";

test("today the time, this year the day too, before that the year", () => {
  locale.value = "en";
  timeZone.value = "Europe/Paris";
  const sameDay = new Date("2026-12-03T20:00:00Z");
  assert.equal(isToday(ENTERED, sameDay), true);
  assert.equal(formatDayTime(ENTERED, sameDay), "02:05 PM");
  const later = new Date("2026-12-07T09:00:00Z");
  assert.equal(isToday(ENTERED, later), false);
  assert.equal(formatDayTime(ENTERED, later), "Dec 3, 02:05 PM");
  assert.equal(formatDayTime(ENTERED, new Date("2027-01-04T09:00:00Z")), "Dec 3, 2026, 02:05 PM");
  assert.equal(formatDayTime(null, later), "");
});

test("on the agent's clock and in their language", () => {
  locale.value = "fr";
  timeZone.value = "Europe/Paris";
  assert.equal(formatDayTime(ENTERED, new Date("2026-12-07T09:00:00Z")), "3 déc., 14:05");
  // 13:05 UTC is 22:05 in Tokyo, the evening before that Friday morning there.
  timeZone.value = "Asia/Tokyo";
  const friday = new Date("2026-12-04T01:00:00Z");
  assert.equal(isToday(ENTERED, friday), false);
  assert.equal(formatDayTime(ENTERED, friday), "3 déc., 22:05");
  locale.value = "en";
});
