// Custom ticket statuses in the desk (docs/desk.md, "Ticket statuses"): the list's status filter
// in the URL and a saved view, and a macro's (or rule's) "set the status" read back as saved.

import assert from "node:assert/strict";
import test from "node:test";
import { actionsOf, emptyForm, formOf } from "../src/macros/form";
import { fromQuery, stored, toLocation, toQuery } from "../src/views/filters";

test("the list's status filter reads back what it wrote", () => {
  const listing = { filters: { status_id: 4, state: ["hold" as const] }, sort: "-updated_at" as const };
  const location = toLocation(listing);
  assert.deepEqual(location, { state: ["hold"], status_id: "4" });
  assert.deepEqual(toQuery(fromQuery(location as never)), { state: ["hold"], status_id: 4 });
  assert.deepEqual(stored(listing.filters), { state: ["hold"], status_id: 4 });
  assert.deepEqual(toQuery(fromQuery({ status_id: "x" })), {});
});

test("a macro sets a status, or a state, as its form says", () => {
  const form = { ...emptyForm(), name: "Vendor", note: "Asked", state: "status-7" as const };
  const actions = actionsOf(form);
  assert.deepEqual(actions, [
    { type: "note", text: "Asked" },
    { type: "set_status", status_id: 7 },
  ]);
  const back = formOf({ id: 1, name: "Vendor", actions, inbox_id: null } as never);
  assert.equal(back.state, "status-7");
  assert.deepEqual(actionsOf({ ...back, state: "hold" }).at(-1), { type: "set_state", state: "hold" });
});

// A customer's and an organisation's ticket tables titled "State" the column whose badges show
// the custom status ("Waiting on vendor"). A column that shows the status is titled as the
// ticket list's filter names it: Status, Statut.
const catalogues = import.meta.glob<{ en: Record<string, unknown>; fr: Record<string, unknown> }>("../src/i18n/messages/*.ts", { eager: true });
const tables = import.meta.glob<string>("../src/**/*.vue", { eager: true, query: "?raw", import: "default" });
const words = (language: "en" | "fr", key: string) => {
  const [file, name] = key.split(".");
  return catalogues[`../src/i18n/messages/${file}.ts`]?.[language][name];
};

test("a table column that shows the custom status is titled Status", () => {
  const titles: string[] = [];
  for (const [path, source] of Object.entries(tables)) {
    for (const [table] of source.matchAll(/<table[\s\S]*?<\/table>/g)) {
      const row = /<tr v-for[\s\S]*?<\/tr>/.exec(table)?.[0] ?? "";
      const cells = row.split(/<t[hd][\s>]/).slice(1);
      const at = cells.findIndex((cell) => cell.includes("status?.name"));
      if (at < 0) continue;
      const head = [...(/<thead>[\s\S]*?<\/thead>/.exec(table)?.[0] ?? "").matchAll(/<th[^>]*>\s*\{\{ t\("([\w.]+)"\) \}\}/g)];
      const key = head[at]?.[1] ?? "";
      titles.push(`${path.split("/").pop()} ${words("en", key)} ${words("fr", key)}`);
    }
  }
  assert.deepEqual(titles.sort(), ["CustomerPage.vue Status Statut", "OrganisationPage.vue Status Statut"]);
  assert.equal(words("en", "statuses.filter"), "Status");
  assert.equal(words("fr", "statuses.filter"), "Statut");
});
