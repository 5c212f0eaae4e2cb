// Removes the "funding" links npm copies into package-lock.json: the lock must name no URL
// (`git grep -nE 'https?://' -- '*lock*'` prints nothing). Run after `npm install`:
//   node scripts/clean-lock.mjs
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
for (const entry of Object.values(lock.packages ?? {})) {
  delete entry.funding;
  delete entry.resolved;
}
const text = JSON.stringify(lock, null, 2) + "\n";
if (/https?:\/\//.test(text)) throw new Error("package-lock.json still names a URL");
writeFileSync(path, text);
