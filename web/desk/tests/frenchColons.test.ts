// A caption glued to its colon in a template ("{{ label }}:") showed "Organisation: Example Labs"
// and "État: Ouverts" in French, whose words put a space before the colon ("Organisation :").
// Such captions go through `common.labelled`, which each language writes its own way.

import assert from "node:assert/strict";
import test from "node:test";

import { en, fr } from "../src/i18n/messages/common";

const templates = import.meta.glob<string>("../src/**/*.vue", { eager: true, query: "?raw", import: "default" });

test("no template glues a colon to a caption it shows", () => {
  const found: string[] = [];
  for (const [path, source] of Object.entries(templates)) {
    const template = source.slice(source.indexOf("<template>"));
    for (const match of template.matchAll(/\}\}:/g)) {
      found.push(`${path.replace("../src/", "")}: ${template.slice(Math.max(0, (match.index ?? 0) - 40), (match.index ?? 0) + 3).trim()}`);
    }
  }
  assert.ok(Object.keys(templates).length > 50);
  assert.deepEqual(found, []);
});

test("a caption and its colon, in each language", () => {
  assert.equal(en.labelled, "{label}:");
  assert.equal(fr.labelled, "{label} :");
});
