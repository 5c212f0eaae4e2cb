// Which language the messenger speaks (docs/messenger.md, "Language"): the snippet's setting,
// then the page's <html lang>, then the browser's, the first we have words for.

import assert from "node:assert/strict";
import test from "node:test";
import { pickLocale } from "../src/i18n";

test("a French page speaks French to an English browser", () => {
  assert.equal(pickLocale(undefined, "fr", "en-US"), "fr");
  assert.equal(pickLocale(undefined, "fr-CA", "en-GB"), "fr");
  assert.equal(pickLocale("", "FR_be", "en"), "fr");
});

test("the snippet's setting comes before the page", () => {
  assert.equal(pickLocale("en", "fr", "fr-FR"), "en");
  assert.equal(pickLocale("fr", "en", "en-US"), "fr");
});

test("a language we have no words for passes to the next source, then English", () => {
  assert.equal(pickLocale("de", "fr", "en-US"), "fr");
  assert.equal(pickLocale(undefined, "de", "fr-FR"), "fr");
  assert.equal(pickLocale(undefined, "", "fr-FR"), "fr");
  assert.equal(pickLocale(undefined, "de", "ja"), "en");
  assert.equal(pickLocale(undefined, undefined, undefined), "en");
  assert.equal(pickLocale(undefined, "constructor", "toString"), "en");
});
