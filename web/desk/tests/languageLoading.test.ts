// The desk loads one language (docs/desk.md, "Language and time zone"; docs/performance.md): the
// English words are part of its script, the French ones a chunk fetched only for an agent who
// reads French, by their preference or, without one, their browser's language. The agent signs
// in here through the auth store, which applies the preferences of GET /api/v1/me as the desk
// does; the French source is the real chunk's module, counted, and made to fail for one test.

import assert from "node:assert/strict";
import test from "node:test";
import { g } from "./page";

/** The language the server says the signed-in agent chose ("" follows the browser). */
let chosen = "";
g.fetch = async () =>
  Response.json({
    id: 1,
    name: "Ada Lovelace",
    email: "ada@example.org",
    role: "agent",
    csrf_token: "token",
    preferences: { language: chosen },
  });

const { languageSettled, locale, switchLanguage, t, wordSources } = await import("../src/i18n");
const { useAuth } = await import("../src/auth/store");
const { createPinia, setActivePinia } = await import("pinia");

const french = wordSources.fr;
let fetches = 0;
let failing = false;
wordSources.fr = async () => {
  fetches += 1;
  if (failing) throw new TypeError("Failed to fetch dynamically imported module: /assets/french-x.js");
  // One French word left out, as a new English word is until someone translates it.
  const words = await french();
  const common = { ...words.common };
  delete common.enableSound;
  return { ...words, common };
};

const html = (g.document as { documentElement: { lang?: string } }).documentElement;
const browser = g.navigator as { language: string };

/** A fresh desk whose server says the agent chose `language`, once it shows. */
async function signIn(language: string): Promise<void> {
  chosen = language;
  setActivePinia(createPinia());
  await useAuth().boot();
  await languageSettled();
}

/** What the desk said in the console with console.error while `run` ran. */
async function consoleErrors(run: () => Promise<void>): Promise<string[]> {
  const said: string[] = [];
  const real = console.error;
  console.error = (...parts: unknown[]) => void said.push(parts.map(String).join(" "));
  try {
    await run();
  } finally {
    console.error = real;
  }
  return said;
}

test("an English agent's desk never fetches the French words", async () => {
  await signIn("en");
  assert.equal(t("common.settings"), "Settings");
  await signIn("");
  assert.equal(locale.value, "en");
  assert.equal(html.lang, "en");
  assert.equal(t("preferences.title"), "Preferences");
  assert.equal(fetches, 0);
});

test("when the French words cannot be fetched the desk shows English and says why in the console", async () => {
  failing = true;
  const said = await consoleErrors(() => signIn("fr"));
  failing = false;
  assert.equal(fetches, 1);
  assert.equal(said.length, 1);
  assert.ok(/words in "fr" could not be loaded, so it shows English/.test(said[0] ?? ""), said[0]);
  assert.ok(/Failed to fetch dynamically imported module/.test(said[0] ?? ""), said[0]);
  assert.equal(locale.value, "en");
  assert.equal(html.lang, "en");
  assert.equal(t("common.settings"), "Settings");
});

test("of two quick switches the later one wins, whichever words arrive first", async () => {
  const counted = wordSources.fr;
  let arrive = (): void => undefined;
  const gate = new Promise<void>((resolve) => (arrive = () => resolve()));
  wordSources.fr = async () => {
    await gate;
    return counted();
  };
  const toFrench = switchLanguage("fr");
  await switchLanguage("en");
  arrive();
  await toFrench;
  await languageSettled();
  wordSources.fr = counted;
  assert.equal(fetches, 2, "the failed fetch is tried again");
  assert.equal(locale.value, "en");
  assert.equal(html.lang, "en");
});

test("a French agent reads French, fetched once, a missing word in English", async () => {
  await signIn("fr");
  assert.equal(locale.value, "fr");
  assert.equal(html.lang, "fr");
  assert.equal(t("common.settings"), "Paramètres");
  assert.equal(t("preferences.title"), "Préférences");
  assert.equal(t("common.enableSound"), "Enable sound");

  await signIn("en");
  assert.equal(t("common.settings"), "Settings");
  await signIn("fr");
  assert.equal(t("common.settings"), "Paramètres");
  assert.equal(fetches, 2);
});

test("an agent who chose nothing reads their browser's language", async () => {
  browser.language = "fr-CA";
  try {
    await signIn("");
    assert.equal(t("common.settings"), "Paramètres");
  } finally {
    browser.language = "en";
  }
  await signIn("");
  assert.equal(t("common.settings"), "Settings");
});
