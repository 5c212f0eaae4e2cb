// The line above the business hours settings (docs/routing.md, "Setting them"): when the inbox
// opens or closes next, on the inbox's clock with its zone named, and on the reader's own clock
// in brackets when that shows another time (another date too, when it is another day there);
// and the time zones the picker offers: no "EST", no "Etc/GMT+5", which the server refuses.

import assert from "node:assert/strict";
import test from "node:test";
import "./page";

const { loadWords, locale } = await import("../src/i18n");
// The French words are a chunk of their own, fetched before a test shows the desk in French.
await loadWords("fr");
const { hoursState, offeredZones, proposedZone } = await import("../src/hours/state");
type Hours = NonNullable<Parameters<typeof hoursState>[0]>;

// Intl writes a narrow no-break space before AM and PM; written here as a plain space.
const said = (text: string) => text.replaceAll("\u202f", " ");

/** Paris, closed on Sunday night; opens Monday 7 December at 09:00 (08:00 UTC). */
const CLOSED: Hours = {
  inbox_id: 2,
  enabled: true,
  time_zone: "Europe/Paris",
  weekly: [{ day: "mon", opens: "09:00", closes: "17:00" }],
  holidays: [],
  away_message: "",
  open_now: false,
  next_opening_at: "2026-12-07T08:00:00Z",
  next_closing_at: "2026-12-06T21:00:00Z",
};

test("the next opening is on the inbox's clock, named, with the reader's in brackets", () => {
  locale.value = "en";
  assert.equal(
    said(hoursState(CLOSED, "America/New_York")),
    "Closed now; opens Dec 7, 2026, 9:00 AM Europe/Paris time (3:00 AM your time, America/New York).",
  );
});

test("a reader whose clock shows the same time reads it once", () => {
  locale.value = "en";
  const once = "Closed now; opens Dec 7, 2026, 9:00 AM Europe/Paris time.";
  assert.equal(said(hoursState(CLOSED, "Europe/Paris")), once);
  assert.equal(said(hoursState(CLOSED, "Europe/Berlin")), once);
});

test("on another day on the reader's clock, the bracket has the date too", () => {
  locale.value = "en";
  assert.equal(
    said(hoursState(CLOSED, "Pacific/Honolulu")),
    "Closed now; opens Dec 7, 2026, 9:00 AM Europe/Paris time (Dec 6, 2026, 10:00 PM your time, Pacific/Honolulu).",
  );
});

test("open: the closing time, the same way; off: always open", () => {
  locale.value = "en";
  const open = { ...CLOSED, open_now: true, next_opening_at: "2026-12-07T10:00:00Z", next_closing_at: "2026-12-07T16:00:00Z" };
  assert.equal(
    said(hoursState(open, "Asia/Tokyo")),
    "Open now; closes Dec 7, 2026, 5:00 PM Europe/Paris time (Dec 8, 2026, 1:00 AM your time, Asia/Tokyo).",
  );
  assert.equal(hoursState({ ...CLOSED, enabled: false }, "Asia/Tokyo"), "Always open.");
  assert.equal(hoursState({ ...CLOSED, next_opening_at: null }, "Asia/Tokyo"), "Closed now, and no hours to open.");
});

test("in French", () => {
  locale.value = "fr";
  assert.equal(
    hoursState(CLOSED, "America/New_York"),
    "Fermé ; ouvre 7 déc. 2026, 09:00 (heure Europe/Paris), soit 03:00 chez vous (America/New York).",
  );
  locale.value = "en";
});

test("the picker offers city zones and UTC, and keeps a saved legacy zone to show it", () => {
  const known = ["America/New_York", "EST", "Etc/GMT+5", "Europe/Paris", "GMT"];
  assert.deepEqual(offeredZones("Europe/Paris", known), ["America/New_York", "Europe/Paris", "UTC"]);
  assert.deepEqual(offeredZones("EST", known), ["America/New_York", "EST", "Europe/Paris", "UTC"]);
  // A new calendar starts on the admin's clock, unless that is one the server refuses.
  assert.equal(proposedZone("Europe/Paris", known), "Europe/Paris");
  assert.equal(proposedZone("Etc/GMT+5", known), "UTC");
  assert.equal(proposedZone("EST", known), "UTC");
});
