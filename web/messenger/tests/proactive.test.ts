// Which pages a proactive message's rule matches (docs/messenger.md, "Proactive messages"), and
// the sender's avatar letters.

import assert from "node:assert/strict";
import test from "node:test";
import { initials, matches } from "../src/proactive";

const SHOP = "https://shop.example.com";

test("an empty rule matches every page", () => {
  assert.equal(matches("", `${SHOP}/`), true);
  assert.equal(matches("", `${SHOP}/anything?x=1#y`), true);
});

test("a path rule matches the path alone, * standing for anything", () => {
  assert.equal(matches("/pricing*", `${SHOP}/pricing`), true);
  assert.equal(matches("/pricing*", `${SHOP}/pricing/teams?plan=pro#faq`), true);
  assert.equal(matches("/pricing*", `${SHOP}/about/pricing`), false);
  assert.equal(matches("/pricing", `${SHOP}/pricing?ref=ad`), true);
  assert.equal(matches("/pricing", `${SHOP}/pricing/teams`), false);
  assert.equal(matches("/PRICING", `${SHOP}/pricing`), true);
  assert.equal(matches("/*/checkout", `${SHOP}/fr/checkout`), true);
});

test("nothing but * is special in a rule", () => {
  assert.equal(matches("/a.b", `${SHOP}/axb`), false);
  assert.equal(matches("/a.b", `${SHOP}/a.b`), true);
  assert.equal(matches("/(x)+", `${SHOP}/(x)+`), true);
  assert.equal(matches("/(x)+", `${SHOP}/xx`), false);
});

test("a full address matches origin and path, and the query only when it names one", () => {
  assert.equal(matches(`${SHOP}/pricing*`, `${SHOP}/pricing/teams`), true);
  assert.equal(matches(`${SHOP}/pricing`, `${SHOP}/pricing?ref=ad`), true);
  assert.equal(matches(`${SHOP}/pricing`, "https://other.example/pricing"), false);
  assert.equal(matches(`${SHOP}/pricing?plan=pro`, `${SHOP}/pricing?plan=pro`), true);
  assert.equal(matches(`${SHOP}/pricing?plan=pro`, `${SHOP}/pricing?plan=free`), false);
  assert.equal(matches("https://*.example.com/*", `${SHOP}/x`), true);
});

test("the avatar shows the sender's initials", () => {
  assert.equal(initials("Ada Lovelace"), "AL");
  assert.equal(initials(" bob "), "B");
  assert.equal(initials("Jean de la Fontaine"), "JF");
  assert.equal(initials(""), "?");
});
