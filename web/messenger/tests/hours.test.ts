// Business hours in the visitor's words: when we are back, in their own time, and the wait.

import assert from "node:assert/strict";
import test from "node:test";
import { dateLocale, headerWords, timeWords, waitedTooLong, waitWords, whenWords } from "../src/hours";
import { addWords, translator } from "../src/i18n";
import { fr as french } from "../src/i18n-fr";
import type { Status } from "../src/types";

// The French words come in a script of their own in the browser (messenger-fr.js).
addWords("fr", french);
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

test("dates follow the browser's own locale when it speaks the messenger's language", () => {
  // British order for a British browser (the messenger's words are English all the same).
  assert.equal(dateLocale("en", "en-GB"), "en-GB");
  assert.equal(dateLocale("fr", "fr-CA"), "fr-CA");
  // A French page in an English browser: French dates, not the browser's.
  assert.equal(dateLocale("fr", "en-US"), "fr");
  assert.equal(dateLocale("en", undefined), "en");
  const monday = new Date(2026, 11, 7, 9, 0).toISOString();
  assert.equal(whenWords(en, dateLocale("en", "en-GB"), monday, friday), "Monday 7 December at 09:00");
});

test("a message's time is short today, with its date on another day", () => {
  const today = new Date(2026, 11, 4, 14, 5);
  assert.equal(timeWords("en-GB", today.toISOString(), friday), "14:05");
  assert.equal(/^2:05\sPM$/.test(timeWords("en-US", today.toISOString(), friday)), true);
  const before = new Date(2026, 11, 3, 9, 30).toISOString();
  assert.equal(timeWords("en-GB", before, friday), "3 Dec, 09:30");
  assert.equal(timeWords("en", "not a date", friday), "");
});

test("a chat has waited too long once past the usual wait, and never under a minute", () => {
  assert.equal(waitedTooLong(59, 20), false);
  assert.equal(waitedTooLong(60, 20), true);
  assert.equal(waitedTooLong(61, null), true);
  assert.equal(waitedTooLong(200, 240), false);
  assert.equal(waitedTooLong(240, 240), true);
  assert.equal(waitedTooLong(null, 20), false);
  assert.equal(waitedTooLong(undefined, undefined), false);
});
