// Durations as agents type them in "Log time" (docs/desk.md, "Time tracking"): minutes alone,
// hours and minutes with units or a colon, refused when no duration or out of 1 min to 24 h;
// totals shown as "2 h 15 min"; a total heard from another desk; a day worked shown in the
// desk's language whatever its time zone; a refused stop reads the timer again.

import assert from "node:assert/strict";
import test from "node:test";
import { g } from "./page";

// The API client takes `fetch` when loaded: each test says what the server answers.
let answer: (path: string) => Response = () => new Response(null, { status: 500 });
g.fetch = async (request: Request) => answer(new URL(request.url).pathname);

const { parseDuration, formatMinutes, formatElapsed } = await import("../src/timetracking/duration");
const { locale } = await import("../src/i18n");

test("what an agent types becomes minutes", () => {
  const read: [string, number][] = [
    ["90", 90],
    ["1h 30m", 90],
    ["1h30", 90],
    ["1H 30 min", 90],
    ["1:30", 90],
    ["0:05", 5],
    ["2 h 15 min", 135],
    ["1.5h", 90],
    ["1,5 h", 90],
    ["45m", 45],
    ["3 heures", 180],
    [" 24h ", 1440],
  ];
  for (const [text, minutes] of read) assert.equal(parseDuration(text), minutes, text);
});

test("what is no duration, or out of range, is refused", () => {
  for (const text of ["", "abc", "0", "0:00", "1441", "25h", "1:75", "-5", "1h 30m 10s", "h", "m"]) {
    assert.equal(parseDuration(text), null, text);
  }
});

test("totals and the running clock read as people write them", () => {
  locale.value = "en";
  assert.equal(formatMinutes(135), "2 h 15 min");
  assert.equal(formatMinutes(60), "1 h");
  assert.equal(formatMinutes(45), "45 min");
  locale.value = "fr";
  assert.equal(formatMinutes(135), "2 h 15 min");
  assert.equal(formatElapsed(75), "1:15");
  assert.equal(formatElapsed(3725), "1:02:05");
});

test("a total heard from another desk replaces the ticket's and asks for its entries again", async () => {
  const { createPinia, setActivePinia } = await import("pinia");
  const { useTimeTracking } = await import("../src/timetracking/store");
  setActivePinia(createPinia());
  const time = useTimeTracking();
  time.setTotal(7, 30);
  assert.equal(time.changes[7], undefined); // read with the entries: nothing to read again
  const data = { ticket_id: 7, inbox_id: 1, time_spent_minutes: 75, change: "created", entry: {}, by: { id: 2, name: "Ben" } };
  time.timeChanged({ type: "ticket.time_changed", data } as never);
  assert.equal(time.totals[7], 75);
  assert.equal(time.changes[7], 1);
});

test("a day worked is shown in the desk's language, on no time zone's clock", async () => {
  const { formatCalendarDay } = await import("../src/ui/format");
  const { timeZone } = await import("../src/i18n");
  timeZone.value = "Pacific/Honolulu"; // where 2026-03-09 00:00 UTC is still the 8th
  locale.value = "en";
  assert.equal(formatCalendarDay("2026-03-09"), "Mar 9");
  locale.value = "fr";
  assert.equal(formatCalendarDay("2026-03-09"), "9 mars");
  locale.value = "en";
});

test("a stop refused because the timer is gone reads the timer again: the clock stops", async () => {
  const { createPinia, setActivePinia } = await import("pinia");
  const { useTimeTracking } = await import("../src/timetracking/store");
  setActivePinia(createPinia());
  const running = { ticket_id: 7, ticket_number: 7, subject: "Hi", gone: false, started_at: "2026-03-09T09:00:00Z", elapsed_seconds: 60 };
  let timer: unknown = running;
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  answer = (path) =>
    path === "/api/v1/me/timer" ? json({ timer }) : json({ error: { code: "no_timer", message: "No timer is running." } }, 404);
  const time = useTimeTracking();
  await time.load();
  assert.equal(time.timer?.ticket_id, 7);
  timer = null; // its ticket was deleted meanwhile: the timer went with it
  const refused = await time.stop().then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(refused, "the stop is refused");
  const left = time.timer;
  await time.load(); // (the clock stops ticking either way, for the test runner to end)
  assert.equal(left, null);
});
