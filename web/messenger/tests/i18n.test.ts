// Which language the messenger speaks (docs/messenger.md, "Language"): the snippet's setting,
// then the page's <html lang>, then the browser's, the first we have words for. Every word is in
// every language; the French ones come from a script of their own (messenger-fr.js).

import assert from "node:assert/strict";
import test from "node:test";
import { addWords, en, LANGUAGES, pickLocale, spoken, translator } from "../src/i18n";
import { fr } from "../src/i18n-fr";

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

test("French is chosen before its words are loaded, and English shows until they are", () => {
  assert.deepEqual(LANGUAGES, ["en", "fr"]);
  assert.equal(pickLocale("fr"), "fr");
  assert.equal(spoken("fr"), "en");
  assert.equal(translator("fr")("open"), "Open chat");
  addWords("fr", fr);
  assert.equal(spoken("fr"), "fr");
  assert.equal(spoken("de"), "en");
  assert.equal(translator("fr")("open"), "Ouvrir le chat");
});

test("every key is in both languages, with the same placeholders, and none is empty", () => {
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  assert.deepEqual(Object.keys(fr).sort(), Object.keys(en).sort());
  for (const [key, english] of Object.entries(en)) {
    const french = fr[key as keyof typeof en];
    assert.ok(french.trim(), `${key} is empty in French`);
    assert.deepEqual(placeholders(french), placeholders(english), `${key}: not the same placeholders`);
  }
});
