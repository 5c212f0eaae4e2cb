// Prints the gzipped size of the bundle and fails the build above the budget (docs/messenger.md).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET = 30 * 1024;
const bundle = readFileSync(new URL("../dist/messenger.js", import.meta.url));
const gzipped = gzipSync(bundle, { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(
  `messenger.js: ${kb(bundle.length)} raw, ${kb(gzipped)} gzipped (budget ${kb(BUDGET)})`,
);
if (gzipped > BUDGET) {
  console.error("messenger.js is over its size budget");
  process.exit(1);
}
