// What the desk asks before a macro runs on many tickets, and what it sends with a macro applied on
// a ticket (docs/routing.md, "Bulk actions" and "Macros"): the bulk bar used to apply a macro
// the moment it was chosen; now it shows each step, on how many tickets, and warns when the
// customers get an email. On a ticket, the newest entry shown goes as `seen_entry_id`.

import assert from "node:assert/strict";
import test from "node:test";
import type { Action, Macro } from "../src/macros/api";

const g = globalThis as unknown as Record<string, unknown>;
g.navigator ??= { language: "en" };
// After the globals it reads as it loads (the desk's language).
const { bulkQuestion, newestEntryId, seenEntries, seenEntryId, sendsReply } = await import("../src/macros/applying");

function macro(name: string, actions: Action[]): Pick<Macro, "name" | "actions"> {
  return { name, actions };
}

const describe = (action: Action): string => `step ${action.type}`;

test("a note-only macro on 25 tickets: its steps and the count, and no warning", () => {
  const question = bulkQuestion(macro("Note only", [{ type: "note", text: "Checked" }]), 25, describe);
  assert.equal(question.title, "Apply “Note only” to 25 tickets?");
  assert.equal(question.text, "On each of the 25 selected tickets, it will:");
  assert.deepEqual(question.steps, ["step note"]);
  assert.equal(question.warning, undefined);
  assert.equal(question.confirm, "Apply to 25 tickets");
});

test("a macro that replies warns that every customer is emailed", () => {
  const refund = macro("Refund done", [
    { type: "label", add: [3] },
    { type: "reply", text: "Refunded" },
    { type: "set_state", state: "closed" },
  ]);
  assert.equal(sendsReply(refund), true);
  const question = bulkQuestion(refund, 2, describe);
  assert.deepEqual(question.steps, ["step label", "step reply", "step set_state"]);
  assert.equal(question.warning, "It emails a reply to the customers of all 2 tickets. An email cannot be taken back.");
  const one = bulkQuestion(refund, 1, describe);
  assert.equal(one.title, "Apply “Refund done” to 1 ticket?");
  assert.equal(one.warning, "It emails a reply to the ticket’s customer. An email cannot be taken back.");
  assert.equal(one.confirm, "Apply to 1 ticket");
});

test("the entry a macro is applied against: the newest the page shows, 0 for none", () => {
  assert.equal(newestEntryId({ entries: [{ id: 4 }, { id: 9 }, { id: 7 }] }), 9);
  assert.equal(newestEntryId({ entries: [] }), 0);
  assert.equal(newestEntryId(undefined), 0);
});

test("the bulk bar sends each ticket's newest message as its row showed it, not a time", () => {
  // A row's `last_public_entry_id`; a ticket with no message yet is sent as 0, so that any
  // message that arrives counts as unseen.
  assert.equal(seenEntryId({ last_public_entry_id: 5120 }), 5120);
  assert.equal(seenEntryId({ last_public_entry_id: null }), 0);
  const chosenOn = new Map([
    [806, 5120],
    [807, 0],
  ]);
  // A ticket selected before its row was known (not in the map) goes unchecked.
  assert.deepEqual(seenEntries([806, 807, 808], chosenOn), { "806": 5120, "807": 0 });
});
