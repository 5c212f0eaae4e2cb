// Prints the gzipped size of the bundle and fails the build above the budget (docs/messenger.md).
// The proactive messages' script, loaded later and only by inboxes that have some, and the French
// words, loaded only by a messenger that speaks French, are printed beside it and are not part of
// the budget.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET = 30 * 1024;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const size = (name) => {
  const bundle = readFileSync(new URL(`../dist/${name}`, import.meta.url));
  return [bundle.length, gzipSync(bundle, { level: 9 }).length];
};
const [raw, gzipped] = size("messenger.js");
console.log(`messenger.js: ${kb(raw)} raw, ${kb(gzipped)} gzipped (budget ${kb(BUDGET)})`);
const [lazyRaw, lazyGzipped] = size("messenger-proactive.js");
console.log(`messenger-proactive.js (loaded later): ${kb(lazyRaw)} raw, ${kb(lazyGzipped)} gzipped`);
const [frRaw, frGzipped] = size("messenger-fr.js");
console.log(`messenger-fr.js (loaded when French): ${kb(frRaw)} raw, ${kb(frGzipped)} gzipped`);
if (gzipped > BUDGET) {
  console.error("messenger.js is over its size budget");
  process.exit(1);
}
