// Out of office on the desk's side (docs/desk.md, "Out of office"): away within [from, until) by
// the reader's clock, a start "now" by the server's clock not taken for a later one, and the
// assignee picker's words on the reader's clock.

import assert from "node:assert/strict";
import test from "node:test";
import "./page";

const { loadWords, locale, timeZone } = await import("../src/i18n");
// The French words are a chunk of their own, fetched before a test shows the desk in French.
await loadWords("fr");
const { awayAt, pickerName, plannedAt, startOfNow, tomorrowMorning } = await import("../src/outOfOffice/state");

const said = (text: string) => text.replaceAll("\u202f", " ");
const NOON = Date.parse("2026-12-07T12:00:00Z");
const AWAY = { from: "2026-12-07T11:00:00Z", until: "2026-12-10T17:00:00Z", note: null, keep_assigned: false };

test("away within [from, until), over at its end, planned before its start", () => {
  assert.equal(awayAt(AWAY, NOON), true);
  assert.equal(awayAt(AWAY, Date.parse(AWAY.until)), false);
  assert.equal(plannedAt(AWAY, Date.parse(AWAY.until)), false);
  const later = { ...AWAY, from: "2026-12-08T08:00:00Z" };
  assert.equal(awayAt(later, NOON), false);
  assert.equal(plannedAt(later, NOON), true);
  assert.equal(awayAt({ ...AWAY, until: null }, NOON + 365 * 86_400_000), true);
  // Set "now" by a server whose clock is seconds ahead of the browser's: away, not planned.
  const justNow = { ...AWAY, from: new Date(NOON + 20_000).toISOString() };
  assert.equal(awayAt(justNow, NOON), true);
  assert.equal(plannedAt(justNow, NOON), false);
});

test("the picker names who is away, until when on the reader's clock", () => {
  locale.value = "en";
  timeZone.value = "Europe/Paris";
  assert.equal(said(pickerName("Ada", AWAY, NOON)), "Ada (out of office until Dec 10, 2026, 6:00 PM)");
  assert.equal(pickerName("Ada", { ...AWAY, until: null }, NOON), "Ada (out of office)");
  assert.equal(pickerName("Ada", AWAY, Date.parse(AWAY.until)), "Ada");
  assert.equal(pickerName("Ada", null, NOON), "Ada");
  locale.value = "fr";
  assert.equal(said(pickerName("Ada", AWAY, NOON)), "Ada (absent jusqu'au 10 déc. 2026, 18:00)");
  locale.value = "en";
});

test("the first end is tomorrow at 09:00 by the calendar, across a clock change", () => {
  timeZone.value = "Europe/Paris";
  // 00:30 in Paris on the night clocks go back: 24 hours on is still the 25th.
  assert.equal(tomorrowMorning(new Date("2026-10-24T22:30:00Z")), "2026-10-26T09:00");
  assert.equal(tomorrowMorning(new Date("2026-12-31T12:00:00Z")), "2027-01-01T09:00");
});

test("changing an absence under way keeps its start; a later one is not sent as now", () => {
  assert.equal(startOfNow(AWAY, NOON), AWAY.from);
  assert.equal(startOfNow({ ...AWAY, from: "2026-12-08T08:00:00Z" }, NOON), null);
  assert.equal(startOfNow(null, NOON), null);
});
