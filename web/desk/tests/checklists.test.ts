// The ticket list's checklist badge and the sidebar's panel follow what desks hear
// (docs/desk.md, "Checklists"): the counts the list read, replaced by those heard since (none left
// once the last item goes); each change heard asks the ticket's panel to read its checklist again.

import assert from "node:assert/strict";
import test from "node:test";
import "./page";

test("the counts heard replace the list's, and the panel is asked to read again", async () => {
  const { createPinia, setActivePinia } = await import("pinia");
  const { useChecklists } = await import("../src/tickets/checklist");
  setActivePinia(createPinia());
  const checklists = useChecklists();
  assert.deepEqual(checklists.progressOf(7, { done: 1, total: 3 }), { done: 1, total: 3 });
  assert.equal(checklists.progressOf(8, null), null);

  const item = { id: 1, ticket_id: 7, text: "Refund issued", done: true };
  const heard = (done: number, total: number) =>
    checklists.heard({ type: "ticket.checklist_changed", data: { ticket_id: 7, inbox_id: 1, change: "updated", item, done, total, by: { id: 2, name: "Ben" } } } as never);
  heard(2, 3);
  assert.deepEqual(checklists.progressOf(7, { done: 1, total: 3 }), { done: 2, total: 3 });
  assert.equal(checklists.changes[7], 1);
  heard(0, 0);
  // The last item deleted: no badge, whatever the list read.
  assert.equal(checklists.progressOf(7, { done: 1, total: 3 }), null);
  assert.equal(checklists.changes[7], 2);
  assert.deepEqual(checklists.progressOf(8, { done: 0, total: 1 }), { done: 0, total: 1 });

  const before = checklists.resumes;
  checklists.resumed();
  assert.equal(checklists.resumes, before + 1);
});

test("a list read after the counts were heard shows what it read (a merge moves items unheard)", async () => {
  const { createPinia, setActivePinia } = await import("pinia");
  const { moment, useChecklists } = await import("../src/tickets/checklist");
  setActivePinia(createPinia());
  const checklists = useChecklists();
  const item = { id: 1, ticket_id: 7, text: "Refund issued", done: true };
  const readBefore = moment();
  checklists.heard({ type: "ticket.checklist_changed", data: { ticket_id: 7, inbox_id: 1, change: "updated", item, done: 1, total: 1 } } as never);
  // Heard after the list asked: the event is newer.
  assert.deepEqual(checklists.progressOf(7, { done: 0, total: 1 }, readBefore), { done: 1, total: 1 });
  // The list asked again after it (the merge moved two more items in): the read is newer.
  const readAfter = moment();
  assert.deepEqual(checklists.progressOf(7, { done: 2, total: 3 }, readAfter), { done: 2, total: 3 });
  assert.equal(checklists.progressOf(7, null, readAfter), null);
});
