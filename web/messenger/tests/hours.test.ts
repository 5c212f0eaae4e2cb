// Business hours in the visitor's words: when we are back, in their own time, and the wait.

import assert from "node:assert/strict";
import test from "node:test";
import { headerWords, waitWords, whenWords } from "../src/hours";
import { translator } from "../src/i18n";
import type { Status } from "../src/types";

const en = translator("en");
const fr = translator("fr");
// Built from local dates, so the words hold in whatever time zone the tests run.
const friday = new Date(2026, 11, 4, 18, 30);

test("the opening is today, tomorrow or a named day, in the visitor's time", () => {
  const later = new Date(2026, 11, 4, 20, 0).toISOString();
  assert.equal(/^today at 0?8:00\sPM$/.test(whenWords(en, "en", later, friday)), true);
  const saturday = new Date(2026, 11, 5, 9, 0).toISOString();
  assert.equal(/^tomorrow at 9:00\sAM$/.test(whenWords(en, "en", saturday, friday)), true);
  const monday = new Date(2026, 11, 7, 9, 0).toISOString();
  assert.equal(/^Monday, December 7 at 9:00\sAM$/.test(whenWords(en, "en", monday, friday)), true);
  assert.equal(whenWords(fr, "fr", monday, friday), "lundi 7 décembre à 09:00");
  assert.equal(whenWords(en, "en", "not a date", friday), "");
});

test("a wait reads as minutes, never as a false precision", () => {
  assert.equal(waitWords(en, 20), "under a minute");
  assert.equal(waitWords(en, 70), "about a minute");
  assert.equal(waitWords(en, 240), "about 4 minutes");
});

test("the header says closed, away or busy", () => {
  const status = (state: Status["state"], online: boolean): Status => ({
    online,
    state,
    inbox_name: "Support",
    settings: {},
    chat_id: null,
    chat_state: null,
    queue_position: null,
    estimated_wait_seconds: null,
  });
  assert.equal(headerWords(en, status("closed", false)), "We're closed");
  assert.equal(headerWords(en, status("away", true)), "Everyone is busy");
  assert.equal(headerWords(en, status("away", false)), "Leave us a message");
  assert.equal(headerWords(en, status("online", true)), "We're online");
  assert.equal(headerWords(fr, status("closed", false)), "Nous sommes fermés");
});
