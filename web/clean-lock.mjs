// Removes the "funding" links npm copies into the front ends' package-lock.json files: a lock must
// name no URL (`git grep -nE 'https?://' -- '*lock*'` prints nothing). npm is configured to leave
// out "resolved" already; both are dropped so the rule holds whatever npm's configuration. Run after
// `npm install` in either front end: `npm run clean-lock`.
import { readFileSync, writeFileSync } from "node:fs";

for (const frontEnd of ["desk", "messenger"]) {
  const path = new URL(`./${frontEnd}/package-lock.json`, import.meta.url);
  const lock = JSON.parse(readFileSync(path, "utf8"));
  for (const entry of Object.values(lock.packages ?? {})) {
    delete entry.funding;
    delete entry.resolved;
  }
  const text = JSON.stringify(lock, null, 2) + "\n";
  if (/https?:\/\//.test(text)) throw new Error(`${frontEnd}/package-lock.json still names a URL`);
  writeFileSync(path, text);
}
